/* small_file: the whole-file reads and writes of kernel attribute files (sysfs, procfs): one
 * short value per file, read in one read(2), written in one write(2). Used by the host layer
 * (plugin/host/sysfs.c) and by the doctor (plugin/cli/doctor_fs.c), which treats a failure as
 * an answer rather than an error. */
#ifndef SMALL_FILE_H
#define SMALL_FILE_H

#include <stddef.h>

#include "sr_error.h"

/* The file's text in buf (at most size - 1 bytes), trailing newlines and spaces trimmed.
 * err (may be NULL) names the path and the errno text. */
int small_file_read(const char *path, char *buf, size_t size, sr_error *err);
/* text written in one write(2), the file truncated first (sysfs takes a value per write). */
int small_file_write(const char *path, const char *text, sr_error *err);
/* basename of a symlink's target ("../../../0000:01:00.0" -> "0000:01:00.0"); ENAMETOOLONG
 * when it does not fit in out. */
int small_file_link_base(const char *path, char *out, size_t size, sr_error *err);

#endif
