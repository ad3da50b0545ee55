/* ep_clock: when an endpoint joined its sandbox and when it last had none, for the grace
 * periods of the stale-endpoint sweep (reconcile.c).
 *
 * Records keep wall-clock seconds (joined_at, unjoined_at): they survive a restart. While
 * running, ages are measured on CLOCK_BOOTTIME, which is never stepped (and counts a
 * suspend): an NTP step of the wall clock at boot must not make a fresh endpoint hours old
 * and reclaim its VF under a starting container. A record loaded at start is aged by the
 * wall clock once (ep_clock_anchor_loaded): its age is then the wall clock minus its time,
 * 0 when that is negative (the clock stepped back since, or was ahead when it was written),
 * and the monotonic clock counts from there. A record never anchored (memset to 0, a record
 * built by hand) is aged by the wall clock, as before these anchors existed. */
#ifndef EP_CLOCK_H
#define EP_CLOCK_H

#include "daemon.h"

/* The wall clock in seconds (time(NULL)), stepped by the test hook cfg.test_clock_file. */
long long ep_clock_wall(const struct daemon *d);
/* e joined now / has no sandbox from now: its wall-clock time and its monotonic anchor. */
void ep_clock_mark_joined(const struct daemon *d, struct ep_record *e);
void ep_clock_mark_unjoined(const struct daemon *d, struct ep_record *e);
/* Seconds since the Join / since it has had no sandbox. */
long long ep_clock_since_joined(const struct ep_record *e);
long long ep_clock_since_unjoined(const struct ep_record *e);
/* At start, once: every record's monotonic anchors from its wall-clock times. */
void ep_clock_anchor_loaded(const struct daemon *d, struct state *st);

#endif
