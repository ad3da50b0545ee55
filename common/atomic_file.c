#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fsync_parent_dir(const char *path, sr_error *err)
{
	char copy[PATH_MAX];
	int fd, rc = 0;
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return sr_error_set(err, ENAMETOOLONG, "%s: path too long", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "open folder of %s", path);
	if (fsync(fd) < 0)
		rc = sr_error_set_errno(err, errno, "fsync folder of %s", path);
	close(fd);
	return rc;
}

int atomic_file_write_tmp(const char *tmp, const void *data, size_t len, bool sync, sr_error *err)
{
	const char *p = data;
	size_t done = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* left by a crash mid-save, or planted: unlink removes the entry itself (a symlink's
		 * target is never touched), and O_EXCL makes the retry create a fresh file */
		if (unlink(tmp) < 0 && errno != ENOENT)
			return sr_error_set_errno(err, errno, "remove stale %s", tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return sr_error_set_errno(err, errno, "create %s", tmp);
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sr_error_set_errno(err, errno, "write %s", tmp);
			goto fail;
		}
		done += (size_t)n;
	}
	if (sync && fsync(fd) < 0) {
		sr_error_set_errno(err, errno, "fsync %s", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		sr_error_set_errno(err, errno, "close %s", tmp);
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int atomic_file_write(const char *path, const void *data, size_t len, sr_error *err)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return sr_error_set(err, ENAMETOOLONG, "%s: path too long", path);
	if (atomic_file_write_tmp(tmp, data, len, true, err) < 0)
		return -1;
	if (rename(tmp, path) < 0) {
		sr_error_set_errno(err, errno, "rename %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	/* From here the new content is what the file says: a failure is reported, never as "not written". */
	return fsync_parent_dir(path, err) < 0 ? 1 : 0;
}

int atomic_file_read(const char *path, char **data, size_t *len, sr_error *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t done = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below) */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	*data = NULL;
	*len = 0;
	if (fd < 0 && errno == ELOOP)
		return sr_error_set(err, ELOOP, "%s is a symbolic link; only a regular file is accepted", path);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "open %s", path);
	if (fstat(fd, &sb) < 0) {
		sr_error_set_errno(err, errno, "stat %s", path);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		sr_error_set(err, EINVAL, "%s is not a regular file", path);
		goto fail;
	}
	if (sb.st_size > (off_t)64 * 1024 * 1024) {
		sr_error_set(err, EFBIG, "%s: larger than 64 MiB", path);
		goto fail;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		sr_error_set_errno(err, ENOMEM, "read %s", path);
		goto fail;
	}
	while (done < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)sb.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sr_error_set_errno(err, errno, "read %s", path);
			goto fail;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	buf[done] = '\0';
	close(fd);
	*data = buf;
	*len = done;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int atomic_file_probe(const char *path, sr_error *err)
{
	struct stat sb;
	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		return sr_error_set_errno(err, errno, "stat %s", path);
	}
	if (S_ISLNK(sb.st_mode))
		return sr_error_set(err, ELOOP, "%s is a symbolic link; only a regular file is accepted", path);
	if (!S_ISREG(sb.st_mode))
		return sr_error_set(err, EINVAL, "%s is not a regular file", path);
	return 1;
}
