/* vf_pool: which VF a new endpoint gets.
 *
 * Lowest index first, within the network's `vfs`, owned by no endpoint of any
 * network, and not in use on the host: a VF whose netdev is up, has addresses,
 * or lives in another namespace is never taken. A VF on vfio-pci (or another
 * user-space driver) or on no driver is taken back only when our own records
 * say we handed it out (an endpoint in phase EP_RELEASED) and no process holds
 * its VFIO group open; anyone else's (DPDK, libvirt, an admin's unbind) is
 * left exactly as it is. When nothing is free, the error names every skipped
 * VF with its reason: "VF 5 0000:01:11.2: on vfio-pci, not ours".
 *
 * Netdev names are read only once udev is done with the netdev (its database
 * entry exists), then by ifindex, because udev renames a new VF netdev a
 * moment after the kernel names it. */
#ifndef VF_POOL_H
#define VF_POOL_H

#include <stddef.h>

#include "../daemon/daemon.h"
#include "sysfs.h"

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
int vf_pool_take(struct daemon *d, const struct net_record *net, const char *pf_ifname, const char *ep_id,
		 struct vf_choice *out, sr_error *err);

/* Waits (bounded, 10 s) until the PCI device (a VF, or a PF whose driver just loaded) has a
 * netdev in this namespace that udev (when it runs: <udev_dir>/control exists) has finished
 * with, and gives its name as of then, read by ifindex. ETIMEDOUT when no netdev appears; when
 * udev never finishes, the current name with a warning in the log. */
int vf_wait_netdev(struct daemon *d, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX], sr_error *err);

/* Whether a process holds /dev/vfio/<group> open. The kernel gives a VFIO group to one opener
 * at a time, so an open failing with EBUSY means "held", from any PID namespace (the managed
 * plugin sees no other process in /proc). UNKNOWN when the node cannot be opened for another
 * reason (why says which). vfio_dir is normally "/dev/vfio". */
enum vfio_group_use { VFIO_GROUP_FREE, VFIO_GROUP_HELD, VFIO_GROUP_UNKNOWN };
enum vfio_group_use vf_vfio_group_use(const char *vfio_dir, int group, char *why, size_t why_size);

/* The VF is on a host network driver with its netdev in this namespace. */
bool vf_is_home(struct daemon *d, const char *vf_pci);

/* Drivers that take a VF away from the kernel's network stack (VFIO, UIO, pci-stub). */
bool vf_driver_is_userspace(const char *driver);

#endif
