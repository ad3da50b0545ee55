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

/* Where the HTTP layer (http_server.h) runs a route:
 *   LANE_CONSTANT its answer depends on neither the body nor any state: built once, sent again;
 *   LANE_LOOP     answered in the event loop: takes no lock a request holds for long (only the
 *                 published views, ep_view.h) and no kernel call that can wait;
 *   LANE_READ     changes nothing but reads the kernel (Status): on a reader thread of its own;
 *   LANE_CHANGE   may change the state, call the kernel, save, or wait for another request's
 *                 operation: on the worker pool. */
enum dispatch_lane { LANE_CONSTANT, LANE_LOOP, LANE_READ, LANE_CHANGE };
/* An unknown path: LANE_LOOP (its 404 needs nothing). */
enum dispatch_lane dispatch_lane_of(const char *path);
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
