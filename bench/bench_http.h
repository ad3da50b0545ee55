/* bench_http: the plugin's HTTP as a bench client speaks it, on a Unix socket: one POST on a
 * kept-alive connection (dockerd's way), and one GET of a page of any size. Header-only, like
 * bench_util.h. */
#ifndef BENCH_HTTP_H
#define BENCH_HTTP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static inline int dial(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a kept-alive connection; the HTTP status, or -1. The answer's body (at most
 * body_size - 1 bytes, NUL-terminated) in body when not NULL. Room for a Status answer. */
static inline int roundtrip_body(int fd, const char *method, const char *req_body, char *body, size_t body_size)
{
	static _Thread_local char buf[1 << 17];
	char req[2048];
	size_t got = 0;
	int n = snprintf(req, sizeof(req),
			 "POST /%s HTTP/1.1\r\nHost: plugin.moby.localhost\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 method, strlen(req_body), req_body);
	if (n < 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
		char *end, *cl;
		if (r <= 0)
			return -1;
		got += (size_t)r;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
		cl = strcasestr(buf, "Content-Length:");
		if (end && cl && got >= (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10)) {
			if (body && body_size)
				snprintf(body, body_size, "%s", end + 4);
			return atoi(buf + 9);
		}
		if (got == sizeof(buf) - 1)
			return -1;
	}
}

static inline int roundtrip(int fd, const char *method, const char *req_body)
{
	return roundtrip_body(fd, method, req_body, NULL, 0);
}

/* GET path on a new connection; the HTTP status (-1 on failure), *len the body's size. */
static inline int http_get(const char *sock, const char *path, size_t *len)
{
	char req[512];
	size_t got = 0, cap = 1 << 20;
	char *buf = malloc(cap);
	int fd = dial(sock), status = -1;
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
	*len = 0;
	if (!buf || fd < 0 || write(fd, req, (size_t)n) != n)
		goto out;
	for (;;) {
		ssize_t r;
		if (got + 65536 > cap) {
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				goto out;
			buf = grown;
			cap *= 2;
		}
		r = read(fd, buf + got, cap - got - 1);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	if (got > 12 && !strncmp(buf, "HTTP/1.", 7)) {
		char *end = strstr(buf, "\r\n\r\n");
		status = atoi(buf + 9);
		*len = end ? got - (size_t)(end + 4 - buf) : 0;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return status;
}

#endif
