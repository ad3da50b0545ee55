/* NetworkDriver handlers for networks, activation and the no-op calls.
 * Network mutations run one at a time under d->net_lock; the state is read and changed under
 * d->lock in short sections, never across pf_prepare or a VF reset. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipam/ipam_addr.h"
#include "../../spec/spec.h"
#include "handlers.h"
#include "../host/pf.h"
#include "../host/vf_setup.h"
#include "../host/nic.h"
#include "ep_give_back.h"

int handle_activate(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	(void)d;
	(void)body;
	(void)len;
	(void)err;
	respond_json(resp, spec_encode_activate(true, true));
	return 0;
}

int handle_net_capabilities(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	(void)d;
	(void)body;
	(void)len;
	(void)err;
	respond_json(resp, spec_encode_network_capabilities());
	return 0;
}

/* "10.9.0.1/16" -> "10.9.0.1" */
static void plain_ip(const char *cidr, char *out, size_t size)
{
	const char *slash = strchr(cidr, '/');
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	if (n >= size)
		n = size - 1;
	memcpy(out, cidr, n);
	out[n] = '\0';
}

/* IPvNData arrive from dockerd's IPAM; a Pool that is no prefix or a Gateway that is no address would
 * only surface later, as the Gateway of Join's answer. Refuse them while nothing has been done. */
static int check_ipdata(const struct spec_ipdata *ip, const char *label, sr_error *err)
{
	struct ipam_prefix pool;
	struct ipam_addr gateway;
	char plain[SPEC_CIDR_MAX];
	if (ip->pool[0] && ipam_prefix_parse(ip->pool, &pool, err) < 0)
		return sr_error_wrap(err, "%s.Pool", label);
	if (!ip->gateway[0])
		return 0;
	plain_ip(ip->gateway, plain, sizeof(plain));
	if (ipam_addr_parse(plain, &gateway, err) < 0)
		return sr_error_wrap(err, "%s.Gateway", label);
	return 0;
}

static int check_vfs_fit(const struct net_config *cfg, unsigned pf, int total, sr_error *err)
{
	if (!cfg->vfs_set && !cfg->pf_vfs_set[pf])
		return 0;
	for (int vf = total; vf < NET_MAX_VFS; vf++)
		if (net_config_vf_allowed(cfg, pf, vf))
			return sr_error_set(err, ERANGE, "vfs: VF %d is beyond %s's sriov_totalvfs (%d VFs: 0-%d)", vf,
					    cfg->pf_spec[pf], total, total - 1);
	return 0;
}

/* Every listed PF (or the NIC) to its PCI address. Two items that name one PF (its name and its
 * PCI address) would let one network count its VFs twice: refused. */
static int resolve_pfs(struct daemon *d, struct net_record *rec, sr_error *err)
{
	const struct net_config *c = &rec->cfg;
	for (unsigned i = 0; i < c->pf_count; i++) {
		if ((c->mode == NET_MODE_PASSTHROUGH ? nic_resolve(&d->host, c->pf_spec[i], rec->pf_pci[i], err)
						     : pf_resolve(&d->host, c->pf_spec[i], rec->pf_pci[i], err)) < 0)
			return -1;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(rec->pf_pci[j], rec->pf_pci[i]))
				return sr_error_set(err, EINVAL, "pf_iface: %s and %s are the same PF (%s), listed twice",
						    c->pf_spec[j], c->pf_spec[i], rec->pf_pci[i]);
	}
	return 0;
}

/* Each PF's sriov_totalvfs holds the network's vfs and numvfs for that PF. */
static int check_pf_sizes(struct daemon *d, const struct net_record *rec, sr_error *err)
{
	const struct net_config *c = &rec->cfg;
	for (unsigned i = 0; i < c->pf_count; i++) {
		int total;
		if (sysfs_pf_totalvfs(d->cfg.sysfs_root, rec->pf_pci[i], &total, err) < 0 ||
		    check_vfs_fit(c, i, total, err) < 0)
			return -1;
		if (c->numvfs > (unsigned)total)
			return sr_error_set(err, ERANGE, "numvfs %u out of range 1-%d (%s's sriov_totalvfs)", c->numvfs,
					    total, c->pf_spec[i]);
	}
	return 0;
}

