#include "http_server.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "fd_limit.h"
#include "http_guard.h"
#include "work_pool.h"

/* One event loop (libmicrohttpd's internal thread, epoll) reads every connection and answers
 * what needs no wait (dispatch.h lanes): the constant answers, EndpointOperInfo, the calls that
 * carry no state. A route that may block (a change: the kernel, a save, a wait for another
 * request's operation) is handed to the worker pool with its connection suspended, and
 * answered when the worker resumes it; Status (kernel reads, no change) has a reader thread of
 * its own, so it never queues behind kernel work. Threads follow requests in flight, not
 * connections: 1 000 idle connections cost this process +1 MB and no thread, where libmicrohttpd's
 * thread-per-connection mode (this server before) costs +70 MB and a thread each (make bench).
 * GetCapabilities from the loop runs at 91-97% of a no-op libmicrohttpd epoll server at 1 and 16
 * connections. On an idle 2-core host the no-op epoll server answered 99k req/s at 16
 * connections where a thread per connection answered 62k with a 12x longer p99 (issue 24: 16
 * threads fight for 2 CPUs); on a host loaded by other work, more threads get a larger share of
 * the CPUs and the two modes come out about even (make bench, same run).
 * Workers need little stack (handlers keep records, not buffers, on it). */
#define HTTP_THREAD_STACK ((size_t)2 * 1024 * 1024)
/* A few workers stay; more start while every one is blocked (kernel work takes seconds in a
 * burst of `docker run`), up to a bound that keeps their files under HTTP_FD_RESERVE. */
#define HTTP_WORKERS_RESIDENT 4
#define HTTP_WORKERS_MAX 16
#define HTTP_READERS_MAX 2
#define HTTP_WORKER_IDLE_MS 10000
/* Idle keep-alive connections are closed after this: longer than dockerd keeps one (30 s), so
 * that dockerd always closes first. Closing at the same moment as dockerd reuses one makes it
 * retry the POST with its body already consumed (an empty CreateEndpoint). The guard evicts the
 * oldest idle connection when too many are open, so a long idle time costs nothing. */
#define HTTP_CONNECTION_TIMEOUT_S 120
#define HTTP_DRAIN_WAIT_MS 15000
#define HTTP_FLUSH_WAIT_MS 1000
/* Connection policy (http_guard.h): a hard limit, a soft cap above which the oldest idle
 * connection makes room, and total (not per-byte) time bounds: dockerd keeps an idle keep-alive
 * connection 30 s, and sends a whole request at once. The hard limit shrinks to fit the open-file
 * limit (fd_limit.h), leaving HTTP_FD_RESERVE files for the rest: the listening socket, epoll,
 * netlink, state and sysfs files, and per worker waiting for the kernel its rtnetlink, uevent
 * and udev sockets. */
#define HTTP_CONNECTION_LIMIT 512
#define HTTP_CONNECTION_SOFT_CAP 256
#define HTTP_CONNECTION_MIN 16
#define HTTP_FD_RESERVE (32 + 6 * (HTTP_WORKERS_MAX + HTTP_READERS_MAX))
#define HTTP_HEADER_LIMIT_S 30
#define HTTP_BODY_LIMIT_S 10
#define HTTP_GUARD_TICK_MS 250
/* A kept-alive connection answered this recently is its client's, between two calls: not idle. */
#define HTTP_ANSWERED_GRACE_MS 1000
/* libmicrohttpd clears a connection's whole memory pool before each kept-alive request, and
 * reads into half of it: 64 KiB cost more than the rest of a GetCapabilities. dockerd's
 * requests carry a few hundred bytes of headers (bodies go to our own buffer, in chunks), so
 * 16 KiB still takes an 8 KiB header block, the usual limit of HTTP servers; more: 431. */
#define HTTP_CONNECTION_MEMORY (16 * 1024)
/* the longest route path (dispatch.c) and then some */
#define HTTP_PATH_MAX 64

/* Routes whose answer never changes (dispatch_route_constant) get it from a response built once:
 * GetCapabilities is asked thousands of times a second by a busy dockerd's clients, and encoding,
 * allocating and describing the same bytes each time was a quarter of its cost. */
#define HTTP_CONSTANT_MAX 8

