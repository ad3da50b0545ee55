#include "host_wait.h"

#include <string.h>

static long long ms_until(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

void host_wait_begin(const struct host *h, struct host_wait *w, int limit_ms)
{
	sr_error err = {0};
	memset(w, 0, sizeof(*w));
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += limit_ms / 1000;
	w->deadline.tv_nsec += (long)(limit_ms % 1000) * 1000000L;
	if (w->deadline.tv_nsec >= 1000000000L) {
		w->deadline.tv_sec++;
		w->deadline.tv_nsec -= 1000000000L;
	}
	bool real_sysfs = !h->sysfs_root || !strcmp(h->sysfs_root, "/sys") || !strcmp(h->sysfs_root, "/sys/");
	if (real_sysfs && nlk_watch_open(&w->watch, &err) < 0) {
		sr_log_msg(h->log, SR_LOG_DEBUG, "wait without notifications: %s", err.msg);
		w->watch = NULL;
	}
	w->pace_ms = w->watch ? HOST_WAIT_RECHECK_MS : HOST_WAIT_FAKE_MS;
}

bool host_wait_next(struct host_wait *w)
{
	long long left = ms_until(&w->deadline);
	int pace;
	if (left <= 0)
		return false;
	pace = left < w->pace_ms ? (int)left : w->pace_ms;
	if (w->watch) {
		if (nlk_watch_wait(w->watch, pace) > 0)
			w->wakeups++;
		else
			w->timeouts++;
	} else {
		struct timespec ts = {pace / 1000, (long)(pace % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		w->timeouts++;
	}
	return true;
}

void host_wait_end(struct host_wait *w)
{
	nlk_watch_close(w->watch);
	w->watch = NULL;
}
