/* work_pool: threads that run the requests the HTTP event loop must not wait for (kernel work,
 * saves, waits for another request's operation), so that the loop keeps answering meanwhile.
 *
 * Threads follow work, not connections: none exists before the first job; up to `resident`
 * stay when idle. A job queued while every thread is busy (blocked in the kernel or waiting
 * for another request) gets a new thread, up to `max`: so one slow kernel step never holds a
 * quick request behind it, and a thousand idle connections cost no thread. Threads beyond
 * `resident` end after idle_ms without a job. Jobs start in the order they were submitted.
 *
 * A job is a struct work_item embedded in the caller's own record (no allocation here, so a
 * submit cannot fail for memory once a thread exists). */
#ifndef WORK_POOL_H
#define WORK_POOL_H

#include <stddef.h>

#include "../../common/sr_error.h"

struct work_item;
typedef void (*work_fn)(struct work_item *item);

struct work_item {
	struct work_item *next; /* the pool's queue */
	work_fn fn;
};

struct work_pool_limits {
	unsigned resident; /* threads kept when idle */
	unsigned max;      /* threads at most */
	unsigned idle_ms;  /* a thread beyond `resident` ends after this long without a job */
	size_t stack;      /* each thread's stack, bytes */
};

struct work_pool;

int work_pool_create(const struct work_pool_limits *lim, struct work_pool **out, sr_error *err);
/* Runs item->fn(item) on a pool thread. -1 (nothing queued) only when no thread exists and
 * none can be started; the caller then answers by itself. */
int work_pool_submit(struct work_pool *p, struct work_item *item, work_fn fn);
/* Ends every thread once the jobs queued so far have run. */
void work_pool_destroy(struct work_pool *p);
/* Threads that exist now (tests, bench). */
unsigned work_pool_threads(struct work_pool *p);

#endif
