#include "state_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The socket this daemon serves: the one systemd passes (fd 3, looked at, not taken), else ours. */
static void describe_socket(const char *socket_path, char *out, size_t size)
{
	const char *pid = getenv("LISTEN_PID");
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	memset(&addr, 0, sizeof(addr));
	if (pid && getenv("LISTEN_FDS") && atol(pid) == (long)getpid() &&
	    getsockname(3, (struct sockaddr *)&addr, &len) == 0 && addr.sun_family == AF_UNIX && addr.sun_path[0]) {
		snprintf(out, size, "%.*s (from systemd)", (int)sizeof(addr.sun_path), addr.sun_path);
		return;
	}
	snprintf(out, size, "%s", socket_path);
}

/* What the holder wrote: "pid=..\nsocket=..\nstarted=..\n", each value up to its newline. */
static void holder_field(const char *text, const char *key, char *out, size_t size)
{
	const char *p = text;
	size_t klen = strlen(key);
	out[0] = '\0';
	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1, *end = strchr(v, '\n');
			snprintf(out, size, "%.*s", (int)(end ? (size_t)(end - v) : strlen(v)), v);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static int refuse(int fd, const char *path, const char *dir, sr_error *err)
{
	struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char text[512] = "", socket[256], started[64], pid_text[32];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	holder_field(text, "socket", socket, sizeof(socket));
	holder_field(text, "started", started, sizeof(started));
	holder_field(text, "pid", pid_text, sizeof(pid_text));
	/* the kernel's view of the holder's PID (0: in another PID namespace, e.g. the managed plugin) */
	if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK && who.l_pid > 0)
		snprintf(pid_text, sizeof(pid_text), "%d", (int)who.l_pid);
	return sr_error_set(err, EBUSY,
			    "state dir %s is in use by another sriov-plugin (PID %s, socket %s, since %s; lock %s): two "
			    "daemons on one state dir would each reset VFs the other hands out. Stop the package's "
			    "service before enabling the managed plugin (systemctl disable --now sriov-plugin.socket "
			    "sriov-plugin.service), or give each daemon its own --state-dir",
			    dir, pid_text[0] ? pid_text : "unknown", socket[0] ? socket : "unknown",
			    started[0] ? started : "unknown", path);
}

int state_lock_take(const char *dir, int *fd_out, sr_error *err)
{
	struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char path[600];
	int fd;
	*fd_out = -1;
	if (snprintf(path, sizeof(path), "%s/" STATE_LOCK_FILE, dir) >= (int)sizeof(path))
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	/* never through a symlink planted there; never shared with a child */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && (errno == ENOSPC || errno == EDQUOT))
		return 1; /* a first start on a full disk still serves (the caller warns) */
	if (fd < 0)
		return sr_error_set_errno(err, errno, "open %s", path);
	if (fcntl(fd, F_SETLK, &lock) < 0) {
		int e = errno;
		if (e == EACCES || e == EAGAIN)
			refuse(fd, path, dir, err);
		else
			sr_error_set_errno(err, e, "lock %s", path);
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int state_lock_describe(int fd, const char *socket_path)
{
	char socket[300], started[64], text[512];
	time_t now = time(NULL);
	struct tm tm;
	int len;
	if (fd < 0)
		return -1;
	describe_socket(socket_path, socket, sizeof(socket));
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	len = snprintf(text, sizeof(text), "pid=%d\nsocket=%s\nstarted=%s\n", (int)getpid(), socket, started);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)len, 0) != len)
		return -1;
	return 0;
}

void state_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
