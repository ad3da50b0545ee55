#include "status_view.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../host/net_config.h"
#include "../host/sysfs.h"
#include "json_mac.h"

/* Builds objects member by member; the first failure (out of memory) sticks. put and append
 * always consume value: when the container itself could not be allocated, value is freed here
 * (json_*_set_new only takes ownership when it gets a container). */
struct builder {
	bool failed;
};

static void put(struct builder *b, json_t *obj, const char *key, json_t *value)
{
	if (!obj) {
		json_decref(value);
		b->failed = true;
		return;
	}
	if (!value || json_object_set_new(obj, key, value) < 0)
		b->failed = true;
}

static void append(struct builder *b, json_t *array, json_t *value)
{
	if (!array) {
		json_decref(value);
		b->failed = true;
		return;
	}
	if (!value || json_array_append_new(array, value) < 0)
		b->failed = true;
}

static const char *vlan_proto_name(unsigned proto)
{
	return proto == NLK_VLAN_8021AD ? "802.1ad" : "802.1Q";
}

static const char *link_state_name(int state)
{
	switch (state) {
	case NLK_VF_LINK_ENABLE:
		return "enable";
	case NLK_VF_LINK_DISABLE:
		return "disable";
	default:
		return "auto";
	}
}

static const char *phase_name(int phase)
{
	static const char *const phases[] = {"ready", "creating", "deleting", "released"};
	return phase >= 0 && phase <= EP_RELEASED ? phases[phase] : "?";
}

static json_t *owner_json(struct builder *b, const struct ep_record *ep)
{
	json_t *o = json_object();
	if (!ep) {
		json_decref(o);
		return json_null();
	}
	put(b, o, "network", json_string(ep->network_id));
	put(b, o, "endpoint", json_string(ep->id));
	put(b, o, "sandbox", json_string(ep->sandbox_key));
	put(b, o, "joined", json_boolean(ep->joined));
	put(b, o, "address4", json_string(ep->address4));
	put(b, o, "address6", json_string(ep->address6));
	put(b, o, "phase", json_string(phase_name(ep->phase)));
	/* released: Docker is done, the VF (or NIC) is not back yet; why, as last seen */
	if (ep->phase == EP_RELEASED)
		put(b, o, "pending", json_string(ep->pending[0] ? ep->pending : "not back on its host driver yet"));
	return o;
}

static json_t *vf_json(struct builder *b, struct daemon *d, struct state *st, const char *pf_pci,
		       const char *pf_ifname, int vf)
{
	const char *root = d->cfg.sysfs_root;
	char vf_pci[SYSFS_PCI_MAX] = "", driver[SYSFS_DRIVER_MAX] = "", netdev[SYSFS_IFNAME_MAX] = "";
	struct nlk_vf_config cfg = {0};
	sr_error err = {0};
	bool found = false, have_cfg = false;
	json_t *o = json_object();

	put(b, o, "vf", json_integer(vf));
	if (sysfs_vf_pci(root, pf_pci, vf, vf_pci, &err) == 0) {
		/* A VF moved into a container has no netdev here: "" is the honest answer. */
		if (sysfs_pci_driver(root, vf_pci, driver, &err) < 0 ||
		    sysfs_pci_netdev(root, vf_pci, netdev, &found, &err) < 0)
			put(b, o, "error", json_string(err.msg));
	} else {
		put(b, o, "error", json_string(err.msg));
	}
	put(b, o, "pci", json_string(vf_pci));
	put(b, o, "driver", json_string(driver));
	put(b, o, "netdev", json_string(found ? netdev : ""));
	if (pf_ifname[0]) {
		sr_error_clear(&err);
		if (nlk_vf_get(d->host.nl, pf_ifname, vf, &cfg, &err) == 0)
			have_cfg = true;
		else if (!json_object_get(o, "error"))
			put(b, o, "error", json_string(err.msg));
	}
	put(b, o, "mac", have_cfg ? json_mac(cfg.mac) : json_string(""));
	put(b, o, "vlan", json_integer(have_cfg ? (json_int_t)cfg.vlan : 0));
	put(b, o, "qos", json_integer(have_cfg ? (json_int_t)cfg.qos : 0));
	put(b, o, "spoofchk", have_cfg && cfg.has_spoofchk ? json_boolean(cfg.spoofchk) : json_null());
	put(b, o, "trust", have_cfg && cfg.has_trust ? json_boolean(cfg.trust) : json_null());
	put(b, o, "owner", owner_json(b, state_find_vf_owner(st, pf_pci, vf)));
	return o;
}

