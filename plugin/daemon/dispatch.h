/* dispatch: the table from request path ("/NetworkDriver.Join") to handler.
 * Handlers run in parallel and take the daemon's locks themselves (daemon.h).
 * A handler answers through resp and returns 0, or returns -1 with err set: the
 * error's kind (sr_error.h) picks the one HTTP status, here and nowhere else, and
 * its message becomes {"Err": "..."}. An unknown path answers 404. */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"
#include "http_response.h"

typedef int (*handler_fn)(struct daemon *d, const char *body, size_t len, struct http_response *resp,
			  sr_error *err);

void dispatch_request(struct daemon *d, const char *path, const char *body, size_t len, struct http_response *resp);

/* The HTTP layer answered a constant route (dispatch_route_constant) itself, from the answer
 * built once: counted as an API call like the others (its handler time is 0: none runs). */
void dispatch_constant_answered(struct daemon *d, const char *path);

/* The routes, for the fuzz target and tests. */
size_t dispatch_route_count(void);
const char *dispatch_route_path(size_t i);
/* Its answer depends on neither the request's body nor any state (Activate, the capabilities,
 * the default address spaces): the HTTP layer may build it once and send it again. */
bool dispatch_route_constant(size_t i);

/* The HTTP status of an error of this kind (400, 404, 409 or 500). */
unsigned dispatch_status_of(const sr_error *err);

/* Helpers for handlers. */
void respond_json(struct http_response *resp, char *body); /* 200; NULL body -> 500 out of memory */
void respond_empty(struct http_response *resp);

#endif