/* A passthrough network has its NIC to itself: moving the PF's netdev into a container takes
 * with it the netdev every VF setting is made through (and, on many drivers, the VFs' uplink),
 * so neither mode shares a NIC with the other, nor a passthrough NIC with a second network.
 * Two sriov networks share a PF on different VLANs only. Checked for each PF of each. */
static int check_one_pf_free(const struct net_record *rec, unsigned i, const struct net_record *o, sr_error *err)
{
	const char *spec = rec->cfg.pf_spec[i], *pci = rec->pf_pci[i];
	if (rec->cfg.mode == NET_MODE_PASSTHROUGH)
		return sr_error_set_kind(err, SR_CONFLICT, EEXIST,
					 "NIC %s (%s) is already used by network %s (mode %s): mode=passthrough "
					 "needs the NIC to itself",
					 spec, pci, o->id, net_config_mode_name(o->cfg.mode));
	if (o->cfg.mode == NET_MODE_PASSTHROUGH)
		return sr_error_set_kind(err, SR_CONFLICT, EEXIST,
					 "PF %s (%s) is passed through whole by network %s (mode=passthrough): "
					 "its VFs cannot be configured while its netdev may be in a container",
					 spec, pci, o->id);
	if (o->cfg.vlan == rec->cfg.vlan)
		return sr_error_set_kind(err, SR_CONFLICT, EEXIST, "PF %s (%s) VLAN %u is already used by network %s",
					 spec, pci, rec->cfg.vlan, o->id);
	return 0;
}

/* Under d->lock: the passthrough network whose NIC spec names (as given to it, by its PCI
 * address, or by the name its endpoint's netdev had on the host), or NULL. A NIC in a container
 * has no netdev here, so resolving spec fails before check_pf_free could name the network. */
static const struct net_record *nic_holder(struct daemon *d, const char *spec)
{
	for (size_t i = 0; i < d->state.net_count; i++) {
		const struct net_record *n = &d->state.nets[i];
		if (n->cfg.mode == NET_MODE_PASSTHROUGH && (!strcmp(n->cfg.pf_spec[0], spec) || !strcmp(n->pf_pci[0], spec)))
			return n;
	}
	for (size_t i = 0; i < d->state.ep_count; i++) {
		const struct ep_record *e = &d->state.eps[i];
		if (e->passthrough && !strcmp(e->host.name, spec))
			return state_find_net(&d->state, e->network_id);
	}
	return NULL;
}

/* A pf_iface that did not resolve (err, ENODEV): when a passthrough network holds that NIC (in a
 * container now), the refusal names it, as check_pf_free does for a NIC that is here. */