/* The endpoint that holds (or last held, released) a passthrough NIC, or NULL. */
static const struct ep_record *nic_owner(const struct state *st, const char *pci)
{
	for (size_t i = 0; i < st->ep_count; i++)
		if (st->eps[i].passthrough && !strcmp(st->eps[i].pf_pci, pci))
			return &st->eps[i];
	return NULL;
}

/* A passthrough NIC: no VFs to list; who has it, and what it is given back as. */
static void nic_json(struct builder *b, json_t *o, const struct state *st, const char *pci)
{
	const struct ep_record *ep = nic_owner(st, pci);
	json_t *owner = owner_json(b, ep);
	if (ep && json_is_object(owner)) {
		put(b, owner, "released", json_boolean(ep->phase == EP_RELEASED));
		put(b, owner, "host_name", json_string(ep->host.name));
		put(b, owner, "host_mac", json_mac(ep->host.mac));
		put(b, owner, "host_mtu", json_integer(ep->host.mtu));
		put(b, owner, "host_up", json_boolean(ep->host.up));
	}
	put(b, o, "mode", json_string("passthrough"));
	put(b, o, "owner", owner);
}

static json_t *pf_json(struct builder *b, struct daemon *d, struct state *st, const char *pf_pci, bool passthrough)
{
	const char *root = d->cfg.sysfs_root;
	char ifname[SYSFS_IFNAME_MAX] = "", driver[SYSFS_DRIVER_MAX] = "";
	struct nlk_link_info info;
	sr_error err = {0};
	bool found = false;
	int total = 0, num = 0;
	const char *link = "unknown";
	json_t *o = json_object(), *vfs = json_array();

	if (sysfs_pci_netdev(root, pf_pci, ifname, &found, &err) < 0)
		put(b, o, "error", json_string(err.msg));
	else if (!found && !passthrough) /* a passthrough NIC in its container is no error */
		put(b, o, "error", json_string("no network interface in the daemon's namespace"));
	if (passthrough)
		nic_json(b, o, st, pf_pci);
	if (sysfs_pci_driver(root, pf_pci, driver, &err) < 0 ||
	    (!passthrough && (sysfs_pf_totalvfs(root, pf_pci, &total, &err) < 0 ||
			      sysfs_pf_numvfs(root, pf_pci, &num, &err) < 0))) {
		if (!json_object_get(o, "error"))
			put(b, o, "error", json_string(err.msg));
	}
	if (found) {
		if (nlk_link_get(d->host.nl, ifname, &info, &err) == 0)
			link = info.up ? "up" : "down";
		else if (!json_object_get(o, "error"))
			put(b, o, "error", json_string(err.msg));
	}
	put(b, o, "name", json_string(found ? ifname : ""));
	put(b, o, "pci", json_string(pf_pci));
	put(b, o, "driver", json_string(driver));
	put(b, o, "link", json_string(link));
	put(b, o, "numvfs", json_integer(num));
	put(b, o, "totalvfs", json_integer(total));
	for (int vf = 0; vf < num && !passthrough && !b->failed; vf++)
		append(b, vfs, vf_json(b, d, st, pf_pci, found ? ifname : "", vf));
	put(b, o, "vfs", vfs);
	return o;
}

static json_t *options_json(struct builder *b, const struct net_config *c)
{
	json_t *o = json_object();
	char vfs[1024];
	if (c->mode == NET_MODE_PASSTHROUGH) { /* none of the VF options applies */
		put(b, o, "mode", json_string("passthrough"));
		if (c->mtu)
			put(b, o, "mtu", json_integer(c->mtu));
		put(b, o, "prefix", json_string(c->prefix));
		return o;
	}
	put(b, o, "vlan", json_integer(c->vlan));
	put(b, o, "qos", json_integer(c->qos));
	put(b, o, "vlan_proto", json_string(vlan_proto_name(c->vlan_proto)));
	put(b, o, "spoofchk", json_boolean(c->spoofchk));
	put(b, o, "trust", json_boolean(c->trust));
	if (c->link_state_set)
		put(b, o, "link_state", json_string(link_state_name(c->link_state)));
	if (c->rate_set) {
		put(b, o, "min_tx_rate", json_integer(c->min_tx_rate));
		put(b, o, "max_tx_rate", json_integer(c->max_tx_rate));
	}
	if (c->mtu)
		put(b, o, "mtu", json_integer(c->mtu));
	if (c->numvfs)
		put(b, o, "numvfs", json_integer(c->numvfs));
	if (c->vfs_set) {
		net_config_format_vf_list(c->vfs_mask, vfs, sizeof(vfs));
		put(b, o, "vfs", json_string(vfs));
	}
	put(b, o, "prefix", json_string(c->prefix));
	return o;
}

