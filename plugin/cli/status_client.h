/* status_client: one HTTP/1.1 POST to the daemon over its Unix socket, for the
 * operator's commands. Plain POSIX sockets (libmicrohttpd is server-only); the
 * request line is built by hand, the response is read to EOF (Connection: close)
 * and split into status and body; chunked bodies are decoded. The caller parses
 * the JSON body. */
#ifndef STATUS_CLIENT_H
#define STATUS_CLIENT_H

#include "../../common/sr_error.h"

#define STATUS_CLIENT_TIMEOUT_S 30
#define STATUS_CLIENT_MAX_RESPONSE (16u << 20)

/* err->code is ECONNREFUSED or ENOENT when nothing listens on socket_path.
 * On success *body is malloc'd and NUL-terminated. */
int status_client_post(const char *socket_path, const char *path, const char *request_body, unsigned *http_status,
		       char **body, sr_error *err);

/* Splits a raw HTTP/1.1 response in place (exposed for tests): *body points into raw. */
int status_client_parse_response(char *raw, size_t len, unsigned *http_status, char **body, sr_error *err);

#endif