static int name_nic_holder(struct daemon *d, struct net_record *rec, sr_error *err)
{
	int rc = -1;
	if (err->code != ENODEV)
		return -1;
	pthread_mutex_lock(&d->lock);
	for (unsigned i = 0; i < rec->cfg.pf_count && rc < 0; i++) {
		const struct net_record *o = nic_holder(d, rec->cfg.pf_spec[i]);
		if (!o)
			continue;
		snprintf(rec->pf_pci[i], sizeof(rec->pf_pci[i]), "%s", o->pf_pci[0]);
		sr_error_clear(err);
		check_one_pf_free(rec, i, o, err);
		rc = -2;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* A passthrough NIC the host uses (global addresses, routes through it, its default route) is
 * refused unless host_nic=allow: the container would take the host's own connectivity with it. */
static int check_nic_host_use(struct daemon *d, const struct net_record *rec, sr_error *err)
{
	struct nic_saved now;
	if (nic_read(&d->host, rec->pf_pci[0], &now, err) < 0 ||
	    nic_check_host_use(&now, rec->cfg.pf_spec[0], rec->cfg.host_nic_allow, err) < 0)
		return sr_error_kind(err, SR_CONFLICT);
	return 0;
}

static int check_pf_free(struct daemon *d, const struct net_record *rec, sr_error *err)
{
	for (size_t n = 0; n < d->state.net_count; n++) {
		const struct net_record *o = &d->state.nets[n];
		for (unsigned i = 0; i < rec->cfg.pf_count; i++)
			for (unsigned j = 0; j < o->cfg.pf_count; j++)
				if (!strcmp(o->pf_pci[j], rec->pf_pci[i]) && check_one_pf_free(rec, i, o, err) < 0)
					return -1;
	}
	return 0;
}

static bool same_pfs(const struct net_record *a, const struct net_record *b)
{
	const struct net_config *x = &a->cfg, *y = &b->cfg;
	if (x->pf_count != y->pf_count || x->pf_policy != y->pf_policy)
		return false;
	for (unsigned i = 0; i < x->pf_count; i++)
		if (strcmp(a->pf_pci[i], b->pf_pci[i]) != 0 || strcmp(x->pf_spec[i], y->pf_spec[i]) != 0 ||
		    x->pf_vfs_set[i] != y->pf_vfs_set[i] ||
		    (x->pf_vfs_set[i] && memcmp(x->pf_vfs_mask[i], y->pf_vfs_mask[i], sizeof(x->pf_vfs_mask[i])) != 0))
			return false;
	return true;
}

/* Everything CreateNetwork records, compared field by field (the structs hold padding). */
static bool same_network(const struct net_record *a, const struct net_record *b)
{
	const struct net_config *x = &a->cfg, *y = &b->cfg;
	return x->mode == y->mode && same_pfs(a, b) && a->internal == b->internal && !strcmp(a->gateway4, b->gateway4) &&
	       !strcmp(a->gateway6, b->gateway6) && !strcmp(a->pool4, b->pool4) && !strcmp(a->pool6, b->pool6) &&
	       x->vlan == y->vlan && x->qos == y->qos &&
	       x->vlan_proto == y->vlan_proto && x->spoofchk == y->spoofchk && x->trust == y->trust &&
	       x->link_state_set == y->link_state_set && (!x->link_state_set || x->link_state == y->link_state) &&
	       x->rate_set == y->rate_set && x->min_tx_rate == y->min_tx_rate && x->max_tx_rate == y->max_tx_rate &&
	       x->mtu == y->mtu && x->numvfs == y->numvfs && x->vfs_set == y->vfs_set &&
	       (!x->vfs_set || !memcmp(x->vfs_mask, y->vfs_mask, sizeof(x->vfs_mask))) && !strcmp(x->prefix, y->prefix) &&
	       x->host_nic_allow == y->host_nic_allow;
}

/* Each PF's VFs enabled now, so the first endpoint does not wait for them. */
static int prepare_pfs(struct daemon *d, const struct net_record *rec, sr_error *err)
{
	for (unsigned i = 0; i < rec->cfg.pf_count; i++)
		if (pf_prepare(&d->host, rec->pf_pci[i], rec->cfg.numvfs, err) < 0)
			return -1;
	return 0;
}

/* "PF enp1s0f0 (0000:01:00.0), enp1s0f1 (0000:01:00.1) VLAN 100, pf_policy spread" */
static void log_created(struct daemon *d, const struct net_record *rec)
{
	char pfs[NET_MAX_PFS * (NET_PF_SPEC_MAX + STATE_PCI_MAX + 6)] = "";
	size_t used = 0;
	for (unsigned i = 0; i < rec->cfg.pf_count; i++) {
		int n = snprintf(pfs + used, sizeof(pfs) - used, "%s%s (%s)", i ? ", " : "", rec->cfg.pf_spec[i],
				 rec->pf_pci[i]);
		if (n < 0 || (size_t)n >= sizeof(pfs) - used)
			break;
		used += (size_t)n;
	}
	sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s created: PF %s VLAN %u%s%s%s", rec->id, pfs, rec->cfg.vlan,
		   rec->cfg.pf_count > 1 ? ", pf_policy " : "",
		   rec->cfg.pf_count > 1 ? net_config_policy_name(rec->cfg.pf_policy) : "", rec->internal ? " internal" : "");
}

int handle_create_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_create_network req;
	struct net_record rec;
	bool locked = false;
	memset(&rec, 0, sizeof(rec));
	if (spec_decode_create_network(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	snprintf(rec.id, sizeof(rec.id), "%s", req.network_id);
	rec.internal = req.internal;
	if (net_config_parse(&req.generic, &rec.cfg, err) < 0)
		goto invalid;
	if ((req.ipv4_count > 0 && check_ipdata(&req.ipv4[0], "IPv4Data[0]", err) < 0) ||
	    (req.ipv6_count > 0 && check_ipdata(&req.ipv6[0], "IPv6Data[0]", err) < 0))
		goto invalid;
	if (req.ipv4_count > 0) {
		plain_ip(req.ipv4[0].gateway, rec.gateway4, sizeof(rec.gateway4));
		snprintf(rec.pool4, sizeof(rec.pool4), "%s", req.ipv4[0].pool);
	}
	if (req.ipv6_count > 0) {
		plain_ip(req.ipv6[0].gateway, rec.gateway6, sizeof(rec.gateway6));
		snprintf(rec.pool6, sizeof(rec.pool6), "%s", req.ipv6[0].pool);
	}
	pthread_mutex_lock(&d->net_lock);
	locked = true;
	if (resolve_pfs(d, &rec, err) < 0) {
		if (name_nic_holder(d, &rec, err) == -2)
			goto fail; /* a conflict, naming the network that holds the NIC */
		goto invalid;
	}
	pthread_mutex_lock(&d->lock);
	const struct net_record *found = state_find_net(&d->state, req.network_id);
	bool existing = found != NULL, same = found && same_network(found, &rec);
	if (same) /* Docker has it again: a delete left pending (network_delete) is off */
		state_net_set_delete_pending(&d->state, req.network_id, false);
	pthread_mutex_unlock(&d->lock);
	if (same) {
		/* dockerd retries a call whose connection broke after we did it: answer as the first time */
		sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s: CreateNetwork replayed, answered as the first time",
			   rec.id);
		pthread_mutex_unlock(&d->net_lock);
		spec_create_network_free(&req);
		respond_empty(resp);
		return 0;
	}
	if (existing) {
		sr_error_set_kind(err, SR_CONFLICT, EEXIST, "network %s already exists with other options", req.network_id);
		goto fail;
	}
	if (rec.cfg.mode == NET_MODE_SRIOV && check_pf_sizes(d, &rec, err) < 0)
		goto invalid;
	/* networks change only under net_lock: what is checked here holds until the add */
	pthread_mutex_lock(&d->lock);
	int pf_taken = check_pf_free(d, &rec, err);
	pthread_mutex_unlock(&d->lock);
	if (pf_taken < 0) /* a conflict (check_pf_free says so) */
		goto fail;
	if (rec.cfg.mode == NET_MODE_PASSTHROUGH && check_nic_host_use(d, &rec, err) < 0)
		goto fail;
	/* a passthrough NIC is left as it is: its endpoint saves and restores what the host had */
	if (rec.cfg.mode == NET_MODE_SRIOV && prepare_pfs(d, &rec, err) < 0)
		goto fail;
	pthread_mutex_lock(&d->lock);
	int added = state_add_net(&d->state, &rec, err) ? 0 : -1;
	if (added == 0 && state_save(&d->state, err) < 0) {
		state_remove_net(&d->state, rec.id);
		added = -1;
	}
	pthread_mutex_unlock(&d->lock);
	if (added < 0)
		goto fail;
	pthread_mutex_unlock(&d->net_lock);
	if (rec.cfg.mode == NET_MODE_PASSTHROUGH)
		sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s created: NIC %s (%s) passed through%s", rec.id,
			   rec.cfg.pf_spec[0], rec.pf_pci[0], rec.internal ? " internal" : "");
	else
		log_created(d, &rec);
	spec_create_network_free(&req);
	respond_empty(resp);
	return 0;
invalid: /* what the request asks for cannot be (bad options, PF, VF list) */
	sr_error_kind(err, SR_INVALID);
fail:
	if (locked)
		pthread_mutex_unlock(&d->net_lock);
	sr_log_msg(&d->log, SR_LOG_ERROR, "CreateNetwork %.12s: %s", req.network_id, err->msg);
	spec_create_network_free(&req);
	return -1;
}

