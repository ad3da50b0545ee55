/* NetworkDriver handlers for endpoints: one VF per endpoint, or (mode=passthrough) the network's
 * whole NIC to its one endpoint. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../../spec/spec.h"
#include "handlers.h"
#include "mac_derive.h"
#include "../host/pf.h"
#include "../host/vf_pool.h"
#include "pf_choose.h"
#include "../host/vf_setup.h"
#include "../host/nic.h"
#include "ep_clock.h"
#include "ep_give_back.h"
#include "ep_vf.h"
#include "events.h"

/* Called with d->lock held: endpoints recorded, and creates in flight that chose theirs. */
static bool mac_in_use(struct daemon *d, const uint8_t mac[6], const char **owner)
{
	for (size_t i = 0; i < d->state.ep_count; i++) {
		/* a released record's VF was reset: its MAC is nobody's any more */
		if (d->state.eps[i].phase != EP_RELEASED && !memcmp(d->state.eps[i].mac, mac, 6)) {
			*owner = d->state.eps[i].id;
			return true;
		}
	}
	*owner = ep_ops_mac_owner(d, mac);
	return *owner != NULL;
}

/* Locally administered unicast, unique among our endpoints, and derived from the network and the
 * address (mac_derive.h) so that the same container IP gets the same MAC on every host and after
 * every restart. Random only for an endpoint with no address at all. */
static int generate_mac(struct daemon *d, const struct spec_create_endpoint *req, uint8_t mac[6], sr_error *err)
{
	const char *owner;
	for (unsigned attempt = 0; attempt < 16; attempt++) {
		if (mac_derive(req->network_id, req->address, req->address_ipv6, attempt, mac) < 0) {
			if (getrandom(mac, 6, 0) != 6)
				return sr_error_set_errno(err, errno, "generate a MAC address");
			mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
		}
		if (!mac_in_use(d, mac, &owner) && nlk_mac_is_unicast(mac))
			return 0;
	}
	return sr_error_set(err, EAGAIN, "could not generate a unique MAC address");
}

