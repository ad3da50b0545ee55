/* vf_pool_take: which VF a new endpoint gets.
 *
 * From the network's PF number pf (index into its pf_pci; which PF is pf_choose.h's business).
 * Lowest index first, within the network's `vfs` for that PF, owned by no endpoint of any network, claimed
 * by no other operation, and free on the host (vf_check_free, host/vf_pool.h). A released
 * endpoint's record (EP_RELEASED) is what lets the host layer take a VF back from vfio-pci;
 * once the VF is home the record is dropped. When nothing is free, the error names every
 * skipped VF with its reason: "VF 5 0000:01:11.2: on vfio-pci, not ours". */
#ifndef VF_POOL_TAKE_H
#define VF_POOL_TAKE_H

#include "../host/sysfs.h"
#include "state.h"

struct daemon;

struct vf_choice {
	int vf;
	char vf_pci[SYSFS_PCI_MAX];
	char netdev[SYSFS_IFNAME_MAX];
};

/* Called without d->lock, by an operation on endpoint ep_id already in d->ops (ep_ops.h):
 * each candidate VF is claimed for it under d->lock before it is checked without the lock, so
 * concurrent creates never get one VF; on success the claim stays (the caller's operation
 * ends it), on failure nothing stays claimed. VFs claimed by other operations count as in
 * use ("being set up by other requests"). */
int vf_pool_take(struct daemon *d, const struct net_record *net, unsigned pf, const char *pf_ifname,
		 const char *ep_id, struct vf_choice *out, sr_error *err);

#endif
