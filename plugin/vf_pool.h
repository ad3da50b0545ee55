/* vf_pool: which VF a new endpoint gets.
 *
 * Lowest index first, within the network's `vfs`, owned by no endpoint of any
 * network, and not in use on the host: a VF whose netdev is up, has addresses,
 * or lives in another namespace is never taken. A VF found on vfio-pci or on
 * no driver is first rebound to its host driver (unless a process holds its
 * VFIO group open); when that fails it is skipped with a log line saying why. */
#ifndef VF_POOL_H
#define VF_POOL_H

#include "daemon.h"
#include "sysfs.h"

struct vf_choice {
	int vf;
	char vf_pci[SYSFS_PCI_MAX];
	char netdev[SYSFS_IFNAME_MAX];
};

int vf_pool_take(struct daemon *d, const struct net_record *net, const char *pf_ifname, struct vf_choice *out,
		 sr_error *err);

/* Waits (bounded) for a VF to have a netdev in this namespace after a (re)bind. */
int vf_wait_netdev(struct daemon *d, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX], sr_error *err);

/* True when some process holds /dev/vfio/<group> open (a VM is using the VF). */
bool vf_vfio_group_busy(int group);

#endif
