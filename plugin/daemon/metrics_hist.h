/* metrics_hist: a latency histogram that any thread may feed at any time without a lock
 * (relaxed atomics: each counter is exact; a reader may see one observation in the count a
 * moment before its bucket, which Prometheus tolerates between scrapes). Durations are kept
 * in nanoseconds; bounds are given in seconds, ascending. */
#ifndef METRICS_HIST_H
#define METRICS_HIST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_HIST_BOUNDS_MAX 20

struct metrics_hist {
	size_t nbounds;
	double bounds[METRICS_HIST_BOUNDS_MAX];     /* seconds */
	uint64_t bound_ns[METRICS_HIST_BOUNDS_MAX];
	atomic_ullong buckets[METRICS_HIST_BOUNDS_MAX + 1]; /* not cumulative; the last is above every bound */
	atomic_ullong count;
	atomic_ullong sum_ns;
};

/* A copy to render: buckets made cumulative, sum in seconds. */
struct metrics_hist_snapshot {
	size_t nbounds;
	double bounds[METRICS_HIST_BOUNDS_MAX];
	uint64_t cumulative[METRICS_HIST_BOUNDS_MAX + 1]; /* the last is +Inf */
	uint64_t count;
	double sum;
};

/* n is clamped to METRICS_HIST_BOUNDS_MAX. */
void metrics_hist_init(struct metrics_hist *h, const double *bounds, size_t n);
void metrics_hist_observe_ns(struct metrics_hist *h, uint64_t ns);
void metrics_hist_snapshot(struct metrics_hist *h, struct metrics_hist_snapshot *out);

/* CLOCK_MONOTONIC in ns, for timing what is observed. */
uint64_t metrics_now_ns(void);

#endif
