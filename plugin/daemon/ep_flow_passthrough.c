#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../host/nic.h"
#include "ep_create.h"
#include "ep_flow.h"
#include "ep_give_back.h"
#include "events.h"

/* Under d->lock: after the checks every create shares. The NIC goes to one endpoint: a second
 * one is refused while the first holds it, and while a released one's NIC has not come back.
 * The container keeps the MAC Docker gave; without one, it keeps the NIC's own (read at create,
 * *generated: returned to Docker, which may fill only what it left empty). */
static int nic_begin(struct daemon *d, const struct spec_create_endpoint *req, const struct net_record *n,
		     struct net_record *net, struct ep_record *ep, bool *generated, sr_error *err)
{
	struct ep_op *op;
	for (size_t i = 0; i < d->state.ep_count; i++) {
		const struct ep_record *o = &d->state.eps[i];
		/* this network's endpoint, or a released one of a network deleted since, on this NIC */
		if (strcmp(o->network_id, n->id) != 0 && !(o->passthrough && !strcmp(o->pf_pci, n->pf_pci[0])))
			continue;
		if (o->phase == EP_RELEASED)
			return sr_error_set_kind(err, SR_CONFLICT, EBUSY,
						 "network %.12s (mode=passthrough): NIC %s (%s) has not come back to the host "
						 "from endpoint %.12s yet (its namespace still exists); try again once it has",
						 n->id, n->cfg.pf_spec[0], n->pf_pci[0], o->id);
		return sr_error_set_kind(err, SR_CONFLICT, EBUSY,
					 "network %.12s (mode=passthrough): NIC %s (%s) is already given to endpoint "
					 "%.12s%s%s; a passthrough network has one endpoint",
					 n->id, n->cfg.pf_spec[0], n->pf_pci[0], o->id, o->sandbox_key[0] ? ", sandbox " : "",
					 o->sandbox_key);
	}
	if (ep_ops_network_busy(d, n->id))
		return sr_error_set_kind(err, SR_CONFLICT, EBUSY,
					 "network %.12s (mode=passthrough): another endpoint is being created or deleted "
					 "on NIC %s (%s); a passthrough network has one endpoint",
					 n->id, n->cfg.pf_spec[0], n->pf_pci[0]);
	*generated = !req->mac_address[0];
	if (!*generated && ep_choose_mac(d, req, ep->mac, generated, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	*net = *n;
	op = ep_ops_begin(d, req->endpoint_id, n->id, "created", err);
	if (!op)
		return -1;
	/* the NIC is this operation's: ep_ops_network_busy and ep_ops_vf_claimed see it */
	snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", n->pf_pci[0]);
	op->vf = -1;
	return 0;
}

/* A passthrough endpoint: the NIC's host settings read and written down (CREATING) before
 * anything changes, then the network's MTU, if it has one, set on the NIC. Nothing else is
 * touched before Join: dockerd moves the netdev, renames it and sets the MAC it knows. */
static int nic_create(struct daemon *d, const struct net_record *net, struct ep_record *ep, bool generated, sr_error *err)
{
	char mac_text[18];
	if (nic_read(&d->host, net->pf_pci[0], &ep->host, err) < 0) {
		if (err->code == ENODEV)
			return sr_error_set_kind(err, SR_CONFLICT, ENODEV,
						 "NIC %s (%s) of network %.12s (mode=passthrough) has no netdev in the host "
						 "namespace (driver not loaded, or still in a container's namespace)",
						 net->cfg.pf_spec[0], net->pf_pci[0], net->id);
		return -1;
	}
	/* the host may have given it addresses since the network was created */
	if (nic_check_host_use(&ep->host, net->cfg.pf_spec[0], net->cfg.host_nic_allow, err) < 0)
		return sr_error_kind(err, SR_CONFLICT);
	ep->passthrough = true;
	ep->vf = -1;
	ep->saved.vf = -1;
	snprintf(ep->pf_pci, sizeof(ep->pf_pci), "%s", net->pf_pci[0]);
	snprintf(ep->vf_pci, sizeof(ep->vf_pci), "%s", net->pf_pci[0]);
	if (nlk_mac_is_zero(ep->mac)) /* Docker gave none: the NIC's own */
		memcpy(ep->mac, ep->host.mac, 6);
	ep->phase = EP_CREATING;
	if (ep_create_record(d, ep, err) < 0)
		return -1;
	daemon_fault_point(d, "record endpoint");
	if (net->cfg.mtu && net->cfg.mtu != ep->host.mtu &&
	    nlk_link_set_mtu(d->host.nl, ep->host.name, net->cfg.mtu, err) < 0) {
		ep_create_forget(d, ep->id);
		return sr_error_wrap(err, "NIC %s (%s)", net->cfg.pf_spec[0], net->pf_pci[0]);
	}
	if (ep_create_commit(d, ep->id, err) < 0) {
		sr_error undo = {0};
		bool home;
		if (ep_give_back(d, ep, &home, &undo) < 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "undo of endpoint %.12s: %s", ep->id, undo.msg);
		ep_create_forget(d, ep->id);
		return -1;
	}
	ep_ops_end_locking(d, ep->id);
	nlk_mac_format(ep->mac, mac_text);
	event_vf(d, METRICS_EV_HANDED_OUT, ep, SR_LOG_INFO, "endpoint %.12s: NIC %s (%s) passed through, MAC %s%s", ep->id,
		 ep->host.name, ep->pf_pci, mac_text, generated ? " (its own)" : "");
	return 0;
}

/* dockerd moves, renames and gives the MAC it knows to the NIC's netdev: it must be here. */
static int nic_join_netdev(struct daemon *d, const struct net_record *net, const struct ep_record *ep,
			   char netdev[SYSFS_IFNAME_MAX], sr_error *err)
{
	bool found;
	(void)net;
	if (sysfs_pci_netdev(d->cfg.sysfs_root, ep->vf_pci, netdev, &found, err) < 0)
		return -1;
	if (!found)
		return sr_error_set_kind(err, SR_CONFLICT, ENODEV,
					 "NIC %s of endpoint %.12s has no netdev in the host namespace (still in "
					 "another sandbox?)",
					 ep->pf_pci, ep->id);
	return 0;
}

static void nic_joined(struct daemon *d, const struct ep_record *ep, const char *sandbox_key, const char *netdev)
{
	sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s joined %s: NIC %s netdev %s", ep->id, sandbox_key, ep->pf_pci,
		   netdev);
}

static void nic_deleted(struct daemon *d, const struct ep_record *ep, bool kept, const char *why_kept)
{
	(void)why_kept;
	if (kept)
		event_vf(d, METRICS_EV_GIVEN_BACK, ep, SR_LOG_INFO,
			 "endpoint %.12s deleted; its NIC %s is not back in this namespace (or not fully restored) "
			 "yet: it stays recorded, and the sweep restores it as %s",
			 ep->id, ep->pf_pci, ep->host.name);
	else
		event_vf(d, METRICS_EV_GIVEN_BACK, ep, SR_LOG_INFO, "endpoint %.12s deleted, NIC %s back as %s", ep->id,
			 ep->pf_pci, ep->host.name);
}

const struct ep_flow ep_flow_passthrough = {
	.device = "NIC",
	.give_back = "given back",
	.begin = nic_begin,
	.create = nic_create,
	.join_netdev = nic_join_netdev,
	.joined = nic_joined,
	.deleted = nic_deleted,
};
