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

#include "../../common/small_file.h"

bool doctor_read(const char *path, char *buf, size_t size)
{
	return small_file_read(path, buf, size, NULL) == 0;
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
	return small_file_link_base(path, out, size, NULL) == 0;
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
