#include "ep_create.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "mac_derive.h"

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

int ep_choose_mac(struct daemon *d, const struct spec_create_endpoint *req, uint8_t mac[6], bool *generated,
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

int ep_create_record(struct daemon *d, const struct ep_record *ep, sr_error *err)
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

int ep_create_commit(struct daemon *d, const char *id, sr_error *err)
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

void ep_create_forget(struct daemon *d, const char *id)
{
	sr_error err = {0};
	pthread_mutex_lock(&d->lock);
	state_remove_ep(&d->state, id);
	if (state_save(&d->state, &err) < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "forget endpoint %.12s: %s", id, err.msg);
	pthread_mutex_unlock(&d->lock);
}
