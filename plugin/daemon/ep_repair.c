#include "ep_repair.h"

#include <string.h>

#include "../host/pf.h"
#include "../host/vf_repair.h"
#include "ep_vf.h"
#include "state_copy.h"

/* The PFs looked at so far, by PCI address: their netdev, and whether it reports VFs at all (a PF
 * whose driver lost them, or no SR-IOV PF: said once, not once per endpoint). Looked up once each:
 * a start with thousands of endpoints pays per PF, then one read of each VF. */
struct pf_seen {
	char pci[16][STATE_PCI_MAX];
	char ifname[16][SYSFS_IFNAME_MAX]; /* "" = none, or no VFs reported */
	size_t n;
};

/* The PF's netdev when it reports VFs (into pf), else false. */
static bool pf_with_vfs(struct daemon *d, struct pf_seen *seen, const char *pci, char pf[SYSFS_IFNAME_MAX])
{
	struct nlk_link_info info;
	sr_error err = {0};
	bool has;
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->pci[i], pci)) {
			memcpy(pf, seen->ifname[i], SYSFS_IFNAME_MAX);
			return pf[0] != '\0';
		}
	/* a PF gone or without its driver: reconcile_networks says so */
	has = pf_ifname(&d->host, pci, pf, &err) == 0;
	if (has && !(nlk_link_get(d->host.nl, pf, &info, &err) == 0 && info.num_vf > 0)) {
		sr_log_msg(&d->log, SR_LOG_WARN, "PF %s (%s) reports no VFs%s%s: the VFs of its endpoints not checked", pf,
			   pci, err.msg[0] ? ": " : "", err.msg);
		has = false;
	}
	if (!has)
		pf[0] = '\0';
	if (seen->n < sizeof(seen->pci) / sizeof(seen->pci[0])) {
		memcpy(seen->pci[seen->n], pci, STATE_PCI_MAX);
		memcpy(seen->ifname[seen->n++], pf, SYSFS_IFNAME_MAX);
	}
	return has;
}

static void repair_one(struct daemon *d, const struct state *snap, const struct ep_record *e, struct pf_seen *seen)
{
	const struct net_record *n = state_find_net(snap, e->network_id);
	char pf[SYSFS_IFNAME_MAX], what[400];
	unsigned repaired = 0;
	sr_error err = {0};
	int rc;
	if (!n || !pf_with_vfs(d, seen, e->pf_pci, pf))
		return;
	rc = vf_repair(&d->host, pf, &n->cfg, EP_VF(e), &repaired, what, sizeof(what), &err);
	if (rc < 0 && !what[0])
		sr_log_msg(&d->log, SR_LOG_WARN, "endpoint %.12s: VF %d (%s) not checked: %s", e->id, e->vf, e->vf_pci,
			   err.msg);
	else if (rc < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "endpoint %.12s: VF %d (%s) of %s found with %s; not all repaired: %s",
			   e->id, e->vf, e->vf_pci, pf, what, err.msg);
	else if (repaired)
		sr_log_msg(&d->log, SR_LOG_WARN, "endpoint %.12s: VF %d (%s) of %s found with %s (a crash in the middle of "
			   "an operation?): repaired", e->id, e->vf, e->vf_pci, pf, what);
}

void ep_repair_ready(struct daemon *d)
{
	struct state snap;
	struct pf_seen seen = {.n = 0};
	sr_error err = {0};
	int rc;
	pthread_mutex_lock(&d->lock);
	rc = state_copy(&d->state, &snap, &err);
	pthread_mutex_unlock(&d->lock);
	if (rc < 0) {
		sr_log_msg(&d->log, SR_LOG_ERROR, "VFs of endpoints not checked: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < snap.ep_count && !daemon_stop_requested(d); i++) {
		const struct ep_record *e = &snap.eps[i];
		if (e->phase == EP_READY && !e->passthrough)
			repair_one(d, &snap, e, &seen);
	}
	state_free(&snap);
}
