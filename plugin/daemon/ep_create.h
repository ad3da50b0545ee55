/* ep_create: the steps of CreateEndpoint that both flows (ep_flow.h) take: the endpoint's MAC
 * chosen, its record written down before the device is touched (CREATING), committed once the
 * device is ready (READY), or forgotten once the device is back as it was. */
#ifndef EP_CREATE_H
#define EP_CREATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../spec/spec.h"
#include "daemon.h"
#include "state.h"

/* Under d->lock: the MAC Docker gave (Interface.MacAddress: a unicast one nobody of ours uses),
 * or, with none, one derived from the network and the address (mac_derive.h), *generated. */
int ep_choose_mac(struct daemon *d, const struct spec_create_endpoint *req, uint8_t mac[6], bool *generated,
		  sr_error *err);
/* Takes d->lock: the record, in phase CREATING, added and saved (or not added at all). */
int ep_create_record(struct daemon *d, const struct ep_record *ep, sr_error *err);
/* Takes d->lock: the record READY, saved (or left CREATING). */
int ep_create_commit(struct daemon *d, const char *id, sr_error *err);
/* Takes d->lock: drops a record whose device is back as it was; a failed save only leaves a
 * CREATING record, which the next start puts back and drops. */
void ep_create_forget(struct daemon *d, const char *id);

#endif
