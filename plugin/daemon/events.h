/* events: what happens to a VF, one structured log line each (sr_log_event) and a count in
 * d->metrics: handed out (CreateEndpoint), given back (DeleteEndpoint), reset, reclaimed (a
 * stale endpoint's, by a sweep) and lost (re-created under the plugin). The line carries the
 * fields SRIOV_EVENT, SRIOV_NETWORK, SRIOV_ENDPOINT, SRIOV_PF (the PF's netdev, "" when it has
 * none here), SRIOV_PF_PCI, SRIOV_VF and SRIOV_VF_PCI (a passthrough endpoint: SRIOV_NIC
 * instead of the VF's two), SRIOV_MAC and, once joined, SRIOV_SANDBOX; under systemd they are
 * journald fields, so `journalctl -u sriov-plugin SRIOV_VF=3` answers who had VF 3 and when.
 * Called without d->lock, on a copy of the record. */
#ifndef EVENTS_H
#define EVENTS_H

#include "daemon.h"
#include "metrics.h"
#include "state.h"

void event_vf(struct daemon *d, enum metrics_event ev, const struct ep_record *ep, int level, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
