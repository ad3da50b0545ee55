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
	daemon_locks_destroy(&d);
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

/* Issue 25: above the soft cap the guard made room by evicting the newest connection whose handler
 * was not running (the comparison was reversed), which could be one whose answer was still being
 * sent (its client read EOF instead of the answer) or one whose request had arrived but was not
 * read yet (a burst of connections). Now: the oldest idle one; idle = nothing under way, nothing
 * unread, not answered within the grace. */
enum conn_kind { IDLE, ANSWER_QUEUED, UNREAD, JUST_ANSWERED, IN_REQUEST };

struct guard_case {
	struct http_guard *g;
	int sp[8][2];
	struct http_guard_conn *c[8];
	int n;
};

static void case_open(struct guard_case *t, enum conn_kind kind)
{
	struct timespec ms = {0, 2000000};
	int i = t->n++;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, t->sp[i]) == 0);
	if (kind == UNREAD)
		CHECK(write(t->sp[i][1], "POST /Plugin.Activate", 21) == 21);
	t->c[i] = http_guard_opened(t->g, t->sp[i][0]);
	CHECK(t->c[i] != NULL);
	if (kind != IDLE && kind != UNREAD)
		http_guard_headers_done(t->g, t->c[i]);
	if (kind == ANSWER_QUEUED) {
		http_guard_dispatching(t->g, t->c[i], true);
		http_guard_dispatching(t->g, t->c[i], false);
	}
	if (kind == JUST_ANSWERED)
		http_guard_request_done(t->g, t->c[i]);
	nanosleep(&ms, NULL);
}

static void case_start(struct guard_case *t, unsigned soft_cap)
{
	const struct http_guard_limits lim = {.max_connections = 8, .soft_cap = soft_cap, .header_limit_s = 30,
					      .idle_limit_s = 30, .body_limit_s = 30, .answered_grace_ms = 300,
					      .tick_ms = 50};
	sr_error err = {0};
	memset(t, 0, sizeof(*t));
	CHECK(http_guard_create(&lim, &t->g, &err) == 0);
}

static void case_end(struct guard_case *t)
{
	for (int i = 0; i < t->n; i++)
		http_guard_closed(t->g, t->c[i]);
	http_guard_destroy(t->g);
	for (int i = 0; i < t->n; i++) {
		close(t->sp[i][0]);
		close(t->sp[i][1]);
	}
}

/* An idle connection and a newer one of `kind`; a third over the soft cap (2) evicts the idle
 * one, never the other. */
static void evict_idle_not(enum conn_kind kind)
{
	struct guard_case t;
	case_start(&t, 2);
	if (!t.g)
		return;
	case_open(&t, IDLE);
	case_open(&t, kind);
	case_open(&t, IDLE);
	CHECK(peer_closed(t.sp[0][1], 500));
	CHECK(!peer_closed(t.sp[1][1], 0));
	CHECK(!peer_closed(t.sp[2][1], 0));
	case_end(&t);
}

static void test_guard_evicts_only_idle(void)
{
	struct guard_case t;
	evict_idle_not(ANSWER_QUEUED);
	evict_idle_not(UNREAD);
	evict_idle_not(JUST_ANSWERED);
	evict_idle_not(IN_REQUEST);
	evict_idle_not(IDLE); /* two idle ones: the oldest goes */

	/* nothing idle but the newcomer: the soft cap holds it... */
	case_start(&t, 2);
	if (!t.g)
		return;
	case_open(&t, ANSWER_QUEUED);
	case_open(&t, JUST_ANSWERED);
	case_open(&t, UNREAD);
	CHECK(!peer_closed(t.sp[0][1], 0) && !peer_closed(t.sp[1][1], 0) && !peer_closed(t.sp[2][1], 0));
	CHECK(http_guard_answers_pending(t.g) == 1); /* 0: its answer is on its way */
	/* ...and once the answered one's grace is over, the next tick makes room (as when the hard
	 * limit holds newcomers back in the listen backlog: no newcomer to do it) */
	CHECK(!peer_closed(t.sp[1][1], 100));
	CHECK(peer_closed(t.sp[1][1], 2000));
	CHECK(!peer_closed(t.sp[0][1], 0) && !peer_closed(t.sp[2][1], 0));
	case_end(&t);
}

int main(void)
{
	test_server();
	test_guard();
	test_guard_evicts_only_idle();
	return check_summary("http_server");
}
