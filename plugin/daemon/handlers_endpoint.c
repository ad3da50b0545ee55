/* NetworkDriver handlers for endpoints: CreateEndpoint, Join, Leave, DeleteEndpoint. What both
 * modes share is here (the checks, the operation in flight, the record's phases, the answers);
 * what the device takes is its flow's, picked once per request (ep_flow.h: a VF per endpoint,
 * or, mode=passthrough, the network's whole NIC to its one endpoint). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../spec/spec.h"
#include "handlers.h"
#include "ep_clock.h"
#include "ep_flow.h"
#include "ep_give_back.h"

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

/* Under d->lock: everything CreateEndpoint decides from memory. Waits for another request on
 * the same ID; answers a retry of a finished create (1, mac_text filled, "" when Docker gave
 * the MAC); else picks the network's flow, which chooses the MAC and enters the operation (0,
 * *net a copy of the network).
 * -1: refused (err, with its kind). */
static int create_begin(struct daemon *d, const struct spec_create_endpoint *req, const struct ep_flow **flow,
			struct net_record *net, struct ep_record *ep, bool *generated, char mac_text[18], sr_error *err)
{
	const struct net_record *n;
	const struct ep_record *existing;
	if (ep_ops_wait_idle(d, req->endpoint_id, err) < 0)
		return -1;
	n = state_find_net(&d->state, req->network_id);
	/* -1 spelled out (not sr_error_set_kind's value): 0 only once *flow is picked */
	if (!n) {
		sr_error_set_kind(err, SR_NOT_FOUND, ENOENT, "network %s not found", req->network_id);
		return -1;
	}
	if (!strcmp(d->deleting_net, n->id) || n->delete_pending) {
		sr_error_set_kind(err, SR_NOT_FOUND, ENOENT, "network %s is being deleted", req->network_id);
		return -1;
	}
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
		sr_error_set_kind(err, SR_CONFLICT, EEXIST, "endpoint %s already exists", req->endpoint_id);
		return -1;
	}
	*flow = ep_flow_of(n->cfg.mode == NET_MODE_PASSTHROUGH);
	return (*flow)->begin(d, req, n, net, ep, generated, err);
}

/* Shape: decide and reserve under d->lock (create_begin), work on the kernel without it, record
 * and commit under it (the flow's create: ep_flow.h). The operation in d->ops keeps the ID, the
 * device and the MAC ours throughout. */
int handle_create_endpoint(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	const struct ep_flow *flow = NULL;
	struct spec_create_endpoint req;
	struct ep_record ep;
	struct net_record net;
	char mac_text[18] = "";
	bool generated = false, in_ops = false;
	int begun;
	memset(&ep, 0, sizeof(ep));
	memset(&net, 0, sizeof(net));
	if (spec_decode_create_endpoint(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	pthread_mutex_lock(&d->lock);
	begun = create_begin(d, &req, &flow, &net, &ep, &generated, mac_text, err);
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
	if (flow->create(d, &net, &ep, generated, err) < 0)
		goto fail;
	nlk_mac_format(ep.mac, mac_text);
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
	const struct ep_flow *flow;
	char netdev[SYSFS_IFNAME_MAX];
	bool in_ops = false;
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
	flow = ep_flow_of(ep.passthrough);
	daemon_hold_point(d, "join-claimed", ep.id, ep.vf);
	if (flow->join_netdev(d, &net, &ep, netdev, err) < 0)
		goto fail;
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
	flow->joined(d, &ep, req.sandbox_key, netdev);
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
	const struct ep_flow *flow;
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
	flow = ep_flow_of(copy.passthrough);
	daemon_fault_point(d, "mark endpoint deleting");
	daemon_hold_point(d, "delete-marked", copy.id, copy.vf);
	if (ep_give_back(d, &copy, &home, err) < 0)
		sr_log_msg(&d->log, SR_LOG_WARN, "DeleteEndpoint %.12s: %s %s not fully %s: %s", copy.id, flow->device,
			   copy.vf_pci, flow->give_back, err->msg);
	daemon_fault_point(d, "reset VF");
	sr_error_clear(err);
	if (delete_commit(d, &copy, home, &kept, why_kept, err) < 0)
		return -1;
	flow->deleted(d, &copy, kept, why_kept);
	respond_empty(resp);
	return 0;
}
