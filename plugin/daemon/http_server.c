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
#include "http_guard.h"

/* A thread per connection: a handler that waits on the kernel (a driver rebind, a netdev
 * appearing) holds only its own connection's thread, never another connection's request,
 * as a thread pool would for every connection that thread polls. Bounded by the connection
 * limit below; each thread needs little stack (handlers keep records, not buffers, on it).
 * It is also the fastest mode measured on 2 cores (make bench, GetCapabilities, same run):
 * 66-68% / 41-55% / 54-59% of the no-op floor at 1/16/64 connections, against 57-62% /
 * 38-55% / 33-45% for one epoll thread and 52-56% / 31-35% / 37-45% for a pool of two
 * (which would also need every slow handler moved off them). */
#define HTTP_THREAD_STACK (2 * 1024 * 1024)
/* Idle keep-alive connections are closed after this: longer than dockerd keeps one (30 s), so
 * that dockerd always closes first. Closing at the same moment as dockerd reuses one makes it
 * retry the POST with its body already consumed (an empty CreateEndpoint). The guard evicts the
 * oldest idle connection when too many are open, so a long idle time costs nothing. */
#define HTTP_CONNECTION_TIMEOUT_S 120
#define HTTP_DRAIN_WAIT_MS 15000
/* Connection policy (http_guard.h): a hard limit well under the default 1024 fds, a soft
 * cap above which the oldest idle connection makes room, and total (not per-byte) time
 * bounds: dockerd keeps an idle keep-alive connection 30 s, and sends a whole request at once. */
#define HTTP_CONNECTION_LIMIT 512
#define HTTP_CONNECTION_SOFT_CAP 256
#define HTTP_HEADER_LIMIT_S 30
#define HTTP_BODY_LIMIT_S 10
#define HTTP_GUARD_TICK_MS 250
/* libmicrohttpd clears a connection's whole memory pool before each kept-alive request, and
 * reads into half of it: 64 KiB cost more than the rest of a GetCapabilities. dockerd's
 * requests carry a few hundred bytes of headers (bodies go to our own buffer, in chunks), so
 * 16 KiB still takes an 8 KiB header block, the usual limit of HTTP servers; more: 431. */
#define HTTP_CONNECTION_MEMORY (16 * 1024)

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
	atomic_int in_flight;
	struct constant_answer constant[HTTP_CONSTANT_MAX];
	size_t constant_count;
};

struct request_ctx {
	char *body;
	size_t len, cap;
	bool too_large;
};

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

static struct http_guard_conn *guard_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct request_ctx *ctx = *con_cls;
	struct http_response resp = {0};
	(void)version;
	if (!ctx) {
		const char *bad_framing = conflicting_framing(conn);
		http_guard_headers_done(srv->guard, guard_conn_of(conn));
		if (bad_framing) {
			sr_log_msg(&srv->d->log, SR_LOG_WARN, "%s: refused: %s", url, bad_framing);
			return send_answer(conn, 400, spec_encode_error(bad_framing));
		}
		ctx = calloc(1, sizeof(*ctx));
		if (!ctx)
			return MHD_NO;
		*con_cls = ctx;
		return MHD_YES;
	}
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
	atomic_fetch_add(&srv->in_flight, 1);
	http_guard_dispatching(srv->guard, guard_conn_of(conn), true);
	/* timed only when it is logged: GetCapabilities is answered thousands of times a second */
	bool timed = srv->d->log.level >= SR_LOG_DEBUG;
	struct timespec started = {0}, ended = {0};
	if (timed)
		clock_gettime(CLOCK_MONOTONIC, &started);
	dispatch_request(srv->d, url, ctx->body ? ctx->body : "", ctx->len, &resp);
	if (timed)
		clock_gettime(CLOCK_MONOTONIC, &ended);
	http_guard_dispatching(srv->guard, guard_conn_of(conn), false);
	atomic_fetch_sub(&srv->in_flight, 1);
	if (!resp.body)
		return MHD_NO;
	/* where a burst's time goes (make bench-guest runs the plugin at debug level) */
	if (timed)
		sr_log_msg(&srv->d->log, SR_LOG_DEBUG, "%s -> %u in %.1f ms", url, resp.status,
			   (double)(ended.tv_sec - started.tv_sec) * 1e3 +
				   (double)(ended.tv_nsec - started.tv_nsec) / 1e6);
	if (resp.status != 200)
		sr_log_msg(&srv->d->log, resp.status == 404 ? SR_LOG_WARN : SR_LOG_ERROR, "%s -> %u %s", url,
			   resp.status, resp.body);
	return send_answer(conn, resp.status, resp.body);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct request_ctx *ctx = *con_cls;
	(void)toe;
	http_guard_request_done(srv->guard, guard_conn_of(conn));
	if (!ctx)
		return;
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = info ? http_guard_opened(srv->guard, info->connect_fd) : NULL;
	} else {
		http_guard_closed(srv->guard, *socket_context);
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

int http_server_start(struct daemon *d, int listen_fd, struct http_server **out, sr_error *err)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return sr_error_set_errno(err, ENOMEM, "start HTTP server");
	const struct http_guard_limits limits = {
		.max_connections = HTTP_CONNECTION_LIMIT,
		.soft_cap = HTTP_CONNECTION_SOFT_CAP,
		.header_limit_s = HTTP_HEADER_LIMIT_S,
		.idle_limit_s = HTTP_CONNECTION_TIMEOUT_S,
		.body_limit_s = HTTP_BODY_LIMIT_S,
		.tick_ms = HTTP_GUARD_TICK_MS,
	};
	srv->d = d;
	atomic_init(&srv->in_flight, 0);
	if (constant_answers_build(srv, err) < 0) {
		constant_answers_free(srv);
		free(srv);
		return -1;
	}
	if (http_guard_create(&limits, &srv->guard, err) < 0) {
		constant_answers_free(srv);
		free(srv);
		return -1;
	}
	/* poll(2), not select(2): connection fds may pass FD_SETSIZE; epoll is not available
	 * with a thread per connection */
	srv->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
					    MHD_USE_ITC | MHD_USE_ERROR_LOG,
				    0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
				    MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_THREAD_STACK_SIZE,
				    (size_t)HTTP_THREAD_STACK, MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned)HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
				    (unsigned)HTTP_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				    (size_t)HTTP_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
	if (!srv->mhd) {
		http_guard_destroy(srv->guard);
		constant_answers_free(srv);
		free(srv);
		return sr_error_set(err, EIO, "start HTTP server on the plugin socket: libmicrohttpd refused");
	}
	*out = srv;
	return 0;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_quiesce_daemon(srv->mhd);
	for (int waited = 0; waited < HTTP_DRAIN_WAIT_MS && atomic_load(&srv->in_flight) > 0; waited += 20) {
		struct timespec ts = {0, 20L * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	/* let the answers of the requests just finished reach their clients */
	struct timespec flush = {0, 200L * 1000 * 1000};
	nanosleep(&flush, NULL);
	MHD_stop_daemon(srv->mhd);
	http_guard_destroy(srv->guard);
	constant_answers_free(srv);
	free(srv);
}
