/* dispatch: the table from request path ("/NetworkDriver.Join") to handler.
 * Handlers run in parallel and take the daemon's locks themselves (daemon.h);
 * any failure becomes a non-200 status with {"Err": "..."}; an unknown path
 * answers 404. */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stddef.h>

#include "daemon.h"
#include "http_response.h"

typedef void (*handler_fn)(struct daemon *d, const char *body, size_t len, struct http_response *resp);

void dispatch_request(struct daemon *d, const char *path, const char *body, size_t len, struct http_response *resp);

/* The routes, for the fuzz target and tests. */
size_t dispatch_route_count(void);
const char *dispatch_route_path(size_t i);

/* Helpers for handlers. */
void respond_json(struct http_response *resp, char *body); /* 200; NULL body -> 500 out of memory */
void respond_error(struct http_response *resp, unsigned status, const char *message);
void respond_empty(struct http_response *resp);

#endif
