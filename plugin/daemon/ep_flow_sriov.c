#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../host/pf.h"
#include "../host/vf_pool.h"
#include "../host/vf_setup.h"
#include "ep_create.h"
#include "ep_flow.h"
#include "ep_vf.h"
#include "events.h"
#include "pf_choose.h"

/* Under d->lock: after the checks every create shares. The MAC is the operation's until the
 * record holds it (no other create chooses it meanwhile); the VF is claimed later, by
 * pf_choose_vf (vf_pool_take). */
static int vf_begin(struct daemon *d, const struct spec_create_endpoint *req, const struct net_record *n,
		    struct net_record *net, struct ep_record *ep, bool *generated, sr_error *err)
{
	struct ep_op *op;
	if (ep_choose_mac(d, req, ep->mac, generated, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	*net = *n;
	op = ep_ops_begin(d, req->endpoint_id, n->id, "created", err);
	if (!op)
		return -1;
	memcpy(op->mac, ep->mac, 6);
	op->has_mac = true;
	return 0;
}

/* A VF of one of the network's PFs (pf_choose.h), its settings from before saved in the record
 * (CREATING) before it is touched, then configured through its PF (MAC, VLAN, spoof check...). */
static int vf_create(struct daemon *d, const struct net_record *net, struct ep_record *ep, bool generated,
		     sr_error *err)
{
	struct pf_pick pick;
	char pf[SYSFS_IFNAME_MAX], mac_text[18];
	(void)generated;
	if (pf_choose_vf(d, net, ep->id, &pick, err) < 0)
		return -1;
	/* every VF setting below goes through this VF's own PF */
	memcpy(pf, pick.ifname, sizeof(pf));
	snprintf(ep->pf_pci, sizeof(ep->pf_pci), "%s", net->pf_pci[pick.pf]);
	snprintf(ep->vf_pci, sizeof(ep->vf_pci), "%s", pick.vf.vf_pci);
	ep->vf = pick.vf.vf;
	/* the VF's identity for the sweep (reconcile.c vf_lost); without it the next sweep takes it */
	if (sysfs_pci_instance(d->cfg.sysfs_root, ep->vf_pci, ep->vf_instance, err) < 0)
		sr_log_msg(&d->log, SR_LOG_DEBUG, "endpoint %.12s: %s", ep->id, err->msg);
	sr_error_clear(err);
	daemon_hold_point(d, "create-reserved", ep->id, ep->vf);
	/* the VF is on its host driver now (checked free): named when it is taken back from vfio-pci */
	if (sysfs_pci_driver(d->cfg.sysfs_root, ep->vf_pci, ep->vf_driver, err) < 0 ||
	    nlk_vf_get(d->host.nl, pf, ep->vf, &ep->saved, err) < 0)
		return -1;
	/* the netdev's MTU too, put back at reset: the next network may leave MTU alone */
	struct nlk_link_info vf_link;
	sr_error no_link = {0};
	if (nlk_link_get(d->host.nl, pick.vf.netdev, &vf_link, &no_link) == 0)
		ep->saved_mtu = vf_link.mtu;
	else
		sr_log_msg(&d->log, SR_LOG_DEBUG, "endpoint %.12s: VF netdev MTU not saved: %s", ep->id, no_link.msg);
	/* Written down before the VF is touched: a crash from here on is undone at the next start. */
	ep->phase = EP_CREATING;
	if (ep_create_record(d, ep, err) < 0)
		return -1;
	daemon_fault_point(d, "record endpoint");
	/* reachable only with real VFs (the host suites' veth PF fails nlk_vf_get above) */
	daemon_hold_point(d, "create-recorded", ep->id, ep->vf);
	uint64_t setup_started = metrics_now_ns();
	if (vf_apply(&d->host, pf, &net->cfg, EP_VF(ep), err) < 0) {
		atomic_fetch_add_explicit(&d->metrics.vf_setup_failed, 1, memory_order_relaxed);
		ep_create_forget(d, ep->id);
		return -1;
	}
	metrics_hist_observe_ns(&d->metrics.vf_setup, metrics_now_ns() - setup_started);
	if (ep_create_commit(d, ep->id, err) < 0) {
		sr_error reset_err = {0};
		if (vf_reset(&d->host, pf, EP_VF(ep), &reset_err) < 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "undo of endpoint %.12s: %s", ep->id, reset_err.msg);
		ep_create_forget(d, ep->id);
		return -1;
	}
	daemon_fault_point(d, "endpoint ready");
	ep_ops_end_locking(d, ep->id);
	nlk_mac_format(ep->mac, mac_text);
	event_vf(d, METRICS_EV_HANDED_OUT, ep, SR_LOG_INFO, "endpoint %.12s: PF %s VF %d (%s) MAC %s VLAN %u", ep->id, pf,
		 ep->vf, ep->vf_pci, mac_text, net->cfg.vlan);
	return 0;
}

/* The netdev's name is looked up now, never remembered: a driver rebind renames it, and so does
 * udev a moment after any new netdev appears. Docker gets the name udev settled on, with the MAC
 * of the record (set again through the PF when a rebind lost it). */
static int vf_join_netdev(struct daemon *d, const struct net_record *net, const struct ep_record *ep,
			  char netdev[SYSFS_IFNAME_MAX], sr_error *err)
{
	struct nlk_link_info info;
	bool found;
	if (sysfs_pci_netdev(d->cfg.sysfs_root, ep->vf_pci, netdev, &found, err) < 0)
		return -1;
	if (!found)
		return sr_error_set(err, ENODEV, "VF %d (%s) of endpoint %.12s has no netdev in the host namespace",
				    ep->vf, ep->vf_pci, ep->id);
	if (vf_wait_netdev(&d->host, ep->vf_pci, netdev, &info, err) < 0)
		return -1;
	if (memcmp(info.mac, ep->mac, 6) != 0) {
		char pf[SYSFS_IFNAME_MAX];
		sr_error no_pf = {0};
		bool have_pf = pf_ifname(&d->host, ep->pf_pci, pf, &no_pf) == 0;
		if (vf_sync_netdev(&d->host, have_pf ? pf : NULL, &net->cfg, EP_VF(ep), err) < 0 ||
		    vf_wait_netdev(&d->host, ep->vf_pci, netdev, NULL, err) < 0)
			return -1;
	}
	return 0;
}

static void vf_joined(struct daemon *d, const struct ep_record *ep, const char *sandbox_key, const char *netdev)
{
	sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s joined %s: VF %d netdev %s", ep->id, sandbox_key, ep->vf,
		   netdev);
}

static void vf_deleted(struct daemon *d, const struct ep_record *ep, bool kept, const char *why_kept)
{
	if (kept)
		event_vf(d, METRICS_EV_GIVEN_BACK, ep, SR_LOG_INFO,
			 "endpoint %.12s deleted, VF %d (%s) reset; it is not back on its host driver yet%s%s%s, so it "
			 "stays recorded as ours until the sweep or the pool takes it back",
			 ep->id, ep->vf, ep->vf_pci, why_kept[0] ? " (" : "", why_kept, why_kept[0] ? ")" : "");
	else
		event_vf(d, METRICS_EV_GIVEN_BACK, ep, SR_LOG_INFO, "endpoint %.12s deleted, VF %d (%s) reset and free",
			 ep->id, ep->vf, ep->vf_pci);
}

const struct ep_flow ep_flow_sriov = {
	.device = "VF",
	.give_back = "reset",
	.begin = vf_begin,
	.create = vf_create,
	.join_netdev = vf_join_netdev,
	.joined = vf_joined,
	.deleted = vf_deleted,
};
