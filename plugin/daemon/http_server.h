/* http_server: libmicrohttpd serving the plugin protocol on an already-listening
 * Unix socket. POST bodies are collected up to HTTP_BODY_MAX (larger: 413 with
 * {"Err"}); headers are bounded by MHD's per-connection memory limit.
 *
 * One event loop (libmicrohttpd's epoll thread) reads every connection and answers
 * what waits for nothing (dispatch.h: the constant answers, EndpointOperInfo from the
 * published endpoint view); a request that may block is handed to a worker pool
 * (work_pool.h) with its connection suspended, Status to a reader thread, and each is
 * answered when its thread resumes the connection. So no answer from memory waits for
 * kernel work or the state lock, and threads follow requests in flight, not
 * connections. http_guard.h keeps any one client from taking every connection. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include "../../common/sr_error.h"
#include "daemon.h"

#define HTTP_BODY_MAX (1024 * 1024)

struct http_server;

int http_server_start(struct daemon *d, int listen_fd, struct http_server **out, sr_error *err);
/* Stops accepting, refuses new requests on open connections (503), answers every request
 * in flight (waiting as long as they take, saying so after 15 s), then stops. */
void http_server_stop(struct http_server *srv);

#endif
