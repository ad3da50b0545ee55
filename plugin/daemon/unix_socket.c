#include "unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Connections the kernel queues before the daemon accepts them: a burst of a thousand clients
 * at once must wait there, not be refused (a full backlog fails a non-blocking connect at once,
 * as Go's dialer makes it). The kernel caps it at net.core.somaxconn (4096 since Linux 5.4). */
#define UNIX_SOCKET_BACKLOG 4096

static int make_parent_dirs(const char *path, sr_error *err)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return sr_error_set_errno(err, errno, "create %s", dir);
		*p = '/';
	}
	return 0;
}

/* 1 = another instance answers, 0 = stale (removed), -1 = error. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *addr, sr_error *err)
{
	struct stat sb;
	int fd, rc;
	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : sr_error_set_errno(err, errno, "stat %s", path);
	if (!S_ISSOCK(sb.st_mode))
		return sr_error_set(err, EEXIST, "%s exists and is not a socket; refusing to replace it", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "socket");
	rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (rc == 0)
		return 1;
	if (unlink(path) < 0 && errno != ENOENT)
		return sr_error_set_errno(err, errno, "remove stale socket %s", path);
	return 0;
}

int unix_socket_listen(const char *path, const char *group, int *fd_out, sr_error *err)
{
	struct sockaddr_un addr;
	gid_t gid = 0;
	int fd, live;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path))
		return sr_error_set(err, ENAMETOOLONG, "socket path %s is longer than %zu bytes", path,
				    sizeof(addr.sun_path) - 1);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (group && group[0]) {
		struct group *gr = getgrnam(group);
		if (!gr)
			return sr_error_set(err, ENOENT, "--socket-group %s: no such group", group);
		gid = gr->gr_gid;
	}
	if (make_parent_dirs(path, err) < 0)
		return -1;
	live = clear_stale_socket(path, &addr, err);
	if (live < 0)
		return -1;
	if (live)
		return sr_error_set(err, EADDRINUSE, "another instance is answering on %s; refusing to start", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "socket");
	/* umask makes the socket 0660 from its creation, with no window where others could connect */
	mode_t old = umask(0117);
	int rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc < 0) {
		sr_error_set_errno(err, errno, "bind %s", path);
		goto fail;
	}
	if (chown(path, 0, gid) < 0 || chmod(path, 0660) < 0) {
		sr_error_set_errno(err, errno, "set owner and mode of %s", path);
		goto fail_unlink;
	}
	if (listen(fd, UNIX_SOCKET_BACKLOG) < 0) {
		sr_error_set_errno(err, errno, "listen on %s", path);
		goto fail_unlink;
	}
	*fd_out = fd;
	return 0;
fail_unlink:
	unlink(path);
fail:
	close(fd);
	return -1;
}

int unix_socket_from_systemd(int *fd_out, sr_error *err)
{
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");
	const int fd = 3; /* SD_LISTEN_FDS_START */
	struct sockaddr_storage addr;
	socklen_t addr_len = sizeof(addr), opt_len;
	int type = 0, listening = 0;
	*fd_out = -1;
	memset(&addr, 0, sizeof(addr));
	if (!pid || !fds || atol(pid) != (long)getpid())
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (atoi(fds) != 1)
		return sr_error_set(err, EINVAL, "systemd passed LISTEN_FDS=%s; expected exactly 1 socket", fds);
	/* fd 3 is whatever the parent left open there: only a listening Unix stream socket is ours */
	opt_len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &opt_len) < 0)
		return sr_error_set_errno(err, errno, "fd %d passed by systemd is not a socket", fd);
	opt_len = sizeof(listening);
	if (getsockname(fd, (struct sockaddr *)&addr, &addr_len) < 0 || addr.ss_family != AF_UNIX ||
	    type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &opt_len) < 0 || !listening)
		return sr_error_set(err, EINVAL,
				    "fd %d passed by systemd is not a listening Unix stream socket "
				    "(check ListenStream= in sriov-plugin.socket)",
				    fd);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return sr_error_set_errno(err, errno, "fd %d passed by systemd", fd);
	/* listen() again only changes the backlog: at least ours, whatever Backlog= said */
	if (listen(fd, UNIX_SOCKET_BACKLOG) < 0)
		return sr_error_set_errno(err, errno, "fd %d passed by systemd: listen", fd);
	*fd_out = fd;
	return 1;
}
