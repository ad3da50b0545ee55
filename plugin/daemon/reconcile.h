/* reconcile: make the saved state and the kernel agree.
 *
 * At start-up: PFs of our networks get their VFs back (a host reboot leaves
 * sriov_numvfs at 0), endpoints whose PF or VF is gone are reported in the
 * log (never silently dropped), stale endpoints are reclaimed, and the VFs of
 * the endpoints left in use are checked and repaired (ep_repair.h).
 * Stale endpoint: joined, its sandbox (SandboxKey netns file) no longer
 * exists, and its VF is back in the root namespace or unbound: the VF is
 * reset and the endpoint dropped (a later DeleteEndpoint answers {}). */
#ifndef RECONCILE_H
#define RECONCILE_H

#include "daemon.h"

void reconcile_at_start(struct daemon *d);
/* The periodic sweep (called without d->lock: each step takes it briefly and reads the
 * kernel without it, skipping endpoints a request works on): endpoints whose VF was re-created under us
 * (sriov_numvfs changed) are logged and dropped; networks whose PF has no VFs (or whose
 * driver came late) are prepared again; released VFs that came home lose their record;
 * stale endpoints are reclaimed. */
void reconcile_sweep(struct daemon *d);
/* Returns how many endpoints were reclaimed. Called without d->lock. */
int reconcile_stale_endpoints(struct daemon *d);

#endif
