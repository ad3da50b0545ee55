#include "http_server.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"

#define HTTP_THREADS 4
#define HTTP_CONNECTION_TIMEOUT_S 30
#define HTTP_CONNECTION_LIMIT 128
#define HTTP_DRAIN_WAIT_MS 15000

struct http_server {
	struct MHD_Daemon *mhd;
	struct daemon *d;
	atomic_int in_flight;
};

struct request_ctx {
	char *body;
	size_t len, cap;
	bool too_large;
};

static enum MHD_Result send_answer(struct MHD_Connection *conn, unsigned status, char *body)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/vnd.docker.plugins.v1.2+json");
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct request_ctx *ctx = *con_cls;
	struct http_response resp = {0};
	(void)version;
	if (!ctx) {
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
	atomic_fetch_add(&srv->in_flight, 1);
	dispatch_request(srv->d, url, ctx->body ? ctx->body : "", ctx->len, &resp);
	atomic_fetch_sub(&srv->in_flight, 1);
	if (!resp.body)
		return MHD_NO;
	if (resp.status != 200)
		sr_log_msg(&srv->d->log, resp.status == 404 ? SR_LOG_WARN : SR_LOG_ERROR, "%s -> %u %s", url,
			   resp.status, resp.body);
	return send_answer(conn, resp.status, resp.body);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request_ctx *ctx = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (!ctx)
		return;
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
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
	srv->d = d;
	atomic_init(&srv->in_flight, 0);
	srv->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
					    MHD_USE_ERROR_LOG,
				    0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
				    MHD_OPTION_LISTEN_SOCKET, listen_fd,
				    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS, MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned)HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
				    (unsigned)HTTP_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				    (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				    MHD_OPTION_END);
	if (!srv->mhd) {
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
	free(srv);
}
