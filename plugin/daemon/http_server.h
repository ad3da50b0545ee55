/* http_server: libmicrohttpd serving the plugin protocol on an already-listening
 * Unix socket. POST bodies are collected up to HTTP_BODY_MAX (larger: 413 with
 * {"Err"}); headers are bounded by MHD's per-connection memory limit. A thread
 * pool with a connection timeout keeps a slow client from blocking the others. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include "../../common/sr_error.h"
#include "daemon.h"

#define HTTP_BODY_MAX (1024 * 1024)

struct http_server;

int http_server_start(struct daemon *d, int listen_fd, struct http_server **out, sr_error *err);
/* Stops accepting, waits (bounded) for in-flight requests to finish, then stops. */
void http_server_stop(struct http_server *srv);

#endif