static int choose_mac(struct daemon *d, const struct spec_create_endpoint *req, uint8_t mac[6], bool *generated,
		      sr_error *err)
{
	const char *owner;
	*generated = false;
	if (!req->mac_address[0]) {
		*generated = true;
		return generate_mac(d, req, mac, err);
	}
	if (nlk_mac_parse(req->mac_address, mac) < 0)
		return sr_error_set(err, EINVAL, "Interface.MacAddress '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				    req->mac_address);
	if (!nlk_mac_is_unicast(mac))
		return sr_error_set(err, EINVAL, "Interface.MacAddress %s is not a unicast address", req->mac_address);
	if (mac_in_use(d, mac, &owner))
		return sr_error_set(err, EEXIST, "Interface.MacAddress %s is already used by endpoint %.12s",
				    req->mac_address, owner);
	return 0;
}

/* The same CreateEndpoint again (same network and addresses, same requested MAC or none): fills mac_text
 * with the MAC to return ("" when Docker gave it). */
static bool retried_create(const struct ep_record *ep, const struct spec_create_endpoint *req, char mac_text[18])
{
	uint8_t mac[6];
	mac_text[0] = '\0';
	if (ep->phase != EP_READY || strcmp(ep->network_id, req->network_id) != 0 ||
	    strcmp(ep->address4, req->address) != 0 || strcmp(ep->address6, req->address_ipv6) != 0)
		return false;
	if (!req->mac_address[0]) {
		nlk_mac_format(ep->mac, mac_text);
		return true;
	}
	return nlk_mac_parse(req->mac_address, mac) == 0 && !memcmp(mac, ep->mac, 6);
}

/* A released record is the plugin's own proof that a VF off its host driver is ours; Docker is done
 * with that endpoint. When Docker uses the ID again (it retries a CreateEndpoint whose connection
 * broke, and the crash left the VF unbound), the record is renamed, never lost, and the ID is free. */
static void set_aside_released(struct daemon *d, const struct ep_record *rec)
{
	struct ep_record moved = *rec;
	char old[SPEC_ID_MAX + 1];
	sr_error err = {0};
	snprintf(old, sizeof(old), "%s", rec->id); /* rec goes with state_remove_ep */
	/* among ep_count + 1 names one is free */
	for (size_t n = 0; n <= d->state.ep_count; n++) {
		snprintf(moved.id, sizeof(moved.id), "%.100s.released%zu", old, n);
		if (!state_find_ep(&d->state, moved.id))
			break;
	}
	/* removed and added (not renamed in place): each record is its own file */
	state_remove_ep(&d->state, old);
	if (!state_add_ep(&d->state, &moved, &err))
		sr_log_msg(&d->log, SR_LOG_ERROR, "released VF %d (%s): %s", moved.vf, moved.vf_pci, err.msg);
	sr_log_msg(&d->log, SR_LOG_INFO, "endpoint ID %.12s is used again: its released VF %d (%s) is recorded as %s",
		   old, moved.vf, moved.vf_pci, moved.id);
}

/* Drops a record whose VF is back as it was; a failed save only leaves a CREATING record,
 * which the next start resets and drops. Takes d->lock. */
static void forget_endpoint(struct daemon *d, const char *id)
{
	sr_error err = {0};
	pthread_mutex_lock(&d->lock);
	state_remove_ep(&d->state, id);
	if (state_save(&d->state, &err) < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "forget endpoint %.12s: %s", id, err.msg);
	pthread_mutex_unlock(&d->lock);
}

/* Under d->lock: the passthrough part of create_begin. The NIC goes to one endpoint: a second
 * one is refused while the first holds it, and while a released one's NIC has not come back.
 * The container keeps the MAC Docker gave; without one, it keeps the NIC's own (read at create,
 * *generated: returned to Docker, which may fill only what it left empty). */
static int nic_create_begin(struct daemon *d, const struct spec_create_endpoint *req, const struct net_record *n,
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
	if (!*generated && choose_mac(d, req, ep->mac, generated, err) < 0)
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

/* Under d->lock: everything CreateEndpoint decides from memory. Waits for another request on
 * the same ID; answers a retry of a finished create (1, mac_text filled, "" when Docker gave
 * the MAC); else chooses the MAC and enters the operation (0, *net a copy of the network).
 * -1: refused (err, with its kind). */
static int create_begin(struct daemon *d, const struct spec_create_endpoint *req, struct net_record *net,
			struct ep_record *ep, bool *generated, char mac_text[18], sr_error *err)
{
	const struct net_record *n;
	const struct ep_record *existing;
	struct ep_op *op;
	if (ep_ops_wait_idle(d, req->endpoint_id, err) < 0)
		return -1;
	n = state_find_net(&d->state, req->network_id);
	if (!n)
		return sr_error_set_kind(err, SR_NOT_FOUND, ENOENT, "network %s not found", req->network_id);
	if (!strcmp(d->deleting_net, n->id) || n->delete_pending)
		return sr_error_set_kind(err, SR_NOT_FOUND, ENOENT, "network %s is being deleted", req->network_id);
	existing = state_find_ep(&d->state, req->endpoint_id);
	if (existing && existing->phase == EP_RELEASED) {
		set_aside_released(d, existing);
		existing = NULL;
	}
	if (existing) {
		/* dockerd retries a call whose connection broke (we crashed after doing it): answer
		 * as the first time */
		if (retried_create(existing, req, mac_text))
			return 1;
		return sr_error_set_kind(err, SR_CONFLICT, EEXIST, "endpoint %s already exists", req->endpoint_id);
	}
	if (n->cfg.mode == NET_MODE_PASSTHROUGH)
		return nic_create_begin(d, req, n, net, ep, generated, err);
	if (choose_mac(d, req, ep->mac, generated, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	*net = *n;
	op = ep_ops_begin(d, req->endpoint_id, n->id, "created", err);
	if (!op)
		return -1;
	memcpy(op->mac, ep->mac, 6);
	op->has_mac = true;
	return 0;
}

/* Takes d->lock: the record, in phase CREATING, written before the VF is touched. */
static int create_record(struct daemon *d, const struct ep_record *ep, sr_error *err)
{
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	if (!state_add_ep(&d->state, ep, err))
		rc = -1;
	else if (state_save(&d->state, err) < 0) {
		state_remove_ep(&d->state, ep->id);
		rc = -1;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static int create_commit(struct daemon *d, const char *id, sr_error *err)
{
	struct ep_record *rec;
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	rec = state_ep_for_change(&d->state, id);
	if (!rec) /* nobody removes a record whose operation is in flight; checked all the same */
		rc = sr_error_set(err, ENOENT, "endpoint %.12s vanished while being created", id);
	else {
		rec->phase = EP_READY;
		if (state_save(&d->state, err) < 0) {
			rec->phase = EP_CREATING;
			rc = -1;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* A passthrough endpoint: the NIC's host settings read and written down (CREATING) before
 * anything changes, then the network's MTU, if it has one, set on the NIC. Nothing else is
 * touched before Join: dockerd moves the netdev, renames it and sets the MAC it knows. */
static int create_nic(struct daemon *d, const struct net_record *net, struct ep_record *ep, sr_error *err)
{
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
	if (create_record(d, ep, err) < 0)
		return -1;
	daemon_fault_point(d, "record endpoint");
	if (net->cfg.mtu && net->cfg.mtu != ep->host.mtu &&
	    nlk_link_set_mtu(d->host.nl, ep->host.name, net->cfg.mtu, err) < 0) {
		forget_endpoint(d, ep->id);
		return sr_error_wrap(err, "NIC %s (%s)", net->cfg.pf_spec[0], net->pf_pci[0]);
	}
	if (create_commit(d, ep->id, err) < 0) {
		sr_error undo = {0};
		bool home;
		if (ep_give_back(d, ep, &home, &undo) < 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "undo of endpoint %.12s: %s", ep->id, undo.msg);
		forget_endpoint(d, ep->id);
		return -1;
	}
	return 0;
}

/* Shape: decide and reserve under d->lock (create_begin, then the VF claim in vf_pool_take),
 * work on the kernel without it, record and commit under it. The operation in d->ops keeps
 * the ID, the VF and the MAC ours throughout. */
int handle_create_endpoint(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_create_endpoint req;
	struct ep_record ep;
	struct pf_pick pick;
	struct net_record net;
	char pf[SYSFS_IFNAME_MAX];
	char mac_text[18] = "";
	bool generated = false, in_ops = false;
	int begun;
	memset(&ep, 0, sizeof(ep));
	memset(&net, 0, sizeof(net));
	if (spec_decode_create_endpoint(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	pthread_mutex_lock(&d->lock);
	begun = create_begin(d, &req, &net, &ep, &generated, mac_text, err);
	pthread_mutex_unlock(&d->lock);
	if (begun > 0) {
		spec_create_endpoint_free(&req);
		respond_json(resp, spec_encode_create_endpoint(mac_text[0] ? mac_text : NULL));
		return 0;
	}
	if (begun < 0)
		goto fail;
	in_ops = true;
	snprintf(ep.id, sizeof(ep.id), "%s", req.endpoint_id);
	snprintf(ep.network_id, sizeof(ep.network_id), "%s", net.id);
	snprintf(ep.address4, sizeof(ep.address4), "%s", req.address);
	snprintf(ep.address6, sizeof(ep.address6), "%s", req.address_ipv6);
	ep_clock_mark_unjoined(d, &ep);
	if (net.cfg.mode == NET_MODE_PASSTHROUGH) {
		if (create_nic(d, &net, &ep, err) < 0)
			goto fail;
		ep_ops_end_locking(d, ep.id);
		nlk_mac_format(ep.mac, mac_text);
		event_vf(d, METRICS_EV_HANDED_OUT, &ep, SR_LOG_INFO, "endpoint %.12s: NIC %s (%s) passed through, MAC %s%s", ep.id,
			   ep.host.name, ep.pf_pci, mac_text, generated ? " (its own)" : "");
		spec_create_endpoint_free(&req);
		respond_json(resp, spec_encode_create_endpoint(generated ? mac_text : NULL));
		return 0;
	}
	if (pf_choose_vf(d, &net, req.endpoint_id, &pick, err) < 0)
		goto fail;
	/* every VF setting below goes through this VF's own PF */
	memcpy(pf, pick.ifname, sizeof(pf));
	snprintf(ep.pf_pci, sizeof(ep.pf_pci), "%s", net.pf_pci[pick.pf]);
	snprintf(ep.vf_pci, sizeof(ep.vf_pci), "%s", pick.vf.vf_pci);
	ep.vf = pick.vf.vf;
	/* the VF's identity for the sweep (reconcile.c vf_lost); without it the next sweep takes it */
	if (sysfs_pci_instance(d->cfg.sysfs_root, ep.vf_pci, ep.vf_instance, err) < 0)
		sr_log_msg(&d->log, SR_LOG_DEBUG, "endpoint %.12s: %s", ep.id, err->msg);
	sr_error_clear(err);
	daemon_hold_point(d, "create-reserved", ep.id, ep.vf);
	/* the VF is on its host driver now (checked free): named when it is taken back from vfio-pci */
	if (sysfs_pci_driver(d->cfg.sysfs_root, ep.vf_pci, ep.vf_driver, err) < 0 ||
	    nlk_vf_get(d->host.nl, pf, ep.vf, &ep.saved, err) < 0)
		goto fail;
	/* the netdev's MTU too, put back at reset: the next network may leave MTU alone */
	struct nlk_link_info vf_link;
	sr_error no_link = {0};
	if (nlk_link_get(d->host.nl, pick.vf.netdev, &vf_link, &no_link) == 0)
		ep.saved_mtu = vf_link.mtu;
	else
		sr_log_msg(&d->log, SR_LOG_DEBUG, "endpoint %.12s: VF netdev MTU not saved: %s", ep.id, no_link.msg);
	/* Written down before the VF is touched: a crash from here on is undone at the next start. */
	ep.phase = EP_CREATING;
	if (create_record(d, &ep, err) < 0)
		goto fail;
	daemon_fault_point(d, "record endpoint");
	/* reachable only with real VFs (the host suites' veth PF fails nlk_vf_get above) */
	daemon_hold_point(d, "create-recorded", ep.id, ep.vf);
	uint64_t setup_started = metrics_now_ns();
	if (vf_apply(&d->host, pf, &net.cfg, EP_VF(&ep), err) < 0) {
		atomic_fetch_add_explicit(&d->metrics.vf_setup_failed, 1, memory_order_relaxed);
		forget_endpoint(d, ep.id);
		goto fail;
	}
	metrics_hist_observe_ns(&d->metrics.vf_setup, metrics_now_ns() - setup_started);
	if (create_commit(d, ep.id, err) < 0) {
		sr_error reset_err = {0};
		if (vf_reset(&d->host, pf, EP_VF(&ep), &reset_err) < 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "undo of endpoint %.12s: %s", ep.id, reset_err.msg);
		forget_endpoint(d, ep.id);
		goto fail;
	}
	daemon_fault_point(d, "endpoint ready");
	ep_ops_end_locking(d, ep.id);
	nlk_mac_format(ep.mac, mac_text);
	event_vf(d, METRICS_EV_HANDED_OUT, &ep, SR_LOG_INFO, "endpoint %.12s: PF %s VF %d (%s) MAC %s VLAN %u", ep.id, pf, ep.vf, ep.vf_pci,
		   mac_text, net.cfg.vlan);
	spec_create_endpoint_free(&req);
	/* Only fields Docker left empty may be returned: anything else makes it roll back. */
	respond_json(resp, spec_encode_create_endpoint(generated ? mac_text : NULL));
	return 0;
fail:
	if (in_ops)
		ep_ops_end_locking(d, req.endpoint_id);
	sr_log_msg(&d->log, SR_LOG_ERROR, "CreateEndpoint %.12s: %s", req.endpoint_id, err->msg);
	spec_create_endpoint_free(&req);
	return -1;
}

static bool sandbox_key_valid(const char *key)
{
	return key[0] == '/' && !strstr(key, "/../") && !strstr(key, "/./") &&
	       strcmp(key + strlen(key) - (strlen(key) >= 3 ? 3 : 0), "/..") != 0;
}

/* Under d->lock: the checks of a Join, and its operation entered (copies in *ep and *net). */
static int join_begin(struct daemon *d, const struct spec_join *req, struct ep_record *ep, struct net_record *net,
		      sr_error *err)
{
	const struct ep_record *rec;
	const struct net_record *n;
	struct ep_op *op;
	if (ep_ops_wait_idle(d, req->endpoint_id, err) < 0)
		return -1;
	rec = state_find_ep(&d->state, req->endpoint_id);
	n = rec ? state_find_net(&d->state, rec->network_id) : NULL;
	if (!rec || rec->phase == EP_RELEASED || !n) {
		return sr_error_set_kind(err, SR_NOT_FOUND, ENOENT, "endpoint %s not found%s", req->endpoint_id,
				    rec && rec->phase == EP_RELEASED ?
					    " (Docker deleted it; its VF is not back on its host driver yet)" : "");
	}
	if (strcmp(rec->network_id, req->network_id) != 0) {
		return sr_error_set_kind(err, SR_INVALID, EINVAL, "endpoint %.12s belongs to network %.12s, not %.12s", rec->id,
				    rec->network_id, req->network_id);
	}
	if (!sandbox_key_valid(req->sandbox_key)) {
		return sr_error_set_kind(err, SR_INVALID, EINVAL, "SandboxKey '%s' is not an absolute path", req->sandbox_key);
	}
	if (rec->joined && strcmp(rec->sandbox_key, req->sandbox_key) != 0)
		return sr_error_set_kind(err, SR_CONFLICT, EBUSY, "endpoint %.12s is already joined to sandbox %s", rec->id,
				    rec->sandbox_key);
	*ep = *rec;
	*net = *n;
	op = ep_ops_begin(d, rec->id, rec->network_id, "joined", err);
	if (!op)
		return -1;
	snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", rec->pf_pci);
	op->vf = rec->vf;
	return 0;
}

/* Under d->lock: the endpoint joined, saved. A Join repeated (the same sandbox) changes nothing
 * and writes nothing. */
static int join_commit(struct daemon *d, const char *id, const char *sandbox_key, sr_error *err)
{
	const struct ep_record *found;
	struct ep_record *ep, saved;
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	found = state_find_ep(&d->state, id);
	if (!found) {
		rc = sr_error_set(err, ENOENT, "endpoint %.12s vanished while being joined", id);
		goto out;
	}
	if (found->joined && !strcmp(found->sandbox_key, sandbox_key))
		goto out;
	ep = state_ep_for_change(&d->state, id);
	saved = *ep;
	if (!ep->joined) {
		ep_clock_mark_joined(d, ep);
		ep->sandbox_seen = false;
		ep->sandbox_mounted = false;
	}
	ep->joined = true;
	snprintf(ep->sandbox_key, sizeof(ep->sandbox_key), "%s", sandbox_key);
	if (state_save(&d->state, err) < 0) {
		*ep = saved;
		rc = -1;
	}
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int handle_join(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_join req;
	struct ep_record ep;
	struct net_record net;
	char netdev[SYSFS_IFNAME_MAX];
	bool found, in_ops = false;
	int begun;
	memset(&ep, 0, sizeof(ep));
	memset(&net, 0, sizeof(net));
	if (spec_decode_join(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	pthread_mutex_lock(&d->lock);
	begun = join_begin(d, &req, &ep, &net, err);
	pthread_mutex_unlock(&d->lock);
	if (begun < 0)
		goto fail;
	in_ops = true;
	daemon_hold_point(d, "join-claimed", ep.id, ep.vf);
	/* The netdev's name is looked up now, never remembered: a driver rebind renames it, and so
	 * does udev a moment after any new netdev appears. Docker gets the name udev settled on.
	 * A passthrough NIC's netdev is Docker's to move, rename and give the MAC it knows. */
	if (sysfs_pci_netdev(d->cfg.sysfs_root, ep.vf_pci, netdev, &found, err) < 0)
		goto fail;
	if (!found) {
		if (ep.passthrough)
			sr_error_set_kind(err, SR_CONFLICT, ENODEV,
					  "NIC %s of endpoint %.12s has no netdev in the host namespace (still in "
					  "another sandbox?)",
					  ep.pf_pci, ep.id);
		else
			sr_error_set(err, ENODEV, "VF %d (%s) of endpoint %.12s has no netdev in the host namespace",
				     ep.vf, ep.vf_pci, ep.id);
		goto fail;
	}
	struct nlk_link_info info;
	if (!ep.passthrough && vf_wait_netdev(&d->host, ep.vf_pci, netdev, &info, err) < 0)
		goto fail;
	if (!ep.passthrough && memcmp(info.mac, ep.mac, 6) != 0) {
		char pf[SYSFS_IFNAME_MAX];
		sr_error no_pf = {0};
		bool have_pf = pf_ifname(&d->host, ep.pf_pci, pf, &no_pf) == 0;
		if (vf_sync_netdev(&d->host, have_pf ? pf : NULL, &net.cfg, EP_VF(&ep), err) < 0 ||
		    vf_wait_netdev(&d->host, ep.vf_pci, netdev, NULL, err) < 0)
			goto fail;
	}
	if (join_commit(d, ep.id, req.sandbox_key, err) < 0)
		goto fail;
	daemon_fault_point(d, "record join");
	ep_ops_end_locking(d, ep.id);
	struct spec_join_response jr = {
		.src_name = netdev,
		.dst_prefix = net.cfg.prefix,
		.gateway = (!net.internal && net.gateway4[0]) ? net.gateway4 : NULL,
		.gateway_ipv6 = (!net.internal && net.gateway6[0]) ? net.gateway6 : NULL,
		.disable_gateway_service = true,
	};
	if (ep.passthrough)
		sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s joined %s: NIC %s netdev %s", ep.id, req.sandbox_key,
			   ep.pf_pci, netdev);
	else
		sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s joined %s: VF %d netdev %s", ep.id, req.sandbox_key,
			   ep.vf, netdev);
	respond_json(resp, spec_encode_join(&jr));
	return 0;
fail:
	if (in_ops)
		ep_ops_end_locking(d, ep.id);
	sr_log_msg(&d->log, SR_LOG_ERROR, "Join %.12s: %s", req.endpoint_id, err->msg);
	return -1;
}

/* No kernel work: all of it under d->lock, after any other request on the endpoint. */
int handle_leave(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_endpoint_ref req;
	const struct ep_record *found;
	struct ep_record *ep, saved;
	if (spec_decode_endpoint_ref(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	pthread_mutex_lock(&d->lock);
	if (ep_ops_wait_idle(d, req.endpoint_id, err) < 0) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	found = state_find_ep(&d->state, req.endpoint_id);
	if (!found || !found->joined) {
		pthread_mutex_unlock(&d->lock);
		respond_empty(resp); /* repeated Leave, or Leave after a failed Join */
		return 0;
	}
	ep = state_ep_for_change(&d->state, req.endpoint_id);
	saved = *ep;
	ep->joined = false;
	ep->sandbox_key[0] = '\0';
	ep->sandbox_seen = false;
	ep->sandbox_mounted = false;
	ep_clock_mark_unjoined(d, ep);
	if (state_save(&d->state, err) < 0) {
		*ep = saved;
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	pthread_mutex_unlock(&d->lock);
	sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s left its sandbox", req.endpoint_id);
	respond_empty(resp);
	return 0;
}

/* Under d->lock: marked DELETING (saved) and its operation entered; 0 = go on, 1 = nothing
 * to delete, -1 = still busy after waiting. */
static int delete_begin(struct daemon *d, const char *id, struct ep_record *copy, sr_error *err)
{
	const struct ep_record *ep;
	struct ep_op *op;
	sr_error save_err = {0};
	for (;;) {
		char pf_pci[STATE_PCI_MAX];
		int vf;
		if (ep_ops_wait_idle(d, id, err) < 0)
			return -1;
		ep = state_find_ep(&d->state, id);
		if (!ep)
			return 1;
		/* only a released record's VF can be claimed by another request: the pool taking it
		 * back for a new endpoint; its reset must not run in the middle of that */
		if (!ep_ops_vf_claimed(d, ep->pf_pci, ep->vf))
			break;
		snprintf(pf_pci, sizeof(pf_pci), "%s", ep->pf_pci);
		vf = ep->vf;
		if (ep_ops_wait_vf(d, pf_pci, vf, err) < 0)
			return -1;
	}
	op = ep_ops_begin(d, id, ep->network_id, "deleted", err);
	if (!op)
		return -1;
	snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", ep->pf_pci);
	op->vf = ep->vf;
	*copy = *ep;
	/* Marked first: a crash during the reset is finished at the next start. */
	struct ep_record *marked = state_ep_for_change(&d->state, id);
	if (marked)
		marked->phase = EP_DELETING;
	if (state_save(&d->state, &save_err) < 0) /* Docker never retries: go on, the removal stays pending */
		sr_log_msg(&d->log, SR_LOG_WARN, "DeleteEndpoint %.12s: mark deleting: %s", id, save_err.msg);
	return 0;
}

/* Under d->lock: dropped, or kept as released when its VF is not home; saved; operation ended. */
static int delete_commit(struct daemon *d, const struct ep_record *copy, bool home, bool *kept,
			 char why_kept[sizeof(copy->pending)], sr_error *err)
{
	struct ep_record *ep;
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	ep = state_ep_for_change(&d->state, copy->id);
	*kept = ep && !home;
	/* why the give-back left it where it is (ep_give_back noted it in the live record) */
	snprintf(why_kept, sizeof(copy->pending), "%s", *kept ? ep->pending : "");
	if (ep && home) {
		state_remove_ep(&d->state, copy->id);
	} else if (ep) {
		/* Left on vfio-pci (a Kata VM), unbound, or still in a namespace: keep proof that the
		 * VF is ours, so the pool takes it back later and nobody else's VF is ever touched. */
		state_mark_released(&d->state, ep);
	}
	if (state_save(&d->state, err) < 0) {
		/* the removal stays pending (written as soon as the disk allows); a DELETING record on
		 * disk is finished by the next start */
		sr_error_wrap(err, "endpoint %s deleted, but not yet saved (pending)", copy->id);
		rc = -1;
	}
	ep_ops_end(d, copy->id);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int handle_delete_endpoint(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_endpoint_ref req;
	struct ep_record copy;
	bool kept, home = false;
	char why_kept[sizeof(copy.pending)];
	int begun;
	if (spec_decode_endpoint_ref(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	pthread_mutex_lock(&d->lock);
	begun = delete_begin(d, req.endpoint_id, &copy, err);
	pthread_mutex_unlock(&d->lock);
	if (begun > 0) {
		respond_empty(resp);
		return 0;
	}
	if (begun < 0) {
		sr_log_msg(&d->log, SR_LOG_ERROR, "DeleteEndpoint %.12s: %s", req.endpoint_id, err->msg);
		return -1;
	}
	daemon_fault_point(d, "mark endpoint deleting");
	daemon_hold_point(d, "delete-marked", copy.id, copy.vf);
	if (ep_give_back(d, &copy, &home, err) < 0)
		sr_log_msg(&d->log, SR_LOG_WARN, "DeleteEndpoint %.12s: %s %s not fully %s: %s", copy.id,
			   copy.passthrough ? "NIC" : "VF", copy.vf_pci, copy.passthrough ? "given back" : "reset", err->msg);
	daemon_fault_point(d, "reset VF");
	sr_error_clear(err);
	if (delete_commit(d, &copy, home, &kept, why_kept, err) < 0)
		return -1;
	if (kept && copy.passthrough)
		event_vf(d, METRICS_EV_GIVEN_BACK, &copy, SR_LOG_INFO,
			   "endpoint %.12s deleted; its NIC %s is not back in this namespace (or not fully restored) "
			   "yet: it stays recorded, and the sweep restores it as %s",
			   copy.id, copy.pf_pci, copy.host.name);
	else if (copy.passthrough)
		event_vf(d, METRICS_EV_GIVEN_BACK, &copy, SR_LOG_INFO, "endpoint %.12s deleted, NIC %s back as %s", copy.id, copy.pf_pci,
			   copy.host.name);
	else if (kept)
		event_vf(d, METRICS_EV_GIVEN_BACK, &copy, SR_LOG_INFO,
			   "endpoint %.12s deleted, VF %d (%s) reset; it is not back on its host driver yet%s%s%s, so it "
			   "stays recorded as ours until the sweep or the pool takes it back",
			   copy.id, copy.vf, copy.vf_pci, why_kept[0] ? " (" : "", why_kept, why_kept[0] ? ")" : "");
	else
		event_vf(d, METRICS_EV_GIVEN_BACK, &copy, SR_LOG_INFO, "endpoint %.12s deleted, VF %d (%s) reset and free", copy.id,
			   copy.vf, copy.vf_pci);
	respond_empty(resp);
	return 0;
}
