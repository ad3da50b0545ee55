/* vf_pool: whether a VF is free on the host, and taking our own back.
 *
 * A VF whose netdev is up, has addresses, or lives in another namespace is never
 * taken. A VF on vfio-pci (or another user-space driver) or on no driver is taken
 * back only when the caller says we handed it out (released_by: the daemon's
 * record of a released endpoint) and no process holds its VFIO group open;
 * anyone else's (DPDK, libvirt, an admin's unbind) is left exactly as it is.
 * Which VF an endpoint gets (records, claims) is the daemon's: vf_pool_take.h.
 *
 * Netdev names are read only once udev is done with the netdev (its database
 * entry exists), then by ifindex, because udev renames a new VF netdev a
 * moment after the kernel names it. */
#ifndef VF_POOL_H
#define VF_POOL_H

#include <stddef.h>

#include "device.h"
#include "host.h"
#include "sysfs.h"

/* 0 = VF vf (vf_pci) is usable, its netdev (in this namespace, udev done) in netdev;
 * -1 = skip it, why says why ("on vfio-pci, not ours"). released_by: the ID of the released
 * endpoint that proves the VF is ours to take back from a user-space driver, or NULL;
 * released_driver: the VF's host driver that record names ("" or NULL: not known). */
int vf_check_free(const struct host *h, int vf, const char *vf_pci, const char *released_by,
		  const char *released_driver, char netdev[SYSFS_IFNAME_MAX], sr_error *why);

/* Our own VF (owner_id: the endpoint whose record proves we handed it out) on a user-space driver
 * (vfio-pci: a Kata VM, alive or dead) or on none, back to its host network driver host_driver
 * ("" or NULL: whichever probes), once no process holds its VFIO group; waits for its netdev.
 * 0 = home (also when it already was); -1 = not (why: "its VFIO group 12 is open ...", EBUSY). */
int vf_take_home(const struct host *h, int vf, const char *vf_pci, const char *owner_id, const char *host_driver,
		 sr_error *why);

/* Waits (bounded, 10 s) until the PCI device (a VF, or a PF whose driver just loaded) has a
 * netdev in this namespace that udev (when it runs: <udev_dir>/control exists) has finished
 * with, and gives its name and link (info, may be NULL) as of then. The netdev is known by the
 * ifindex in the device's own sysfs folder, never by a name: during a burst of rebinds the
 * kernel's names (eth1) pass from one new VF netdev to the next as udev renames them. ETIMEDOUT
 * when no netdev appears; when udev never finishes, the current name with a warning in the log. */
int vf_wait_netdev(const struct host *h, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX],
		   struct nlk_link_info *info, sr_error *err);

/* Whether a process holds /dev/vfio/<group> open. The kernel gives a VFIO group to one opener
 * at a time, so an open failing with EBUSY means "held", from any PID namespace (the managed
 * plugin sees no other process in /proc). UNKNOWN when the node cannot be opened for another
 * reason (why says which). vfio_dir is normally SRIOV_DEFAULT_VFIO_DIR. */
enum vfio_group_use { VFIO_GROUP_FREE, VFIO_GROUP_HELD, VFIO_GROUP_UNKNOWN };
enum vfio_group_use vf_vfio_group_use(const char *vfio_dir, int group, char *why, size_t why_size);

/* Rebinds VF vf_pci to its host network driver (a new netdev), its driver read again right before
 * and moved only from where the caller may move it: released_from NULL, a host network driver
 * (the caller's endpoint owns the VF, the free-VF check saw it there) and no driver_override
 * naming another one; else from released_from exactly, the user-space driver (or "" = none) the
 * VF was seen on when a released record proved it ours. Anything else is refused (EBUSY) and left
 * untouched: between the check and the rebind (seconds in a burst) libvirt, driverctl or DPDK may
 * have bound the VF to vfio-pci (or set its driver_override to), and an unbind of an open VFIO
 * device can block. The probe names the host driver (sysfs_pci_rebind_host_driver): host_driver,
 * the one the VF was handed out on ("" or NULL: not known), or, moved off its host driver, that one. */
int vf_rebind_host(const struct host *h, int vf, const char *vf_pci, const char *released_from,
		   const char *host_driver, sr_error *err);

#endif
