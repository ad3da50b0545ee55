/* host_wait: a bounded wait for something the kernel or udev does (a netdev appearing, a
 * driver bound, udev done renaming, carrier), woken by their notifications (nlk_watch) rather
 * than by a fixed pause. The caller looks, and while what it wants is not there:
 *
 *     struct host_wait w;
 *     host_wait_begin(h, &w, 10000);
 *     while (!ready(...) && host_wait_next(&w))
 *             ;
 *     host_wait_end(&w);
 *
 * Between notifications it looks again every HOST_WAIT_RECHECK_MS on the real /sys (a
 * notification can be lost to a full socket buffer, and it costs nothing to be sure), and
 * every HOST_WAIT_FAKE_MS on any other sysfs root: nothing in the kernel tells of a fake
 * tree's changes. Without a watch (no socket) it falls back to the fake-tree pace. */
#ifndef HOST_WAIT_H
#define HOST_WAIT_H

#include <stdbool.h>

#include "host.h"

#define HOST_WAIT_RECHECK_MS 1000
#define HOST_WAIT_FAKE_MS 50

struct host_wait {
	struct nlk_watch *watch;
	long long deadline_ms; /* host_mono_ms() */
	int pace_ms;
};

/* CLOCK_MONOTONIC in ms: what every bound of the host layer's waits is measured in. */
long long host_mono_ms(void);

void host_wait_begin(const struct host *h, struct host_wait *w, int limit_ms);
/* Waits for the next notification (or the pace); false once limit_ms has passed since begin. */
bool host_wait_next(struct host_wait *w);
void host_wait_end(struct host_wait *w);

#endif
