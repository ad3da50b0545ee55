/* atomic_file: replace a file so that a crash leaves either the old or the new
 * content, never a mix: write <path>.tmp, fsync, rename over path, fsync the folder. */
#ifndef ATOMIC_FILE_H
#define ATOMIC_FILE_H

#include <stddef.h>

#include "sr_error.h"

int atomic_file_write(const char *path, const void *data, size_t len, sr_error *err);
/* Reads the whole file (NUL-terminated, *len excludes the NUL). ENOENT when absent. */
int atomic_file_read(const char *path, char **data, size_t *len, sr_error *err);

#endif
