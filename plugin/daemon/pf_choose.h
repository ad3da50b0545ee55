/* pf_choose: which of a network's PFs a new endpoint's VF comes from, and the VF.
 *
 * pf_policy spread (the default): among the PFs that can give a VF, the one holding the fewest
 * of this network's endpoints (those recorded and those being created; ties: list order).
 * fill: the first PF in list order that can. A PF that is gone, has no driver, cannot be
 * prepared or has no free VF in the network's vfs is skipped (a PF whose driver loaded late,
 * or whose VFs someone disabled, is prepared here, under its own lock: the first `docker run`
 * after the NIC appears works). Only when no PF can give a VF is the call refused; with one PF
 * the error is that PF's, with several it says per PF why. */
#ifndef PF_CHOOSE_H
#define PF_CHOOSE_H

#include "../host/sysfs.h"
#include "state.h"
#include "vf_pool_take.h"

struct daemon;

struct pf_pick {
	unsigned pf;                  /* index into the network's PFs */
	char ifname[SYSFS_IFNAME_MAX]; /* the PF's netdev */
	struct vf_choice vf;
};

/* As vf_pool_take (called without d->lock, by ep_id's operation; on success the VF stays
 * claimed for it). */
int pf_choose_vf(struct daemon *d, const struct net_record *net, const char *ep_id, struct pf_pick *out,
		 sr_error *err);

#endif