/* Where a network's PF stands: "ok" (its netdev is here), "no netdev" (driver unbound, or the
 * netdev in a container) or "gone" (no such PCI device): its endpoints' VFs are then unknown. */
struct pf_seen {
	char name[SYSFS_IFNAME_MAX];
	const char *state;
};

static void pf_look(struct daemon *d, const char *pci, struct pf_seen *out)
{
	sr_error err = {0};
	bool found = false;
	out->name[0] = '\0';
	if (!sysfs_pci_exists(d->cfg.sysfs_root, pci))
		out->state = "gone";
	else if (sysfs_pci_netdev(d->cfg.sysfs_root, pci, out->name, &found, &err) < 0 || !found)
		out->state = "no netdev";
	else
		out->state = "ok";
	if (!found)
		out->name[0] = '\0';
}

/* The network's PFs in list order: as given, PCI address, netdev, state, its endpoints there
 * and its own vfs ranges, if vfs named it. */
static json_t *network_pfs_json(struct builder *b, struct state *st, const struct net_record *n,
				const struct pf_seen seen[NET_MAX_PFS])
{
	json_t *list = json_array();
	char vfs[1024];
	for (unsigned p = 0; p < n->cfg.pf_count; p++) {
		json_t *o = json_object();
		json_int_t endpoints = 0;
		for (size_t i = 0; i < st->ep_count; i++)
			if (!strcmp(st->eps[i].network_id, n->id) && !strcmp(st->eps[i].pf_pci, n->pf_pci[p]))
				endpoints++;
		put(b, o, "pf", json_string(n->cfg.pf_spec[p]));
		put(b, o, "pci", json_string(n->pf_pci[p]));
		put(b, o, "name", json_string(seen[p].name));
		put(b, o, "state", json_string(seen[p].state));
		put(b, o, "endpoints", json_integer(endpoints));
		if (n->cfg.pf_vfs_set[p]) {
			net_config_format_vf_list(n->cfg.pf_vfs_mask[p], vfs, sizeof(vfs));
			put(b, o, "vfs", json_string(vfs));
		}
		append(b, list, o);
	}
	return list;
}

/* Each endpoint of the network and the PF its VF (or NIC) came from, with that PF's state: an
 * endpoint whose PF is gone is listed here even though no PF entry shows its VF. */
static json_t *network_eps_json(struct builder *b, struct state *st, const struct net_record *n,
				const struct pf_seen seen[NET_MAX_PFS])
{
	json_t *list = json_array();
	for (size_t i = 0; i < st->ep_count; i++) {
		const struct ep_record *e = &st->eps[i];
		const struct pf_seen *pf = NULL;
		json_t *o;
		if (strcmp(e->network_id, n->id) != 0)
			continue;
		for (unsigned p = 0; p < n->cfg.pf_count && !pf; p++)
			if (!strcmp(e->pf_pci, n->pf_pci[p]))
				pf = &seen[p];
		o = json_object();
		put(b, o, "id", json_string(e->id));
		put(b, o, "kind", json_string(e->passthrough ? "nic" : "vf"));
		put(b, o, "pf", json_string(pf ? pf->name : ""));
		put(b, o, "pf_pci", json_string(e->pf_pci));
		put(b, o, "pf_state", json_string(pf ? pf->state : "not the network's"));
		put(b, o, "vf", json_integer(e->vf));
		put(b, o, "vf_pci", json_string(e->vf_pci));
		if (e->passthrough) /* the NIC itself: where it is, what it goes back as */
			put(b, o, "host_name", json_string(e->host.name));
		put(b, o, "phase", json_string(phase_name(e->phase)));
		append(b, list, o);
	}
	return list;
}

