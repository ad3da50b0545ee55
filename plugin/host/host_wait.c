#include "host_wait.h"

#include <string.h>
#include <time.h>

long long host_mono_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void host_wait_begin(const struct host *h, struct host_wait *w, int limit_ms)
{
	sr_error err = {0};
	memset(w, 0, sizeof(*w));
	w->deadline_ms = host_mono_ms() + limit_ms;
	bool real_sysfs = !h->sysfs_root || !strcmp(h->sysfs_root, "/sys") || !strcmp(h->sysfs_root, "/sys/");
	if (real_sysfs && nlk_watch_open(&w->watch, &err) < 0) {
		sr_log_msg(h->log, SR_LOG_DEBUG, "wait without notifications: %s", err.msg);
		w->watch = NULL;
	}
	w->pace_ms = w->watch ? HOST_WAIT_RECHECK_MS : HOST_WAIT_FAKE_MS;
}

bool host_wait_next(struct host_wait *w)
{
	long long left = w->deadline_ms - host_mono_ms();
	int pace;
	if (left <= 0)
		return false;
	pace = left < w->pace_ms ? (int)left : w->pace_ms;
	if (w->watch) {
		nlk_watch_wait(w->watch, pace); /* woken or not, the caller looks again */
	} else {
		struct timespec ts = {pace / 1000, (long)(pace % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return true;
}

void host_wait_end(struct host_wait *w)
{
	nlk_watch_close(w->watch);
	w->watch = NULL;
}
