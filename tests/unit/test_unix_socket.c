/* unix_socket_from_systemd: fd 3 is taken only when it is one listening Unix stream
 * socket; whatever else a parent left there (a file, a TCP socket, a socket not
 * listening) is refused with a message, never served on. */
#include "../../plugin/daemon/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"

static void announce(const char *count)
{
	char pid[32];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", count, 1);
}

/* Puts fd at 3 (closing the original). */
static void at_fd3(int fd)
{
	if (fd != 3) {
		dup2(fd, 3);
		close(fd);
	}
}

int main(void)
{
	sr_error err = {0};
	char dir[] = "/tmp/test_unix_socket.XXXXXX", path[64];
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = -1;

	close(3);
	/* nothing announced */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	CHECK(unix_socket_from_systemd(&fd, &err) == 0 && fd == -1);
	/* announced for another process */
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "1", 1);
	CHECK(unix_socket_from_systemd(&fd, &err) == 0 && fd == -1);

	/* a regular file at fd 3 */
	at_fd3(open("/dev/null", O_RDONLY));
	announce("1");
	CHECK(unix_socket_from_systemd(&fd, &err) == -1 && fd == -1);
	CHECK(strstr(err.msg, "fd 3 passed by systemd is not a socket") == err.msg);
	CHECK(getenv("LISTEN_FDS") == NULL); /* consumed either way: not passed to children */
	close(3);

	/* a TCP socket, listening */
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(tcp >= 0 && bind(tcp, (struct sockaddr *)&lo, sizeof(lo)) == 0 && listen(tcp, 1) == 0);
	at_fd3(tcp);
	announce("1");
	CHECK(unix_socket_from_systemd(&fd, &err) == -1);
	CHECK(strstr(err.msg, "not a listening Unix stream socket") != NULL);
	close(3);

	/* a Unix socket, bound but not listening */
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s", dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int un = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(un >= 0 && bind(un, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	at_fd3(un);
	announce("1");
	CHECK(unix_socket_from_systemd(&fd, &err) == -1);
	CHECK(strstr(err.msg, "not a listening Unix stream socket") != NULL);

	/* two sockets announced: which one is the plugin's is not ours to guess */
	CHECK(listen(3, 8) == 0);
	announce("2");
	CHECK(unix_socket_from_systemd(&fd, &err) == -1);
	CHECK(strstr(err.msg, "LISTEN_FDS=2") != NULL);

	/* the real thing */
	announce("1");
	CHECK(unix_socket_from_systemd(&fd, &err) == 1 && fd == 3);
	CHECK((fcntl(3, F_GETFD) & FD_CLOEXEC) != 0);
	close(3);
	unlink(path);
	CHECK(rmdir(dir) == 0);
	return check_summary("unix_socket");
}
