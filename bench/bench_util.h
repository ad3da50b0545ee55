/* bench_util: the clocks and the sorting every bench needs. Header-only: each bench is one
 * program built from one .c file (mk/bench.mk). */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double bench_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds: wall (monotonic), this thread's CPU, this process's CPU. */
static inline double now(void) { return bench_clock(CLOCK_MONOTONIC); }
static inline double thread_cpu(void) { return bench_clock(CLOCK_THREAD_CPUTIME_ID); }
static inline double process_cpu(void) { return bench_clock(CLOCK_PROCESS_CPUTIME_ID); }

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v in place. */
static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

#endif
