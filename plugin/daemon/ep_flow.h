/* ep_flow: what an endpoint's device takes, by network mode; each handler picks the flow once.
 *  - sriov (ep_flow_sriov.c): a VF per endpoint, chosen among the network's PFs, configured
 *    through its PF before Docker moves its netdev, reset when it comes back.
 *  - passthrough (ep_flow_passthrough.c): the network's whole NIC to its one endpoint; the host's
 *    settings saved at create, nothing touched before Join but the MTU, restored when it is back.
 * The handlers (handlers_endpoint.c) keep what both share: the checks, the operation in flight,
 * the record's phases, the answers. */
#ifndef EP_FLOW_H
#define EP_FLOW_H

#include <stdbool.h>

#include "../../spec/spec.h"
#include "../host/sysfs.h"
#include "daemon.h"
#include "state.h"

struct ep_flow {
	const char *device;    /* "VF", "NIC": in messages */
	const char *give_back; /* what DeleteEndpoint does to it: "reset", "given back" */
	/* Under d->lock, after the checks every create shares: the MAC chosen (*generated: ours,
	 * returned to Docker), what the device needs reserved, the operation entered; *net a copy of n.
	 * -1: refused (err, with its kind). */
	int (*begin)(struct daemon *d, const struct spec_create_endpoint *req, const struct net_record *n,
		     struct net_record *net, struct ep_record *ep, bool *generated, sr_error *err);
	/* Without d->lock: the device taken and recorded (CREATING) before it is touched, made ready,
	 * committed (READY); the operation ended and the hand-out event said. -1: nothing left (the
	 * record forgotten, the device as it was); the caller ends the operation. */
	int (*create)(struct daemon *d, const struct net_record *net, struct ep_record *ep, bool generated,
		      sr_error *err);
	/* Join: the device's netdev in the host namespace, ready to be moved into the sandbox. */
	int (*join_netdev)(struct daemon *d, const struct net_record *net, const struct ep_record *ep,
			   char netdev[SYSFS_IFNAME_MAX], sr_error *err);
	void (*joined)(struct daemon *d, const struct ep_record *ep, const char *sandbox_key, const char *netdev);
	/* DeleteEndpoint's event: the record dropped, or kept (released: the device not home yet). */
	void (*deleted)(struct daemon *d, const struct ep_record *ep, bool kept, const char *why_kept);
};

extern const struct ep_flow ep_flow_sriov;
extern const struct ep_flow ep_flow_passthrough;

/* The flow of a passthrough network's or record's endpoint, or of a VF's. */
static inline const struct ep_flow *ep_flow_of(bool passthrough)
{
	return passthrough ? &ep_flow_passthrough : &ep_flow_sriov;
}

#endif
