#include "metrics_hist.h"

#include <string.h>
#include <time.h>

void metrics_hist_init(struct metrics_hist *h, const double *bounds, size_t n)
{
	if (n > METRICS_HIST_BOUNDS_MAX)
		n = METRICS_HIST_BOUNDS_MAX;
	h->nbounds = n;
	for (size_t i = 0; i < n; i++) {
		h->bounds[i] = bounds[i];
		h->bound_ns[i] = (uint64_t)(bounds[i] * 1e9 + 0.5);
	}
	for (size_t i = 0; i <= METRICS_HIST_BOUNDS_MAX; i++)
		atomic_init(&h->buckets[i], 0);
	atomic_init(&h->count, 0);
	atomic_init(&h->sum_ns, 0);
}

void metrics_hist_observe_ns(struct metrics_hist *h, uint64_t ns)
{
	size_t i = 0;
	/* a bucket's bound is inclusive (le): ns == bound belongs to it */
	while (i < h->nbounds && ns > h->bound_ns[i])
		i++;
	atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void metrics_hist_snapshot(struct metrics_hist *h, struct metrics_hist_snapshot *out)
{
	uint64_t running = 0;
	memset(out, 0, sizeof(*out));
	out->nbounds = h->nbounds;
	for (size_t i = 0; i <= h->nbounds; i++) {
		if (i < h->nbounds)
			out->bounds[i] = h->bounds[i];
		running += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
		out->cumulative[i] = running;
	}
	/* the count is the +Inf bucket: both say the same even while others observe */
	out->count = running;
	out->sum = (double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9;
}

uint64_t metrics_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
