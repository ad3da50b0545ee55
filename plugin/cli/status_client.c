#include "status_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_unix(const char *socket_path, int *fd_out, sr_error *err)
{
	struct sockaddr_un addr;
	struct timeval tv = {STATUS_CLIENT_TIMEOUT_S, 0};
	int fd;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return sr_error_set(err, ENAMETOOLONG, "socket path %s is too long", socket_path);
	memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "socket");
	/* A hung daemon must not hang the operator's terminal. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		int e = errno;
		close(fd);
		return sr_error_set_errno(err, e, "set timeouts on socket");
	}
	if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		close(fd);
		return sr_error_set_errno(err, e, "connect to %s", socket_path);
	}
	*fd_out = fd;
	return 0;
}

static int send_all(int fd, const char *data, size_t len, sr_error *err)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sr_error_set_errno(err, errno, "send request");
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, char **out, size_t *out_len, sr_error *err)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	if (!buf)
		return sr_error_set_errno(err, ENOMEM, "read response");
	for (;;) {
		ssize_t n;
		if (len + 1 >= cap) {
			char *bigger;
			if (cap >= STATUS_CLIENT_MAX_RESPONSE) {
				free(buf);
				return sr_error_set(err, EFBIG, "response larger than %u bytes", STATUS_CLIENT_MAX_RESPONSE);
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return sr_error_set_errno(err, ENOMEM, "read response");
			}
			buf = bigger;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			if (e == EAGAIN || e == EWOULDBLOCK)
				return sr_error_set(err, ETIMEDOUT, "no answer within %d s", STATUS_CLIENT_TIMEOUT_S);
			return sr_error_set_errno(err, e, "read response");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* Decodes a chunked body in place; returns its length or -1. */
static long dechunk(char *body)
{
	char *in = body, *out = body;
	for (;;) {
		char *end;
		const char *in_start = in + strspn(in, " \t");
		size_t avail;
		unsigned long size = strtoul(in, &end, 16);
		if (end == in)
			return -1;
		in = strstr(end, "\r\n");
		if (!in)
			return -1;
		in += 2;
		if (size == 0)
			break;
		/* size comes from the peer: compare without adding to it (size + 2 wraps) */
		avail = strlen(in);
		if (*in_start == '-' || size > avail || avail - size < 2)
			return -1;
		memmove(out, in, size);
		out += size;
		in += size + 2;
	}
	*out = '\0';
	return out - body;
}

int status_client_parse_response(char *raw, size_t len, unsigned *http_status, char **body, sr_error *err)
{
	char *headers_end, *line_end, *p;
	unsigned status;
	bool chunked = false;
	if (len < 12 || strncmp(raw, "HTTP/1.", 7) != 0 || sscanf(raw + 8, " %3u", &status) != 1)
		return sr_error_set(err, EPROTO, "not an HTTP response");
	headers_end = strstr(raw, "\r\n\r\n");
	if (!headers_end)
		return sr_error_set(err, EPROTO, "HTTP response without end of headers");
	*headers_end = '\0';
	for (p = strstr(raw, "\r\n"); p && p < headers_end; p = line_end) {
		p += 2;
		line_end = strstr(p, "\r\n");
		if (!strncasecmp(p, "Transfer-Encoding:", 18) && strstr(p + 18, "chunked"))
			chunked = true;
	}
	*body = headers_end + 4;
	if (chunked && dechunk(*body) < 0)
		return sr_error_set(err, EPROTO, "bad chunked HTTP body");
	*http_status = status;
	return 0;
}

int status_client_post(const char *socket_path, const char *path, const char *request_body, unsigned *http_status,
		       char **body, sr_error *err)
{
	char request[512];
	char *raw = NULL, *start = NULL;
	size_t raw_len = 0;
	int fd = -1, rc = -1, n;
	n = snprintf(request, sizeof(request),
		     "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		     "Accept: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     path, strlen(request_body));
	if (n < 0 || (size_t)n >= sizeof(request))
		return sr_error_set(err, ENAMETOOLONG, "request path %s too long", path);
	if (connect_unix(socket_path, &fd, err) < 0)
		return -1;
	if (send_all(fd, request, (size_t)n, err) < 0 || send_all(fd, request_body, strlen(request_body), err) < 0 ||
	    read_all(fd, &raw, &raw_len, err) < 0)
		goto out;
	if (status_client_parse_response(raw, raw_len, http_status, &start, err) < 0)
		goto out;
	if (!start) {
		sr_error_set(err, EPROTO, "response without a body");
		goto out;
	}
	*body = strdup(start);
	if (!*body) {
		sr_error_set_errno(err, ENOMEM, "copy response body");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		sr_error_wrap(err, "POST %s on %s", path, socket_path);
	free(raw);
	close(fd);
	return rc;
}
