/* atomic_file: replace a file so that a crash leaves either the old or the new
 * content, never a mix: write <path>.tmp, fsync, rename over path, fsync the folder.
 *
 * Only regular files are read or replaced: a symlink (even a dangling one, e.g. a
 * state disk not mounted yet), a FIFO or a device at path is an error, never
 * followed or waited on. The tmp file is created O_EXCL|O_NOFOLLOW, so a planted
 * <path>.tmp symlink cannot redirect a save; a stale one left by a crash is removed. */
#ifndef ATOMIC_FILE_H
#define ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "sr_error.h"

/* 0: written and durable. 1: the new content is in place (the rename happened) but the
 * folder's fsync failed, so it may not survive a power loss; err says why. The caller
 * must treat 1 as written: memory has to follow what the file now says. -1: the old
 * content is untouched; err says why. */
int atomic_file_write(const char *path, const void *data, size_t len, sr_error *err);
/* The first half of a replacement: tmp created afresh (O_EXCL|O_NOFOLLOW, a stale one
 * removed), data written, fsynced when sync, closed. -1: tmp is gone again; err says why. */
int atomic_file_write_tmp(const char *tmp, const void *data, size_t len, bool sync, sr_error *err);
/* Reads the whole regular file (NUL-terminated, *len excludes the NUL). ENOENT when
 * absent, ELOOP for a symlink, EINVAL for anything that is not a regular file. */
int atomic_file_read(const char *path, char **data, size_t *len, sr_error *err);
/* What is at path, without following a symlink: 0 absent, 1 a regular file, -1 anything
 * else or an error (err names it: "is a symbolic link", "is not a regular file"). */
int atomic_file_probe(const char *path, sr_error *err);

#endif
