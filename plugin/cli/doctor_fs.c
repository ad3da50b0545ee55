#include "doctor_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool doctor_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return true;
}

bool doctor_read_int(const char *path, long *value)
{
	char buf[64], *end;
	if (!doctor_read(path, buf, sizeof(buf)))
		return false;
	errno = 0;
	*value = strtol(buf, &end, 0);
	return errno == 0 && end != buf && *end == '\0';
}

bool doctor_exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

int doctor_dir_count(const char *dir, char *first, size_t first_size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int count = 0;
	if (!d)
		return -1;
	if (first && first_size)
		first[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (count == 0 && first && first_size)
			snprintf(first, first_size, "%s", de->d_name);
		count++;
	}
	closedir(d);
	return count;
}

bool doctor_link_base(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	snprintf(out, size, "%s", base);
	return true;
}

bool doctor_file_contains(const char *path, const char *needle)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}
