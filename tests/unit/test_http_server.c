/* http_server on a real Unix socket, in-process: framing that two parsers would read
 * differently is refused with 400, and an answer whose JSON body cannot be allocated
 * (jansson's allocator made to fail) still reaches the client instead of crashing the
 * daemon (it used to call strlen(NULL)). http_guard: eviction and total-time limits. */
#include "../../plugin/daemon/http_guard.h"
#include "../../plugin/daemon/http_server.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static struct sockaddr_un addr = {.sun_family = AF_UNIX};
static bool json_fail;

static void *failing_malloc(size_t n)
{
	return json_fail ? NULL : malloc(n);
}

/* Sends req on a new connection and returns what came back before the server closed
 * or 3 s passed (bounded). */
static char *exchange(const char *req, size_t len)
{
	static char buf[8192];
	size_t got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	buf[0] = '\0';
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || write(fd, req, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return buf;
	}
	for (int i = 0; i < 30 && got < sizeof(buf) - 1; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") && strchr(strstr(buf, "\r\n\r\n"), '}'))
			break;
	}
	close(fd);
	return buf;
}

static void test_server(void)
{
	struct daemon d;
	struct http_server *srv = NULL;
	sr_error err = {0};
	char dir[] = "/tmp/test_http_server.XXXXXX";
	int lfd;
	memset(&d, 0, sizeof(d));
	d.log.level = SR_LOG_ERROR;
	daemon_locks_init(&d);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%.60s/s", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(lfd, 16) == 0);
	CHECK(http_server_start(&d, lfd, &srv, &err) == 0);
	if (!srv)
		return;

	const char ok[] = "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
	CHECK(strstr(exchange(ok, sizeof(ok) - 1), "HTTP/1.1 200") != NULL);
	const char two_lengths[] = "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
				   "Content-Length: 3\r\n\r\n{}x";
	char *out = exchange(two_lengths, sizeof(two_lengths) - 1);
	CHECK(strstr(out, "HTTP/1.1 400") != NULL);
	const char cl_and_chunked[] = "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
	out = exchange(cl_and_chunked, sizeof(cl_and_chunked) - 1);
	CHECK(strstr(out, "HTTP/1.1 400") != NULL);
	CHECK(strstr(out, "both Content-Length and Transfer-Encoding") != NULL);
	/* the same length twice is one length */
	const char same_twice[] = "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
				  "Content-Length: 0\r\n\r\n";
	CHECK(strstr(exchange(same_twice, sizeof(same_twice) - 1), "HTTP/1.1 200") != NULL);

	/* no memory for the error body: the status still goes out, with a fixed reason */
	json_set_alloc_funcs(failing_malloc, free);
	json_fail = true;
	const char get[] = "GET /Plugin.Activate HTTP/1.1\r\nHost: x\r\n\r\n";
	out = exchange(get, sizeof(get) - 1);
	json_fail = false;
	json_set_alloc_funcs(malloc, free);
	CHECK(strstr(out, "HTTP/1.1 405") != NULL);
	CHECK(strstr(out, "out of memory") != NULL);
	/* and the server is still there */
	CHECK(strstr(exchange(ok, sizeof(ok) - 1), "HTTP/1.1 200") != NULL);

	http_server_stop(srv);
	close(lfd);
	unlink(addr.sun_path);
	rmdir(dir);
}

/* true when the peer of fd saw the server side shut down within ms */
static bool peer_closed(int fd, int ms)
{
	char c;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static void test_guard(void)
{
	const struct http_guard_limits lim = {
		.max_connections = 4, .soft_cap = 2, .header_limit_s = 1, .idle_limit_s = 1, .body_limit_s = 1, .tick_ms = 50};
	struct http_guard *g = NULL;
	sr_error err = {0};
	int sp[5][2];
	struct http_guard_conn *c[5];
	CHECK(http_guard_create(&lim, &g, &err) == 0);
	if (!g)
		return;
	for (int i = 0; i < 5; i++)
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]) == 0);
	c[0] = http_guard_opened(g, sp[0][0]);
	http_guard_headers_done(g, c[0]);
	http_guard_dispatching(g, c[0], true); /* being handled: never cut */
	struct timespec ms = {0, 2000000};
	nanosleep(&ms, NULL);
	c[1] = http_guard_opened(g, sp[1][0]);
	nanosleep(&ms, NULL);
	c[2] = http_guard_opened(g, sp[2][0]); /* over the soft cap: the oldest idle one (1) makes room */
	CHECK(c[0] && c[1] && c[2]);
	CHECK(peer_closed(sp[1][1], 500));
	CHECK(!peer_closed(sp[2][1], 0) && !peer_closed(sp[0][1], 0));
	CHECK(http_guard_evictions(g) == 1);
	http_guard_closed(g, c[1]);
	/* an idle (or slowly-sending) connection is cut after its total header time, however
	 * active; the one whose handler runs is not */
	CHECK(peer_closed(sp[2][1], 3000));
	CHECK(!peer_closed(sp[0][1], 0));
	/* its handler ran longer than the body limit: the answer gets its own time to be sent (it
	 * used to be cut at the next tick, before the answer left: dockerd saw EOF) */
	http_guard_dispatching(g, c[0], false);
	CHECK(!peer_closed(sp[0][1], 300));
	CHECK(peer_closed(sp[0][1], 3000)); /* then its answer time ran out */
	http_guard_closed(g, c[0]);
	http_guard_closed(g, c[2]);
	http_guard_destroy(g);
	for (int i = 0; i < 5; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
}

int main(void)
{
	test_server();
	test_guard();
	return check_summary("http_server");
}