/* Under d->lock, the network marked as being deleted (so no new CreateEndpoint starts on it) and
 * its operations in flight finished: every endpoint of it is marked DELETING and entered in
 * d->ops, copies in *out (and room for what reset_endpoints finds in *home). Docker's forced
 * cleanup may delete a network that still has some. -1: out of memory, nothing changed. */
static int take_network_endpoints(struct daemon *d, const char *network_id, struct ep_record **out, bool **home,
				  size_t *count, sr_error *err)
{
	size_t n = 0;
	sr_error save_err = {0};
	for (size_t i = 0; i < d->state.ep_count; i++)
		n += !strcmp(d->state.eps[i].network_id, network_id);
	*count = 0;
	*out = calloc(n ? n : 1, sizeof(**out));
	*home = calloc(n ? n : 1, sizeof(**home));
	if (!*out || !*home) {
		free(*out);
		free(*home);
		*out = NULL;
		*home = NULL;
		return sr_error_set_errno(err, ENOMEM, "network %.12s: its %zu endpoints", network_id, n);
	}
	for (size_t i = 0; i < d->state.ep_count; i++) {
		struct ep_record *ep = &d->state.eps[i];
		struct ep_op *op;
		if (strcmp(ep->network_id, network_id) != 0)
			continue;
		/* marked first, as DeleteEndpoint does: a crash during the resets is finished at start */
		ep->phase = EP_DELETING;
		state_touch_ep(&d->state, ep); /* changed in place: the save must write it */
		(*out)[(*count)++] = *ep;
		op = ep_ops_begin(d, ep->id, network_id, "deleted with its network", &save_err);
		if (op) {
			snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", ep->pf_pci);
			op->vf = ep->vf;
		}
	}
	if (*count && state_save(&d->state, &save_err) < 0)
		sr_log_msg(&d->log, SR_LOG_WARN, "DeleteNetwork %.12s: mark endpoints deleting: %s", network_id,
			   save_err.msg);
	return 0;
}