static json_t *network_json(struct builder *b, struct daemon *d, struct state *st, const struct net_record *n)
{
	json_t *o = json_object();
	json_int_t endpoints = 0;
	struct pf_seen seen[NET_MAX_PFS];
	for (size_t i = 0; i < st->ep_count; i++)
		if (!strcmp(st->eps[i].network_id, n->id))
			endpoints++;
	for (unsigned p = 0; p < n->cfg.pf_count; p++)
		pf_look(d, n->pf_pci[p], &seen[p]);
	put(b, o, "id", json_string(n->id));
	put(b, o, "pf", json_string(n->cfg.pf_spec[0])); /* the first PF: older readers know only one */
	put(b, o, "pf_pci", json_string(n->pf_pci[0]));
	put(b, o, "pfs", network_pfs_json(b, st, n, seen));
	put(b, o, "pf_policy", json_string(net_config_policy_name(n->cfg.pf_policy)));
	put(b, o, "internal", json_boolean(n->internal));
	put(b, o, "pool4", json_string(n->pool4));
	put(b, o, "gateway4", json_string(n->gateway4));
	put(b, o, "pool6", json_string(n->pool6));
	put(b, o, "gateway6", json_string(n->gateway6));
	put(b, o, "endpoints", json_integer(endpoints));
	put(b, o, "endpoint_list", network_eps_json(b, st, n, seen));
	put(b, o, "options", options_json(b, &n->cfg));
	return o;
}

/* Each PF once, in the order networks name them. */
static bool pf_listed_before(struct state *st, size_t i, unsigned p)
{
	const char *pci = st->nets[i].pf_pci[p];
	for (size_t j = 0; j <= i; j++) {
		unsigned end = j < i ? st->nets[j].cfg.pf_count : p; /* network i: only its PFs before p */
		for (unsigned q = 0; q < end; q++)
			if (!strcmp(st->nets[j].pf_pci[q], pci))
				return true;
	}
	return false;
}

/* Every released record (Docker deleted the endpoint; the VF is not home yet, or the NIC not
 * back): the proof that the device is ours, kept until it is home and reset, also when its
 * network is deleted (then no PF of a network may list it). */
static json_t *released_json(struct builder *b, struct daemon *d, struct state *st)
{
	json_t *list = json_array();
	for (size_t i = 0; i < st->ep_count && !b->failed; i++) {
		const struct ep_record *e = &st->eps[i];
		char driver[SYSFS_DRIVER_MAX] = "";
		sr_error err = {0};
		json_t *o;
		if (e->phase != EP_RELEASED)
			continue;
		o = json_object();
		if (sysfs_pci_driver(d->cfg.sysfs_root, e->vf_pci, driver, &err) < 0)
			put(b, o, "error", json_string(err.msg));
		put(b, o, "endpoint", json_string(e->id));
		put(b, o, "network", json_string(e->network_id));
		put(b, o, "network_deleted", json_boolean(state_find_net(st, e->network_id) == NULL));
		put(b, o, "kind", json_string(e->passthrough ? "nic" : "vf"));
		put(b, o, "pf_pci", json_string(e->pf_pci));
		put(b, o, "vf", json_integer(e->vf));
		put(b, o, "pci", json_string(e->vf_pci));
		put(b, o, "driver", json_string(driver));
		put(b, o, "waiting_for",
		    json_string(e->passthrough ? "the NIC back in this namespace, to restore it" :
						 "the VF on its host driver (the pool or the sweep takes it back)"));
		if (e->pending[0]) /* why the last attempt left it there */
			put(b, o, "pending", json_string(e->pending));
		if (e->passthrough)
			put(b, o, "host_name", json_string(e->host.name));
		append(b, list, o);
	}
	return list;
}

json_t *status_view_build(struct daemon *d, struct state *st)
{
	struct builder b = {false};
	json_t *view = json_object(), *pfs = json_array(), *nets = json_array();
	put(&b, view, "version", json_string(SRIOV_PLUGIN_VERSION));
	for (size_t i = 0; i < st->net_count && !b.failed; i++)
		for (unsigned p = 0; p < st->nets[i].cfg.pf_count && !b.failed; p++)
			if (!pf_listed_before(st, i, p))
				append(&b, pfs, pf_json(&b, d, st, st->nets[i].pf_pci[p],
							st->nets[i].cfg.mode == NET_MODE_PASSTHROUGH));
	for (size_t i = 0; i < st->net_count && !b.failed; i++)
		append(&b, nets, network_json(&b, d, st, &st->nets[i]));
	put(&b, view, "pfs", pfs);
	put(&b, view, "networks", nets);
	put(&b, view, "released", released_json(&b, d, st));
	if (b.failed) {
		json_decref(view);
		return NULL;
	}
	return view;
}
