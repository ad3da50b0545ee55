#include "pf_choose.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../host/pf.h"
#include "daemon.h"

/* Under d->lock: this network's endpoints on the PF, counting creates in flight (their VF is
 * claimed, or their PF chosen, before their record exists), so that concurrent creates spread too. */
static unsigned endpoints_on(struct daemon *d, const struct net_record *net, const char *pf_pci)
{
	unsigned count = 0;
	for (size_t i = 0; i < d->state.ep_count; i++) {
		const struct ep_record *e = &d->state.eps[i];
		if (e->phase != EP_RELEASED && !strcmp(e->network_id, net->id) && !strcmp(e->pf_pci, pf_pci))
			count++;
	}
	for (size_t i = 0; i < d->ops.count; i++) {
		const struct ep_op *op = &d->ops.ops[i];
		if (!strcmp(op->network_id, net->id) && !strcmp(op->vf >= 0 ? op->pf_pci : op->pf_chosen, pf_pci) &&
		    !state_find_ep(&d->state, op->id))
			count++;
	}
	return count;
}

/* Under d->lock: PF pf_pci is the one ep_id's create tries now. */
static void note_choice(struct daemon *d, const char *ep_id, const char *pf_pci)
{
	struct ep_op *op = ep_ops_find(d, ep_id);
	if (op)
		snprintf(op->pf_chosen, sizeof(op->pf_chosen), "%s", pf_pci);
}

/* The order the PFs are tried in (see pf_choose.h), the first entered as ep_id's choice in the
 * same hold of d->lock as the load is counted: a create counting before another entered its
 * choice would see the same loads and pick the same PF (a burst of `docker run` all on one).
 * Takes d->lock. */
static void try_order(struct daemon *d, const struct net_record *net, const char *ep_id, unsigned order[NET_MAX_PFS])
{
	unsigned load[NET_MAX_PFS] = {0};
	unsigned n = net->cfg.pf_count;
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	if (net->cfg.pf_policy == NET_PF_FILL || n < 2)
		return;
	pthread_mutex_lock(&d->lock);
	for (unsigned i = 0; i < n; i++)
		load[i] = endpoints_on(d, net, net->pf_pci[i]);
	for (unsigned i = 1; i < n; i++) { /* insertion sort: stable, so ties keep list order */
		unsigned v = order[i], j = i;
		for (; j > 0 && load[order[j - 1]] > load[v]; j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
	note_choice(d, ep_id, net->pf_pci[order[0]]);
	pthread_mutex_unlock(&d->lock);
}

/* PF number pf ready to give VFs: its netdev in pf. */
static int pf_ready(struct daemon *d, const struct net_record *net, unsigned pf, char ifname[SYSFS_IFNAME_MAX],
		    sr_error *err)
{
	const char *pci = net->pf_pci[pf], *spec = net->cfg.pf_spec[pf];
	sr_error why = {0};
	if (pf_has_vfs(&d->host, pci, ifname, &why))
		return 0;
	if (!sysfs_pci_exists(d->cfg.sysfs_root, pci))
		return sr_error_set(err, ENODEV, "PF %s (%s) is not present on this host", spec, pci);
	if (pf_prepare(&d->host, pci, net->cfg.numvfs, err) < 0) {
		if (err->code == ENODEV)
			return sr_error_set(err, ENODEV, "PF %s (%s) has no network interface: is its driver loaded? (%s)",
					    spec, pci, why.msg);
		return sr_error_wrap(err, "prepare PF %s (%s)", spec, pci);
	}
	sr_log_msg(&d->log, SR_LOG_INFO, "PF %s (%s) prepared again for network %.12s (%s)", spec, pci, net->id,
		   why.msg[0] ? why.msg : "no VFs were enabled");
	return pf_ifname(&d->host, pci, ifname, err);
}

/* Appends one PF's reason to the refusal, cut to its share of the message. */
static void note_reason(char *out, size_t size, unsigned share, const char *why)
{
	size_t used = strlen(out);
	snprintf(out + used, size - used, "%s%.*s%s", used ? "; " : "", (int)share, why,
		 strlen(why) > share ? "..." : "");
}

int pf_choose_vf(struct daemon *d, const struct net_record *net, const char *ep_id, struct pf_pick *out,
		 sr_error *err)
{
	static const char intro[] = "no PF of this network can give a VF: ";
	unsigned order[NET_MAX_PFS], n = net->cfg.pf_count;
	/* each PF's reason gets an equal part of the message, with room for "; " and "..." */
	unsigned share = (unsigned)((SR_ERROR_MSG_MAX - sizeof(intro)) / (n ? n : 1)) - 6;
	char reasons[SR_ERROR_MSG_MAX] = "";
	bool exhausted = false;
	int code = ENOSPC, kind = SR_INTERNAL;
	if (n == 0)
		return sr_error_set(err, EINVAL, "network %.12s has no PF", net->id);
	try_order(d, net, ep_id, order);
	daemon_hold_point(d, "create-chosen", ep_id, -1);
	for (unsigned k = 0; k < n; k++) {
		unsigned pf = order[k];
		sr_error why = {0};
		if (k > 0 && net->cfg.pf_policy == NET_PF_SPREAD) { /* the one before could not give a VF */
			pthread_mutex_lock(&d->lock);
			note_choice(d, ep_id, net->pf_pci[pf]);
			pthread_mutex_unlock(&d->lock);
		}
		if (pf_ready(d, net, pf, out->ifname, &why) == 0 &&
		    vf_pool_take(d, net, pf, out->ifname, ep_id, &out->vf, &why) == 0) {
			out->pf = pf;
			return 0;
		}
		if (n == 1) { /* as it always was: the one PF's own error */
			*err = why;
			return -1;
		}
		sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s: PF %s (%s) skipped: %s", net->id, net->cfg.pf_spec[pf],
			   net->pf_pci[pf], why.msg);
		exhausted = exhausted || why.kind == SR_EXHAUSTED;
		if (why.kind != SR_EXHAUSTED) {
			code = why.code;
			kind = why.kind;
		}
		note_reason(reasons, sizeof(reasons) - sizeof(intro), share, why.msg);
	}
	/* some PF merely full: more VFs is the answer; else no PF is usable, as one PF would say */
	return sr_error_set_kind(err, exhausted ? SR_EXHAUSTED : (enum sr_kind)kind, exhausted ? ENOSPC : code, "%s%s",
				 intro, reasons);
}
