/* vf_pool_take: which VF a new endpoint gets (see vf_pool_take.h); the host's part (is this
 * VF free on the host, taking our own back) is vf_check_free in host/vf_pool.c. */
#include "vf_pool_take.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../host/vf_pool.h"
#include "daemon.h"

#define SKIPPED_MAX 400 /* room for the list of skipped VFs within an sr_error message */

/* A released record whose VF is usable again has done its job. Takes d->lock. The record is
 * found again by its VF: while the VF was checked, a CreateEndpoint reusing its ID may have
 * renamed it (set_aside_released), but nobody else can have taken the VF (it is claimed). */
static int drop_released(struct daemon *d, const struct ep_record *released, sr_error *why)
{
	struct ep_record copy;
	bool found = false;
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->state.ep_count && !found; i++) {
		const struct ep_record *e = &d->state.eps[i];
		if (e->phase == EP_RELEASED && e->vf == released->vf && !strcmp(e->pf_pci, released->pf_pci)) {
			copy = *e;
			found = true;
		}
	}
	if (found) {
		state_remove_ep(&d->state, copy.id);
		if (state_save(&d->state, why) < 0) {
			state_add_ep(&d->state, &copy, NULL);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (found && rc == 0)
		sr_log_msg(&d->log, SR_LOG_INFO, "VF %d (%s) is home again: record of released endpoint %.12s dropped",
			   copy.vf, copy.vf_pci, copy.id);
	return rc;
}

static void note_skipped(char *list, int vf, const char *vf_pci, const char *why)
{
	size_t used = strlen(list);
	int n;
	if (used >= SKIPPED_MAX - 8)
		return;
	n = snprintf(list + used, SKIPPED_MAX - used, "%sVF %d %s: %s", used ? "; " : "", vf,
		     vf_pci[0] ? vf_pci : "?", why);
	if (n < 0 || (size_t)n >= SKIPPED_MAX - used) /* cut: say so */
		memcpy(list + SKIPPED_MAX - 4, "...", 4);
}

/* Under d->lock: whether VF vf can be claimed, and claims it for ep_id's operation. A VF is
 * taken by a record (unless released: *released gets a copy) or by an operation in flight. */
enum claim { CLAIMED, OWNED, IN_FLIGHT };
static enum claim claim_vf(struct daemon *d, const char *pf_pci, const char *ep_id, int vf,
			   struct ep_record *released, bool *has_released)
{
	const struct ep_record *owner = state_find_vf_owner(&d->state, pf_pci, vf);
	struct ep_op *op;
	*has_released = false;
	if (owner && owner->phase != EP_RELEASED)
		return OWNED;
	if (ep_ops_vf_claimed(d, pf_pci, vf))
		return IN_FLIGHT;
	if (owner) {
		*released = *owner;
		*has_released = true;
	}
	op = ep_ops_find(d, ep_id);
	if (!op) /* the caller's operation is always there; never claim for nobody */
		return IN_FLIGHT;
	snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", pf_pci);
	op->vf = vf;
	return CLAIMED;
}

static void unclaim_vf(struct daemon *d, const char *ep_id)
{
	struct ep_op *op;
	pthread_mutex_lock(&d->lock);
	op = ep_ops_find(d, ep_id);
	if (op)
		op->vf = -1;
	pthread_cond_broadcast(&d->ops_done);
	pthread_mutex_unlock(&d->lock);
}

int vf_pool_take(struct daemon *d, const struct net_record *net, unsigned pf, const char *pf_ifname,
		 const char *ep_id, struct vf_choice *out, sr_error *err)
{
	const char *pf_pci = net->pf_pci[pf];
	int numvfs, allowed = 0, owned = 0, busy = 0, in_flight = 0;
	char skipped[SKIPPED_MAX] = "";
	if (sysfs_pf_numvfs(d->host.sysfs_root, pf_pci, &numvfs, err) < 0)
		return sr_error_wrap(err, "PF %s", pf_ifname);
	for (int vf = 0; vf < numvfs; vf++) {
		sr_error why = {0};
		struct ep_record released;
		bool has_released;
		enum claim got;
		if (!net_config_vf_allowed(&net->cfg, pf, vf))
			continue;
		allowed++;
		/* claimed first, checked after: the checks read the kernel (and may rebind a driver),
		 * which is done without d->lock, and the claim keeps everyone else off this VF */
		pthread_mutex_lock(&d->lock);
		got = claim_vf(d, pf_pci, ep_id, vf, &released, &has_released);
		pthread_mutex_unlock(&d->lock);
		if (got == OWNED) {
			owned++;
			continue;
		}
		if (got == IN_FLIGHT) {
			in_flight++;
			continue;
		}
		out->vf_pci[0] = '\0';
		if (sysfs_vf_pci(d->host.sysfs_root, pf_pci, vf, out->vf_pci, &why) < 0 ||
		    vf_check_free(&d->host, vf, out->vf_pci, has_released ? released.id : NULL,
				  has_released ? released.vf_driver : NULL, out->netdev, &why) < 0 ||
		    (has_released && drop_released(d, &released, &why) < 0)) {
			unclaim_vf(d, ep_id);
			busy++;
			sr_log_msg(&d->log, SR_LOG_INFO, "PF %s VF %d skipped: %s", pf_ifname, vf, why.msg);
			note_skipped(skipped, vf, out->vf_pci, why.msg);
			continue;
		}
		out->vf = vf;
		return 0;
	}
	if (numvfs == 0)
		return sr_error_set_kind(err, SR_EXHAUSTED, ENOSPC, "PF %s has no VFs enabled (sriov_numvfs is 0)",
					 pf_ifname);
	if (allowed == 0)
		return sr_error_set_kind(err, SR_EXHAUSTED, ENOSPC,
					 "PF %s: none of its %d VFs is in this network's vfs list", pf_ifname, numvfs);
	if (in_flight)
		return sr_error_set_kind(err, SR_EXHAUSTED, ENOSPC,
					 "PF %s: all %d VFs in use (%d by endpoints, %d being set up or torn down by other "
					 "requests, %d busy on the host)%s%s",
					 pf_ifname, allowed, owned, in_flight, busy, busy ? ": " : "", skipped);
	return sr_error_set_kind(err, SR_EXHAUSTED, ENOSPC,
				 "PF %s: all %d VFs in use (%d by endpoints, %d busy on the host)%s%s", pf_ifname, allowed,
				 owned, busy, busy ? ": " : "", skipped);
}