struct constant_answer {
	const char *path;
	struct MHD_Response *response;
};

struct http_server {
	struct MHD_Daemon *mhd;
	struct daemon *d;
	struct http_guard *guard;
	struct work_pool *workers; /* LANE_CHANGE */
	struct work_pool *readers; /* LANE_READ */
	/* requests handed to a pool whose worker has not resumed their connection yet */
	atomic_int jobs;
	atomic_bool stopping;
	struct constant_answer constant[HTTP_CONSTANT_MAX];
	size_t constant_count;
};

/* The request a connection carries (one at a time: libmicrohttpd reads the next request only
 * once the answer is sent), kept with the connection from its start to its close and reused. */
struct request_ctx {
	struct work_item job; /* first: the pool hands it back */
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct http_guard_conn *guard_conn;
	char *body; /* kept for the connection's next request, unless large */
	size_t len, cap;
	bool too_large;
	bool handed_off; /* suspended, with a pool; its answer is in resp once resumed */
	enum dispatch_lane lane;
	char path[HTTP_PATH_MAX];
	struct http_response resp;
};

struct conn_state {
	struct http_guard_conn *guard;
	struct request_ctx req;
};

/* A body buffer larger than this is not kept for the connection's next request. */
#define HTTP_BODY_KEEP ((size_t)64 * 1024)

/* When not even the error body can be allocated, the client still gets its status and a reason. */
static const char answer_no_memory[] = "{\"Err\":\"out of memory encoding the answer\"}\n";

static const char content_type[] = "application/vnd.docker.plugins.v1.2+json";

static enum MHD_Result send_answer(struct MHD_Connection *conn, unsigned status, char *body)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	if (!body)
		r = MHD_create_response_from_buffer(sizeof(answer_no_memory) - 1, (void *)answer_no_memory,
						    MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", content_type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static bool append_body(struct request_ctx *ctx, const char *data, size_t size)
{
	if (ctx->too_large)
		return true;
	if (ctx->len + size > (size_t)HTTP_BODY_MAX) {
		ctx->too_large = true;
		free(ctx->body);
		ctx->body = NULL;
		ctx->len = ctx->cap = 0;
		return true;
	}
	if (ctx->len + size + 1 > ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap : 1024;
		while (cap < ctx->len + size + 1)
			cap *= 2;
		char *p = realloc(ctx->body, cap);
		if (!p)
			return false;
		ctx->body = p;
		ctx->cap = cap;
	}
	memcpy(ctx->body + ctx->len, data, size);
	ctx->len += size;
	ctx->body[ctx->len] = '\0';
	return true;
}

struct framing {
	unsigned content_lengths;
	bool lengths_differ, transfer_encoding;
	const char *first_length;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;
	(void)kind;
	/* every header of every request passes here: the first letter rules most out cheaply */
	if ((key[0] | 0x20) != 'c' && (key[0] | 0x20) != 't')
		return MHD_YES;
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		if (f->content_lengths++ && strcmp(f->first_length, value ? value : "") != 0)
			f->lengths_differ = true;
		else if (f->content_lengths == 1)
			f->first_length = value ? value : "";
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->transfer_encoding = true;
	}
	return MHD_YES;
}

/* A request whose length two headers disagree on is read differently by different parsers
 * (request smuggling); refuse it rather than pick one (RFC 9112 6.3). */
static const char *conflicting_framing(struct MHD_Connection *conn)
{
	struct framing f = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
	if (f.lengths_differ)
		return "conflicting Content-Length headers";
	if (f.content_lengths && f.transfer_encoding)
		return "both Content-Length and Transfer-Encoding";
	return NULL;
}

static struct MHD_Response *constant_answer_of(const struct http_server *srv, const char *url)
{
	for (size_t i = 0; i < srv->constant_count; i++)
		if (!strcmp(srv->constant[i].path, url))
			return srv->constant[i].response;
	return NULL;
}

static void constant_answers_free(struct http_server *srv)
{
	for (size_t i = 0; i < srv->constant_count; i++)
		MHD_destroy_response(srv->constant[i].response);
	srv->constant_count = 0;
}

