/* doctor_fs: the small, forgiving file reads the doctor's checks need
 * (a missing file is an answer, not an error). */
#ifndef DOCTOR_FS_H
#define DOCTOR_FS_H

#include <stdbool.h>
#include <stddef.h>

/* Whole (small) file, trailing newlines/spaces trimmed; false when absent or unreadable. */
bool doctor_read(const char *path, char *buf, size_t size);
bool doctor_read_int(const char *path, long *value);
bool doctor_exists(const char *path);
/* Number of entries (not "." / "..") in dir; -1 when it cannot be opened.
 * first (optional) receives the first entry's name in readdir order. */
int doctor_dir_count(const char *dir, char *first, size_t first_size);
/* basename of a symlink's target, false when not a link. */
bool doctor_link_base(const char *path, char *out, size_t size);
/* True when any line of the file contains needle. */
bool doctor_file_contains(const char *path, const char *needle);

#endif
