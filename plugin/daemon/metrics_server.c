#include "metrics_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_page.h"
#include "unix_socket.h"

#define METRICS_CONNECTION_LIMIT 16
#define METRICS_TIMEOUT_S 10
#define METRICS_NICE 10

struct metrics_server {
	struct MHD_Daemon *mhd;
	struct daemon *d;
	int fd;
	bool niced; /* its one thread runs at a lower priority (first request) */
	char unix_path[108]; /* removed at stop; "" for TCP */
};

struct parsed_addr {
	bool is_unix;
	char host[256], port[16], path[108];
};

static int parse_addr(const char *addr, struct parsed_addr *out, sr_error *err)
{
	const char *colon;
	memset(out, 0, sizeof(*out));
	if (!addr || !addr[0])
		return sr_error_set_kind(err, SR_INVALID, EINVAL, "--metrics-addr: empty");
	if (!strncmp(addr, "unix:", 5)) {
		if (addr[5] != '/' || strlen(addr + 5) >= sizeof(out->path))
			return sr_error_set_kind(err, SR_INVALID, EINVAL,
						 "--metrics-addr %s: unix: needs an absolute path shorter than %zu bytes", addr,
						 sizeof(out->path));
		out->is_unix = true;
		snprintf(out->path, sizeof(out->path), "%s", addr + 5);
		return 0;
	}
	if (addr[0] == '[') { /* [v6]:port */
		const char *end = strchr(addr, ']');
		if (!end || end[1] != ':' || (size_t)(end - addr - 1) >= sizeof(out->host))
			return sr_error_set_kind(err, SR_INVALID, EINVAL, "--metrics-addr %s: expected [IPv6]:PORT", addr);
		memcpy(out->host, addr + 1, (size_t)(end - addr - 1));
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || (size_t)(colon - addr) >= sizeof(out->host) || memchr(addr, ':', (size_t)(colon - addr)))
			return sr_error_set_kind(err, SR_INVALID, EINVAL,
						 "--metrics-addr %s: expected HOST:PORT, :PORT or unix:PATH", addr);
		memcpy(out->host, addr, (size_t)(colon - addr));
	}
	if (!out->host[0])
		snprintf(out->host, sizeof(out->host), "127.0.0.1"); /* :PORT: this host only */
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 1 || port > 65535)
		return sr_error_set_kind(err, SR_INVALID, EINVAL, "--metrics-addr %s: port must be 1-65535", addr);
	snprintf(out->port, sizeof(out->port), "%ld", port);
	return 0;
}

int metrics_addr_check(const char *addr, sr_error *err)
{
	struct parsed_addr a;
	return parse_addr(addr, &a, err);
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

static int listen_tcp(struct daemon *d, const struct parsed_addr *a, int *fd_out, sr_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
	int rc = getaddrinfo(a->host, a->port, &hints, &res), fd, on = 1;
	if (rc != 0)
		return sr_error_set_kind(err, SR_INVALID, EINVAL, "--metrics-addr %s:%s: %s", a->host, a->port,
					 gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return sr_error_set_errno(err, errno, "metrics socket");
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		int e = errno;
		close(fd);
		freeaddrinfo(res);
		return sr_error_set_errno(err, e, "listen on --metrics-addr %s:%s", a->host, a->port);
	}
	if (!is_loopback(res->ai_addr))
		sr_log_msg(&d->log, SR_LOG_WARN,
			   "metrics on %s:%s, which is not a loopback address: every host that reaches it can read "
			   "the network, endpoint and VF names",
			   a->host, a->port);
	freeaddrinfo(res);
	*fd_out = fd;
	return 0;
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type, char *body, size_t len,
			      enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	if (status == 405)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "read-only: GET /metrics\n";
	struct metrics_server *s = cls;
	sr_error err = {0};
	size_t len = 0;
	char *page;
	(void)version;
	(void)upload_data;
	if (!*con_cls) { /* headers only so far: wait for the (empty) body */
		*con_cls = s;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a body is ignored: nothing is ever written through here */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(conn, 405, "text/plain", not_allowed, sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return answer(conn, 404, "text/plain", not_found, sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	if (!s->niced) {
		/* A scrape is background work: on a busy host the plugin's API (dockerd waiting on a
		 * GetCapabilities or a CreateEndpoint) goes first. Niceness is per thread on Linux. */
		if (setpriority(PRIO_PROCESS, (id_t)gettid(), METRICS_NICE) < 0)
			sr_log_msg(&s->d->log, SR_LOG_DEBUG, "metrics thread keeps its priority: %s", strerror(errno));
		s->niced = true;
	}
	page = metrics_page_build(s->d, &len, &err);
	if (!page) {
		char msg[SR_ERROR_MSG_MAX + 2];
		sr_log_msg(&s->d->log, SR_LOG_ERROR, "/metrics: %s", err.msg);
		snprintf(msg, sizeof(msg), "%s\n", err.msg);
		return answer(conn, 500, "text/plain", msg, strlen(msg), MHD_RESPMEM_MUST_COPY);
	}
	return answer(conn, 200, METRICS_CONTENT_TYPE, page, len, MHD_RESPMEM_MUST_FREE);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics_server *s = cls;
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	text[strcspn(text, "\n")] = '\0';
	sr_log_msg(&s->d->log, SR_LOG_DEBUG, "metrics http: %s", text);
}

int metrics_server_start(struct daemon *d, const char *addr, struct metrics_server **out, sr_error *err)
{
	struct parsed_addr a;
	struct metrics_server *s;
	if (parse_addr(addr, &a, err) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return sr_error_set_errno(err, ENOMEM, "metrics server");
	s->d = d;
	s->fd = -1;
	if (a.is_unix) {
		if (unix_socket_listen(a.path, d->cfg.socket_group, &s->fd, err) < 0) {
			free(s);
			return sr_error_wrap(err, "--metrics-addr unix:%s", a.path);
		}
		snprintf(s->unix_path, sizeof(s->unix_path), "%s", a.path);
	} else if (listen_tcp(d, &a, &s->fd, err) < 0) {
		free(s);
		return -1;
	}
	/* one thread of its own: scrapes are served one at a time, beside the plugin's API */
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
				  NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned)METRICS_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)METRICS_TIMEOUT_S, MHD_OPTION_END);
	if (!s->mhd) {
		close(s->fd);
		if (s->unix_path[0])
			unlink(s->unix_path);
		free(s);
		return sr_error_set(err, EIO, "start the metrics server on %s: libmicrohttpd refused", addr);
	}
	sr_log_msg(&d->log, SR_LOG_INFO, "metrics on %s%s%s/metrics", a.is_unix ? "unix:" : "http://",
		   a.is_unix ? a.path : addr[0] == ':' ? "127.0.0.1" : "", a.is_unix ? "" : addr);
	*out = s;
	return 0;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_quiesce_daemon(s->mhd); /* the listening socket stays ours to close */
	MHD_stop_daemon(s->mhd);
	close(s->fd);
	if (s->unix_path[0])
		unlink(s->unix_path);
	free(s);
}