/* Each constant route's answer, asked of its handler once at start. */
static int constant_answers_build(struct http_server *srv, sr_error *err)
{
	for (size_t i = 0; i < dispatch_route_count(); i++) {
		struct http_response resp = {0};
		struct MHD_Response *r;
		if (!dispatch_route_constant(i))
			continue;
		if (srv->constant_count == HTTP_CONSTANT_MAX)
			return sr_error_set(err, EINVAL, "more than %d constant routes", HTTP_CONSTANT_MAX);
		dispatch_request(srv->d, dispatch_route_path(i), "", 0, &resp);
		r = resp.status == 200 && resp.body ? MHD_create_response_from_buffer(strlen(resp.body), resp.body,
										     MHD_RESPMEM_MUST_COPY)
						    : NULL;
		free(resp.body);
		if (!r || MHD_add_response_header(r, "Content-Type", content_type) != MHD_YES) {
			if (r)
				MHD_destroy_response(r);
			return sr_error_set(err, ENOMEM, "prepare the answer of %s", dispatch_route_path(i));
		}
		srv->constant[srv->constant_count].path = dispatch_route_path(i);
		srv->constant[srv->constant_count++].response = r;
	}
	return 0;
}

static struct conn_state *conn_state_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

/* The answer's log lines: at debug level every call with its handler's time (make bench-guest
 * runs the plugin at debug level to see where a burst's time goes), and every failure. */
static void log_answer(struct daemon *d, const char *path, const struct http_response *resp, double ms)
{
	if (ms >= 0)
		sr_log_msg(&d->log, SR_LOG_DEBUG, "%s -> %u in %.1f ms", path, resp->status, ms);
	if (resp->status != 200 && resp->body)
		sr_log_msg(&d->log, resp->status == 404 ? SR_LOG_WARN : SR_LOG_ERROR, "%s -> %u %s", path,
			   resp->status, resp->body);
}

static double elapsed_ms(const struct timespec *from)
{
	struct timespec to;
	clock_gettime(CLOCK_MONOTONIC, &to);
	return (double)(to.tv_sec - from->tv_sec) * 1e3 + (double)(to.tv_nsec - from->tv_nsec) / 1e6;
}

/* On a pool thread: the handler, then the published view (a change may have added or removed
 * endpoints), then the connection back to the loop, which sends the answer. After
 * MHD_resume_connection the loop may free ctx at once: nothing of it is touched after. */
static void run_request(struct work_item *job)
{
	struct request_ctx *ctx = (struct request_ctx *)job;
	struct http_server *srv = ctx->srv;
	struct daemon *d = srv->d;
	/* timed only when it is logged */
	bool timed = d->log.level >= SR_LOG_DEBUG;
	struct timespec started = {0};
	if (timed)
		clock_gettime(CLOCK_MONOTONIC, &started);
	dispatch_request(d, ctx->path, ctx->body ? ctx->body : "", ctx->len, &ctx->resp);
	if (ctx->lane == LANE_CHANGE)
		ep_view_publish(d);
	log_answer(d, ctx->path, &ctx->resp, timed ? elapsed_ms(&started) : -1);
	MHD_resume_connection(ctx->conn);
	atomic_fetch_sub(&srv->jobs, 1);
}

/* Suspends the connection and hands its request to a pool; its answer is sent when the worker
 * resumes it (on_request is called again). During a stop, nothing new is handed off. */
static enum MHD_Result hand_off(struct http_server *srv, struct MHD_Connection *conn, struct request_ctx *ctx,
				const char *url)
{
	struct work_pool *pool = ctx->lane == LANE_READ ? srv->readers : srv->workers;
	atomic_fetch_add(&srv->jobs, 1);
	/* after the count: http_server_stop sets stopping, then waits for the count to reach 0 */
	if (atomic_load(&srv->stopping)) {
		atomic_fetch_sub(&srv->jobs, 1);
		sr_log_msg(&srv->d->log, SR_LOG_WARN, "%s: refused: the plugin is stopping", url);
		return send_answer(conn, 503, spec_encode_error("the plugin is stopping"));
	}
	snprintf(ctx->path, sizeof(ctx->path), "%s", url);
	ctx->conn = conn;
	ctx->handed_off = true;
	http_guard_dispatching(srv->guard, ctx->guard_conn, true);
	MHD_suspend_connection(conn);
	if (work_pool_submit(pool, &ctx->job, run_request) < 0) {
		ctx->resp.status = 503;
		ctx->resp.body = spec_encode_error("no thread to handle the request (out of memory or threads)");
		log_answer(srv->d, url, &ctx->resp, -1);
		MHD_resume_connection(conn);
		atomic_fetch_sub(&srv->jobs, 1);
	}
	return MHD_YES;
}