/* Without d->lock: each VF reset, each NIC given back; home[i]: endpoint i's VF (or NIC) is back
 * on the host as it was. Docker deletes a network only after its endpoints, but for a forced
 * clean-up. */
static void reset_endpoints(struct daemon *d, const struct ep_record *eps, size_t n, bool *home)
{
	for (size_t i = 0; i < n; i++) {
		sr_error err = {0};
		home[i] = false;
		if (ep_give_back(d, &eps[i], &home[i], &err) < 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "endpoint %.12s %s %s: %s", eps[i].id,
				   eps[i].passthrough ? "NIC" : "VF", eps[i].passthrough ? eps[i].pf_pci : eps[i].vf_pci,
				   err.msg);
	}
}

/* Under d->lock: the records go with their network, but for those whose VF is not home (left on
 * vfio-pci by a Kata VM that died, unbound, still in a namespace) or whose NIC is not back: those
 * stay as released, the proof that the VF is ours (a VF on vfio-pci without one is someone else's
 * and would leave the pool for good) and what the NIC is to be given back as. They outlive their
 * network: the pool takes such a VF back, the sweep drops the record once it is home, and status
 * lists it. A record already released stays as it is. */
static void drop_network_endpoints(struct daemon *d, const struct ep_record *eps, size_t n, const bool *home)
{
	for (size_t i = 0; i < n; i++) {
		struct ep_record *rec = state_ep_for_change(&d->state, eps[i].id);
		if (rec && !home[i]) {
			state_mark_released(&d->state, rec);
			sr_log_msg(&d->log, SR_LOG_INFO,
				   "endpoint %.12s released with its network; its %s %s is not %s yet: kept as released "
				   "until it is",
				   eps[i].id, eps[i].passthrough ? "NIC" : "VF", eps[i].passthrough ? eps[i].pf_pci : eps[i].vf_pci,
				   eps[i].passthrough ? "back in this namespace (restored as it was when it is)" :
							"on its host driver");
		} else {
			state_remove_ep(&d->state, eps[i].id);
			sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s released with its network", eps[i].id);
		}
		ep_ops_end(d, eps[i].id);
	}
}

/* DeleteNetwork's work (see handle_delete_network); wait_s bounds the wait for the network's
 * endpoint operations in flight. 1: no such network. */
