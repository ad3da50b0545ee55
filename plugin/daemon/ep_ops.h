/* ep_ops: the endpoint operations in flight, so that kernel work runs outside the state lock.
 *
 * An endpoint operation (create, delete, join, sweep) enters the table under d->lock, works on
 * the kernel without it, and leaves under d->lock. The table promises:
 *  - one operation per endpoint ID at a time: another request on that ID waits for it
 *    (ep_ops_wait_idle, bounded) instead of seeing a half-done record;
 *  - one operation per VF at a time: a VF claimed here is never chosen by a concurrent
 *    CreateEndpoint nor touched by the sweep, even before any record names it;
 *  - the MAC a create is about to set is taken, so two creates cannot choose one MAC.
 * Nothing here is saved: a crash forgets the table, and the records on disk (creating,
 * deleting) are what start-up finishes or undoes (reconcile.c). Every function but
 * ep_ops_free and ep_ops_end_locking is called with d->lock held. */
#ifndef EP_OPS_H
#define EP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/sr_error.h"
#include "state.h"

struct ep_op {
	char id[SPEC_ID_MAX + 1];
	char network_id[SPEC_ID_MAX + 1];
	const char *what; /* "created", "deleted", "joined", "reclaimed": for "endpoint X is being ..." */
	char pf_pci[STATE_PCI_MAX];
	int vf;   /* -1: no VF claimed (yet) */
	/* a create's PF, chosen in the same d->lock hold as it counted the PFs' load (pf_choose.c),
	 * counted as that PF's load until the create claims a VF (then pf_pci is) */
	char pf_chosen[STATE_PCI_MAX];
	uint8_t mac[6];
	bool has_mac;
};

struct ep_ops {
	struct ep_op *ops;
	size_t count, cap;
};

struct daemon;

/* Enters an operation on endpoint id (no VF yet); NULL with err set (ENOMEM). The caller has
 * made sure, with ep_ops_wait_idle, that no other operation works on id. The pointer is good
 * only until d->lock is released: find the operation again (ep_ops_find) after that. */
struct ep_op *ep_ops_begin(struct daemon *d, const char *id, const char *network_id, const char *what,
			   sr_error *err);
/* Leaves it and wakes whoever waits for that endpoint or VF. */
void ep_ops_end(struct daemon *d, const char *id);
/* The same, for a caller without d->lock: takes it (the one function here that does). */
void ep_ops_end_locking(struct daemon *d, const char *id);
struct ep_op *ep_ops_find(struct daemon *d, const char *id);
bool ep_ops_vf_claimed(struct daemon *d, const char *pf_pci, int vf);
/* The endpoint ID of an operation in flight that is about to set this MAC, or NULL. */
const char *ep_ops_mac_owner(struct daemon *d, const uint8_t mac[6]);
/* Whether an operation works on an endpoint of this network, or claims the VF of one. */
bool ep_ops_network_busy(struct daemon *d, const char *network_id);

/* Waits (d->lock released while waiting, at most EP_OPS_WAIT_S) until no operation works on
 * id. 0 = idle (d->lock held again); -1 = still busy (EBUSY: "endpoint X is being created"). */
#define EP_OPS_WAIT_S 60
int ep_ops_wait_idle(struct daemon *d, const char *id, sr_error *err);
/* The same for a VF: until no operation claims it. */
int ep_ops_wait_vf(struct daemon *d, const char *pf_pci, int vf, sr_error *err);
/* Waits, the same way but at most `seconds`, until no operation works on an endpoint of the
 * network (nor claims the VF of one). -1 (EBUSY) names the operation still in flight: the
 * caller holds net_lock meanwhile, so an operation stuck in the kernel must not hold every
 * network change with it. */
int ep_ops_wait_network_idle(struct daemon *d, const char *network_id, int seconds, sr_error *err);

void ep_ops_free(struct ep_ops *t);

#endif
