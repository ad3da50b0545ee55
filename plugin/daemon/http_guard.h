/* http_guard: keeps any one client from monopolising the plugin's connections.
 *
 * libmicrohttpd's own limits count per connection and reset its idle timer on every
 * byte, so a thousand idle connections, or a few hundred sending one header byte every
 * few seconds, would fill the pool and lock dockerd out. The guard bounds each
 * connection's TOTAL time: the headers of a request must be complete within
 * header_limit_s of the connection opening, or idle_limit_s of its previous answer (a
 * kept-alive connection waits for the next request: longer than dockerd keeps an idle one,
 * so that dockerd always closes first), the body within body_limit_s of the headers, and the
 * answer within body_limit_s of its handler's end (a handler may take longer). When more than
 * soft_cap connections are open, a new one evicts the oldest idle connection, so a new client
 * (dockerd) is always served; when the hard limit keeps new ones waiting in the listen backlog,
 * the next tick does. Idle means: no request under way (none being read, handled, or with its
 * answer queued), nothing unread in its socket (a request that arrived in a burst and is not
 * read yet), and not answered within answered_grace_ms (a kept-alive client between two calls).
 * A connection whose handler runs, or whose answer is on its way, is never evicted.
 * Closing is shutdown(2) on the connection's socket: libmicrohttpd then sees EOF and
 * closes it in its own thread, and the guard forgets it when told it closed. */
#ifndef HTTP_GUARD_H
#define HTTP_GUARD_H

#include <stdbool.h>

#include "../../common/sr_error.h"

struct http_guard_limits {
	unsigned max_connections; /* slots; also libmicrohttpd's hard limit */
	unsigned soft_cap;        /* above this, a new connection evicts the oldest idle one */
	unsigned header_limit_s;  /* opened -> request headers complete */
	unsigned idle_limit_s;    /* answered -> next request's headers complete */
	unsigned body_limit_s;    /* headers complete -> body complete; handler done -> answered */
	unsigned answered_grace_ms; /* answered this recently: not idle yet */
	unsigned tick_ms;         /* how often the limits are checked */
};

struct http_guard;
struct http_guard_conn;

int http_guard_create(const struct http_guard_limits *limits, struct http_guard **out, sr_error *err);
void http_guard_destroy(struct http_guard *g);

/* A connection opened on socket fd; returns its record (NULL when it was refused:
 * every slot taken by connections being handled). */
struct http_guard_conn *http_guard_opened(struct http_guard *g, int fd);
void http_guard_closed(struct http_guard *g, struct http_guard_conn *c);
/* Its request's headers are complete / its handler runs / its answer is queued. */
void http_guard_headers_done(struct http_guard *g, struct http_guard_conn *c);
void http_guard_dispatching(struct http_guard *g, struct http_guard_conn *c, bool running);
void http_guard_request_done(struct http_guard *g, struct http_guard_conn *c);
/* Connections with a request under way or its answer not sent yet (a stop waits for them). */
unsigned http_guard_answers_pending(struct http_guard *g);
/* Connections closed by the guard so far (for logs and tests). */
unsigned long http_guard_evictions(struct http_guard *g);

#endif
