/* atomic_file: what a save leaves behind when the disk or the directory misbehaves, and
 * which files a read refuses. fsync is interposed (this executable's definition wins over
 * libc's for the library linked into it) so a folder fsync can be made to fail after the
 * rename, which no real file system does on demand. */
#include "../../common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static bool fail_dir_fsync;

int fsync(int fd)
{
	struct stat sb;
	if (fail_dir_fsync && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

static char dir[64], path[128], tmp[128], victim[128];

static char *slurp(const char *p)
{
	char *data = NULL;
	size_t len;
	sr_error err = {0};
	if (atomic_file_read(p, &data, &len, &err) < 0)
		return NULL;
	return data;
}

static void test_fsync_after_rename(void)
{
	sr_error err = {0};
	char *text;
	CHECK(atomic_file_write(path, "old", 3, &err) == 0);
	fail_dir_fsync = true;
	/* the rename happened: the caller must hear "written" (1), not "failed", or it would
	 * undo in memory what the file already says */
	CHECK(atomic_file_write(path, "new", 3, &err) == 1);
	fail_dir_fsync = false;
	CHECK(strstr(err.msg, "fsync folder of") != NULL);
	text = slurp(path);
	CHECK_STR_EQ(text, "new");
	free(text);
	CHECK(access(tmp, F_OK) < 0 && errno == ENOENT);
}

static void test_planted_tmp(void)
{
	sr_error err = {0};
	char *text;
	int fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "precious", 8) == 8);
	close(fd);
	/* a symlink planted where the tmp file goes must not redirect the save */
	CHECK(symlink(victim, tmp) == 0);
	CHECK(atomic_file_write(path, "state", 5, &err) == 0);
	text = slurp(victim);
	CHECK_STR_EQ(text, "precious");
	free(text);
	text = slurp(path);
	CHECK_STR_EQ(text, "state");
	free(text);
	/* a stale tmp file from a crash mid-save is replaced, not appended to */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "half a save that was longer", 27) == 27);
	close(fd);
	CHECK(atomic_file_write(path, "x", 1, &err) == 0);
	text = slurp(path);
	CHECK_STR_EQ(text, "x");
	free(text);
	unlink(victim);
}

static void test_odd_files(void)
{
	sr_error err = {0};
	char *data = NULL;
	size_t len;
	unlink(path);
	CHECK(atomic_file_probe(path, &err) == 0);
	CHECK(atomic_file_read(path, &data, &len, &err) == -1 && err.code == ENOENT);
	/* a dangling symlink (a state disk not mounted yet) */
	CHECK(symlink("/nonexistent/state.json", path) == 0);
	CHECK(atomic_file_read(path, &data, &len, &err) == -1 && err.code == ELOOP);
	CHECK(strstr(err.msg, "is a symbolic link") != NULL);
	CHECK(atomic_file_probe(path, &err) == -1 && err.code == ELOOP);
	unlink(path);
	/* a symlink to a good file is refused too: only what a save writes is read */
	CHECK(atomic_file_write(victim, "{}", 2, &err) == 0);
	CHECK(symlink(victim, path) == 0);
	CHECK(atomic_file_read(path, &data, &len, &err) == -1 && err.code == ELOOP);
	unlink(path);
	unlink(victim);
	/* a FIFO: refused at once, never waited on */
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(atomic_file_read(path, &data, &len, &err) == -1 && err.code == EINVAL);
	CHECK(strstr(err.msg, "is not a regular file") != NULL);
	CHECK(atomic_file_probe(path, &err) == -1 && err.code == EINVAL);
	unlink(path);
	/* a device (made here: mknod of /dev/null's numbers) */
	CHECK(mknod(path, S_IFCHR | 0600, makedev(1, 3)) == 0);
	CHECK(atomic_file_read(path, &data, &len, &err) == -1 && err.code == EINVAL);
	unlink(path);
	CHECK(data == NULL);
	CHECK(atomic_file_write(path, "{}", 2, &err) == 0);
	CHECK(atomic_file_probe(path, &err) == 1);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_atomic_file.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	test_fsync_after_rename();
	test_planted_tmp();
	test_odd_files();
	unlink(path);
	unlink(tmp);
	unlink(victim);
	CHECK(rmdir(dir) == 0);
	return check_summary("atomic_file");
}