static int network_delete(struct daemon *d, const char *network_id, int wait_s, sr_error *err)
{
	struct ep_record *eps = NULL;
	bool *home = NULL;
	size_t n;
	int saved;
	pthread_mutex_lock(&d->net_lock);
	pthread_mutex_lock(&d->lock);
	if (!state_find_net(&d->state, network_id)) {
		pthread_mutex_unlock(&d->lock);
		pthread_mutex_unlock(&d->net_lock);
		return 1;
	}
	snprintf(d->deleting_net, sizeof(d->deleting_net), "%s", network_id);
	if (ep_ops_wait_network_idle(d, network_id, wait_s, err) < 0 ||
	    take_network_endpoints(d, network_id, &eps, &home, &n, err) < 0) {
		/* Docker forgets the network whatever we answer: the sweep deletes it once it is idle */
		state_net_set_delete_pending(&d->state, network_id, true);
		d->deleting_net[0] = '\0';
		pthread_mutex_unlock(&d->lock);
		pthread_mutex_unlock(&d->net_lock);
		return sr_error_wrap(err, "network %.12s not deleted yet (deleted by the plugin's sweep once it can be)",
				     network_id);
	}
	pthread_mutex_unlock(&d->lock);
	if (n)
		daemon_fault_point(d, "mark network endpoints deleting");
	reset_endpoints(d, eps, n, home);
	if (n)
		daemon_fault_point(d, "reset network endpoints");
	pthread_mutex_lock(&d->lock);
	drop_network_endpoints(d, eps, n, home);
	/* the endpoints first: no save ever holds an endpoint of a network it does not list, but for
	 * released ones (above) */
	state_remove_net(&d->state, network_id);
	d->deleting_net[0] = '\0';
	/* Docker deletes the network on its side whatever we answer and never retries: a failed
	 * save keeps the delete pending (written as soon as the disk allows), never undone, so
	 * the network cannot come back to block its PF and VLAN. */
	saved = state_save(&d->state, err);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_unlock(&d->net_lock);
	free(eps);
	free(home);
	if (saved < 0)
		return sr_error_wrap(err,
				     "network %s deleted, but not yet saved (pending, written as soon as the disk allows)",
				     network_id);
	sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s deleted", network_id);
	return 0;
}

int handle_delete_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_network_ref req;
	if (spec_decode_network_ref(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	/* Docker repeats and replays deletes: an unknown network answers {} */
	if (network_delete(d, req.network_id, EP_OPS_WAIT_S, err) < 0) {
		sr_log_msg(&d->log, SR_LOG_ERROR, "DeleteNetwork %.12s: %s", req.network_id, err->msg);
		return -1;
	}
	respond_empty(resp);
	return 0;
}

void network_finish_pending_deletes(struct daemon *d)
{
	for (;;) {
		char id[SPEC_ID_MAX + 1] = "";
		sr_error err = {0};
		pthread_mutex_lock(&d->lock);
		for (size_t i = 0; i < d->state.net_count && !id[0]; i++)
			if (d->state.nets[i].delete_pending && !ep_ops_network_busy(d, d->state.nets[i].id))
				snprintf(id, sizeof(id), "%s", d->state.nets[i].id);
		pthread_mutex_unlock(&d->lock);
		if (!id[0] || daemon_stop_requested(d))
			return;
		sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s: its endpoint operations are done: deleting it now", id);
		if (network_delete(d, id, 0, &err) < 0) {
			sr_log_msg(&d->log, SR_LOG_ERROR, "sweep: %s", err.msg);
			return; /* busy again, or a save to retry: the next sweep */
		}
	}
}

int handle_allocate_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_allocate_network req;
	(void)d;
	if (spec_decode_allocate_network(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	spec_allocate_network_free(&req);
	/* Local scope: nothing to allocate cluster-wide. */
	respond_json(resp, spec_encode_allocate_network());
	return 0;
}

int handle_free_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_network_ref req;
	(void)d;
	if (spec_decode_network_ref(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	respond_empty(resp);
	return 0;
}

int handle_discover(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_discover req;
	(void)d;
	if (spec_decode_discover(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	respond_empty(resp);
	return 0;
}

/* No external connectivity to program: VFs reach the wire directly. */
int handle_program_external(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_endpoint_ref req;
	(void)d;
	if (spec_decode_endpoint_ref(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	respond_empty(resp);
	return 0;
}

int handle_revoke_external(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	return handle_program_external(d, body, len, resp, err);
}
