/* metrics: the daemon's own counters, owned by struct daemon (d->metrics). Every one is an
 * atomic, fed by the thread that did the work without any lock (never d->lock: a request's
 * count must not wait behind another request's state work), and read by the /metrics page
 * (metrics_page.c) at any time.
 *
 *   API calls: per route and outcome ("ok", or the error's kind), with a latency histogram
 *   per route (dispatch.c, the one place every answered call passes; the constant answers
 *   the HTTP layer sends itself are counted through metrics_api_constant);
 *   VF set-up and reset durations; errors by kind; sweeps and their duration; VF events
 *   (handed out, given back, reset, reclaimed, lost: events.c). */
#ifndef METRICS_H
#define METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/sr_error.h"
#include "metrics_hist.h"
#include "metrics_text.h"

#define METRICS_ROUTES_MAX 32
/* "ok" and each enum sr_kind */
#define METRICS_OUTCOMES 7
#define METRICS_OUTCOME_OK 0

enum metrics_event {
	METRICS_EV_HANDED_OUT,
	METRICS_EV_GIVEN_BACK,
	METRICS_EV_RESET,
	METRICS_EV_RECLAIMED,
	METRICS_EV_LOST,
	METRICS_EV_COUNT,
};

struct metrics {
	atomic_ullong calls[METRICS_ROUTES_MAX][METRICS_OUTCOMES];
	struct metrics_hist latency[METRICS_ROUTES_MAX];
	atomic_ullong unknown_calls; /* a path no route has (answered 404) */
	atomic_ullong errors[METRICS_OUTCOMES]; /* by kind: API answers and background work */
	struct metrics_hist vf_setup, vf_reset;
	atomic_ullong vf_setup_failed, vf_reset_failed;
	atomic_ullong sweeps;
	struct metrics_hist sweep;
	atomic_ullong events[METRICS_EV_COUNT];
	atomic_ullong scrapes;
	double started; /* wall clock (s) of the daemon's start */
};

void metrics_init(struct metrics *m);

/* The outcome index of an error's kind (1..6), or METRICS_OUTCOME_OK for NULL. */
size_t metrics_outcome_of(const sr_error *err);
const char *metrics_outcome_name(size_t outcome);
const char *metrics_event_name(enum metrics_event ev);

/* One answered call of route (dispatch's index); err NULL = answered 200. */
void metrics_api_call(struct metrics *m, size_t route, const sr_error *err, uint64_t ns);
/* An error outside an API answer (a sweep's reset failing, a save failing later). */
void metrics_error(struct metrics *m, int kind);
void metrics_event(struct metrics *m, enum metrics_event ev);

/* The daemon's own families (everything but the VF counters and pools, which
 * metrics_page.c reads from the host), in text format. route_path(i) names route i. */
void metrics_render_own(struct metrics *m, struct metrics_text *t, size_t routes, const char *(*route_path)(size_t));

#endif