/* The connection was resumed by its worker: send the answer it left. */
static enum MHD_Result answer_handed_off(struct http_server *srv, struct MHD_Connection *conn,
					 struct request_ctx *ctx)
{
	char *body = ctx->resp.body;
	ctx->resp.body = NULL;
	ctx->handed_off = false;
	http_guard_dispatching(srv->guard, ctx->guard_conn, false);
	if (!body)
		return MHD_NO;
	return send_answer(conn, ctx->resp.status, body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct request_ctx *ctx = *con_cls;
	(void)version;
	if (!ctx) {
		const char *bad_framing = conflicting_framing(conn);
		struct conn_state *cs = conn_state_of(conn);
		if (!cs)
			return MHD_NO; /* no memory for it when it opened */
		http_guard_headers_done(srv->guard, cs->guard);
		if (bad_framing) {
			sr_log_msg(&srv->d->log, SR_LOG_WARN, "%s: refused: %s", url, bad_framing);
			return send_answer(conn, 400, spec_encode_error(bad_framing));
		}
		ctx = &cs->req;
		ctx->srv = srv;
		ctx->guard_conn = cs->guard;
		ctx->len = 0;
		ctx->too_large = false;
		ctx->handed_off = false;
		ctx->resp = (struct http_response){0};
		*con_cls = ctx;
		return MHD_YES;
	}
	if (ctx->handed_off)
		return answer_handed_off(srv, conn, ctx);
	if (*upload_data_size) {
		if (!append_body(ctx, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ctx->too_large) {
		sr_log_msg(&srv->d->log, SR_LOG_WARN, "%s: request body over %d bytes refused", url, HTTP_BODY_MAX);
		return send_answer(conn, 413, spec_encode_error("request body larger than 1 MiB"));
	}
	if (strcmp(method, "POST") != 0) {
		return send_answer(conn, 405, spec_encode_error("only POST is supported"));
	}
	sr_log_msg(&srv->d->log, SR_LOG_DEBUG, "%s %s (%zu bytes)", method, url, ctx->len);
	struct MHD_Response *fixed = constant_answer_of(srv, url);
	if (fixed) {
		dispatch_constant_answered(srv->d, url);
		return MHD_queue_response(conn, 200, fixed);
	}
	ctx->lane = dispatch_lane_of(url);
	if (ctx->lane != LANE_LOOP)
		return hand_off(srv, conn, ctx, url);
	dispatch_request(srv->d, url, ctx->body ? ctx->body : "", ctx->len, &ctx->resp);
	log_answer(srv->d, url, &ctx->resp, -1);
	if (!ctx->resp.body)
		return MHD_NO;
	char *body = ctx->resp.body;
	ctx->resp.body = NULL;
	return send_answer(conn, ctx->resp.status, body);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct request_ctx *ctx = *con_cls;
	struct conn_state *cs = conn_state_of(conn);
	(void)toe;
	http_guard_request_done(srv->guard, cs ? cs->guard : NULL);
	if (!ctx)
		return;
	free(ctx->resp.body);
	ctx->resp.body = NULL;
	if (ctx->cap > HTTP_BODY_KEEP) {
		free(ctx->body);
		ctx->body = NULL;
		ctx->cap = 0;
	}
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	struct conn_state *cs = *socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		cs = calloc(1, sizeof(*cs));
		if (cs)
			cs->guard = info ? http_guard_opened(srv->guard, info->connect_fd) : NULL;
		*socket_context = cs;
	} else if (cs) {
		http_guard_closed(srv->guard, cs->guard);
		free(cs->req.body);
		free(cs->req.resp.body);
		free(cs);
		*socket_context = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *srv = cls;
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	sr_log_msg(&srv->d->log, SR_LOG_DEBUG, "http: %s", text);
}

/* The hard connection limit and soft cap that fit the open-file limit (fd_limit.h). */
static void connection_limits(struct http_guard_limits *lim, unsigned long files)
{
	unsigned long fit = files > HTTP_FD_RESERVE + HTTP_CONNECTION_MIN ? files - HTTP_FD_RESERVE : HTTP_CONNECTION_MIN;
	lim->max_connections = fit < HTTP_CONNECTION_LIMIT ? (unsigned)fit : HTTP_CONNECTION_LIMIT;
	lim->soft_cap = lim->max_connections == HTTP_CONNECTION_LIMIT ? HTTP_CONNECTION_SOFT_CAP
								      : lim->max_connections / 2;
}

static void server_free(struct http_server *srv)
{
	work_pool_destroy(srv->workers);
	work_pool_destroy(srv->readers);
	http_guard_destroy(srv->guard);
	constant_answers_free(srv);
	free(srv);
}

int http_server_start(struct daemon *d, int listen_fd, struct http_server **out, sr_error *err)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return sr_error_set_errno(err, ENOMEM, "start HTTP server");
	struct http_guard_limits limits = {
		.header_limit_s = HTTP_HEADER_LIMIT_S,
		.idle_limit_s = HTTP_CONNECTION_TIMEOUT_S,
		.body_limit_s = HTTP_BODY_LIMIT_S,
		.answered_grace_ms = HTTP_ANSWERED_GRACE_MS,
		.tick_ms = HTTP_GUARD_TICK_MS,
	};
	const struct work_pool_limits workers = {
		.resident = HTTP_WORKERS_RESIDENT, .max = HTTP_WORKERS_MAX, .idle_ms = HTTP_WORKER_IDLE_MS,
		.stack = HTTP_THREAD_STACK};
	const struct work_pool_limits readers = {
		.resident = 0, .max = HTTP_READERS_MAX, .idle_ms = HTTP_WORKER_IDLE_MS, .stack = HTTP_THREAD_STACK};
	unsigned long files = fd_limit_now();
	connection_limits(&limits, files);
	srv->d = d;
	atomic_init(&srv->jobs, 0);
	atomic_init(&srv->stopping, false);
	if (constant_answers_build(srv, err) < 0 || http_guard_create(&limits, &srv->guard, err) < 0 ||
	    work_pool_create(&workers, &srv->workers, err) < 0 || work_pool_create(&readers, &srv->readers, err) < 0) {
		server_free(srv);
		return -1;
	}
	/* what EndpointOperInfo answers from, until the first change publishes it again */
	if (ep_view_publish(d) < 0) {
		server_free(srv);
		return sr_error_set_errno(err, ENOMEM, "start HTTP server: endpoint view");
	}
	srv->mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0,
				    NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
				    MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned)HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
				    limits.max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				    (size_t)HTTP_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
	if (!srv->mhd) {
		server_free(srv);
		return sr_error_set(err, EIO, "start HTTP server on the plugin socket: libmicrohttpd refused");
	}
	sr_log_msg(&d->log, limits.max_connections < HTTP_CONNECTION_LIMIT ? SR_LOG_WARN : SR_LOG_DEBUG,
		   "connections: up to %u (idle ones closed above %u) within %lu open files", limits.max_connections,
		   limits.soft_cap, files);
	*out = srv;
	return 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Every request handed to a pool is answered before libmicrohttpd stops (it cannot stop with a
 * connection suspended): new ones are refused first, then those in flight are waited for, as
 * long as they take (their waits end on the stop signal), saying so after HTTP_DRAIN_WAIT_MS. */
void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	atomic_store(&srv->stopping, true);
	MHD_quiesce_daemon(srv->mhd);
	for (int waited = 0; atomic_load(&srv->jobs) > 0; waited += 20) {
		if (waited == HTTP_DRAIN_WAIT_MS)
			sr_log_msg(&srv->d->log, SR_LOG_WARN, "stopping: still waiting for %d requests in flight",
				   atomic_load(&srv->jobs));
		pause_ms(20);
	}
	/* let the answers of the requests just finished reach their clients */
	for (int waited = 0; waited < HTTP_FLUSH_WAIT_MS && http_guard_answers_pending(srv->guard) > 0; waited += 10)
		pause_ms(10);
	MHD_stop_daemon(srv->mhd);
	server_free(srv);
}
