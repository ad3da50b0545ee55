#include "ep_give_back.h"

#include <stdio.h>
#include <string.h>

#include "../host/nic.h"
#include "../host/pf.h"
#include "../host/vf_pool.h"
#include "../host/vf_setup.h"
#include "ep_vf.h"
#include "events.h"

/* Takes d->lock: why the live record's VF is not home, for status (memory only, not saved). */
static void note_pending(struct daemon *d, const char *id, const char *why)
{
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->state.ep_count; i++)
		if (!strcmp(d->state.eps[i].id, id))
			snprintf(d->state.eps[i].pending, sizeof(d->state.eps[i].pending), "%.159s", why);
	pthread_mutex_unlock(&d->lock);
}

int ep_give_back(struct daemon *d, const struct ep_record *ep, bool *home, sr_error *err)
{
	char pf[SYSFS_IFNAME_MAX];
	sr_error why = {0};
	int rc = 0;
	uint64_t started = metrics_now_ns();
	if (ep->passthrough)
		return nic_restore(&d->host, ep->pf_pci, &ep->host, home, err);
	/* through the PF first, wherever the VF is: the host driver then probes the reset VF */
	if (pf_ifname(&d->host, ep->pf_pci, pf, err) < 0 || vf_reset(&d->host, pf, EP_VF(ep), err) < 0)
		rc = -1;
	if (rc == 0) {
		metrics_hist_observe_ns(&d->metrics.vf_reset, metrics_now_ns() - started);
		event_vf(d, METRICS_EV_RESET, ep, SR_LOG_INFO, "VF %d (%s) of endpoint %.12s reset to its settings from before",
			 ep->vf, ep->vf_pci, ep->id);
	} else {
		atomic_fetch_add_explicit(&d->metrics.vf_reset_failed, 1, memory_order_relaxed);
		metrics_error(&d->metrics, err->kind);
		event_vf(d, METRICS_EV_RESET, ep, SR_LOG_WARN, "VF %d (%s) of endpoint %.12s reset: %s", ep->vf,
			 ep->vf_pci, ep->id, err->msg);
	}
	/* read after the reset, which may have rebound the VF's driver */
	*home = device_is_home(&d->host, ep->vf_pci);
	if (*home)
		return rc;
	/* Left on vfio-pci by a VM that is gone (Kata rebinds it only when its shim lives to stop
	 * it), or on no driver: ours, by this record, so back to its host driver now, unless a
	 * process still holds its VFIO group (then the sweep tries again). */
	if (vf_take_home(&d->host, ep->vf, ep->vf_pci, ep->id, ep->vf_driver, &why) == 0)
		*home = device_is_home(&d->host, ep->vf_pci);
	else
		note_pending(d, ep->id, why.msg);
	return rc;
}
