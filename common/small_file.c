#include "small_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

int small_file_read(const char *path, char *buf, size_t size, sr_error *err)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "open %s", path);
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int e = errno;
		close(fd);
		return sr_error_set_errno(err, e, "read %s", path);
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int small_file_write(const char *path, const char *text, sr_error *err)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "open %s", path);
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len) {
		int e = n < 0 ? errno : EIO;
		close(fd);
		return sr_error_set_errno(err, e, "write '%s' to %s", text, path);
	}
	if (close(fd) < 0)
		return sr_error_set_errno(err, errno, "write '%s' to %s", text, path);
	return 0;
}

int small_file_link_base(const char *path, char *out, size_t size, sr_error *err)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return sr_error_set_errno(err, errno, "readlink %s", path);
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return sr_error_set(err, ENAMETOOLONG, "%s: link target too long", path);
	memcpy(out, base, strlen(base) + 1);
	return 0;
}
