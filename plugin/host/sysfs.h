/* sysfs: discovery of PFs and VFs under a sysfs root ("/sys", or a fake tree in tests).
 *
 * VFs are identified by PF PCI address + VF index (virtfnN) and their PCI
 * address; netdev names are looked up each time they are needed, never
 * remembered, because a driver rebind (Kata) renames them. Every name that
 * reaches a path here is validated first (no '/', no "..", bounded length). */
#ifndef SYSFS_H
#define SYSFS_H

#include <stdbool.h>

#include "../../common/sr_error.h"

#define SYSFS_PCI_MAX 32
#define SYSFS_DRIVER_MAX 64
#define SYSFS_IFNAME_MAX 16
#define SYSFS_PORT_MAX 32
#define SYSFS_INSTANCE_MAX 64

/* PCI address of a netdev's device ("enp1s0f0" -> "0000:01:00.0"). */
int sysfs_netdev_pci(const char *root, const char *ifname, char pci[SYSFS_PCI_MAX], sr_error *err);
/* True when the netdev whose sysfs folder is dir is a switchdev representor (phys_port_name
 * "pf0vf3", "pf0sf1", "c1pf0vf3"); port receives the name ("" when the driver has none). */
bool sysfs_netdev_is_representor(const char *dir, char port[SYSFS_PORT_MAX]);
/* First netdev of a PCI device in this namespace that is not a representor; *found false when
 * none (unbound, or moved away). */
int sysfs_pci_netdev(const char *root, const char *pci, char ifname[SYSFS_IFNAME_MAX], bool *found, sr_error *err);
/* The ifindex of netdev ifname of PCI device pci, read from the device's own folder, so that a
 * name another device has taken meanwhile is never mistaken for it: ENOENT when the device has
 * no netdev of that name (any more); *ifindex 0 when the folder has no ifindex file (a test tree). */
int sysfs_pci_netdev_ifindex(const char *root, const char *pci, const char *ifname, int *ifindex, sr_error *err);
bool sysfs_pci_exists(const char *root, const char *pci);
/* True when the PCI device is an SR-IOV VF (it has a physfn link). */
bool sysfs_pci_is_vf(const char *root, const char *pci);

/* "<name> does not support SR-IOV: no sriov_totalvfs" when absent. */
int sysfs_pf_totalvfs(const char *root, const char *pf_pci, int *total, sr_error *err);
int sysfs_pf_numvfs(const char *root, const char *pf_pci, int *num, sr_error *err);
int sysfs_pf_set_numvfs(const char *root, const char *pf_pci, int num, sr_error *err);
/* PCI address of VF index vf (virtfnN link). ENOENT when the VF does not exist. */
int sysfs_vf_pci(const char *root, const char *pf_pci, int vf, char vf_pci[SYSFS_PCI_MAX], sr_error *err);

/* Which instance of PCI device pci this is: "<boot id>/<inode of its sysfs folder>". A VF keeps
 * it through driver rebinds (Kata's vfio-pci round trip) and whatever its netdev does (a trusted
 * VF may change its own MAC); VFs re-created (sriov_numvfs written) are new devices with new
 * folders, and the kernel does not reuse a folder's inode number within one boot. */
int sysfs_pci_instance(const char *root, const char *pci, char out[SYSFS_INSTANCE_MAX], sr_error *err);
/* Compares two sysfs_pci_instance texts: SAME, OTHER (the device was re-created), or UNKNOWN
 * (either is empty, or they come from different boots: nothing can be told). */
enum sysfs_instance_match { SYSFS_INSTANCE_SAME, SYSFS_INSTANCE_OTHER, SYSFS_INSTANCE_UNKNOWN };
enum sysfs_instance_match sysfs_instance_compare(const char *recorded, const char *now);

/* Bound driver name, "" when none. */
int sysfs_pci_driver(const char *root, const char *pci, char driver[SYSFS_DRIVER_MAX], sr_error *err);
/* IOMMU group number, -1 when none. */
int sysfs_pci_iommu_group(const char *root, const char *pci, int *group, sr_error *err);
/* driver_override ("" when none: the kernel shows "(null)"). */
int sysfs_pci_driver_override(const char *root, const char *pci, char out[SYSFS_DRIVER_MAX], sr_error *err);
/* Unbind from driver `from` (the one the caller saw it on and may move it from; "" = none) and have
 * the device's host driver probe it (drivers_probe). The driver is read again right before: a
 * device someone bound elsewhere since the caller looked (libvirt, driverctl, DPDK binding it to
 * vfio-pci) is theirs, refused with EBUSY and left untouched; and the unbind goes through `from`'s
 * own unbind file, which the kernel refuses for a device bound to another driver by then.
 * host_driver ("" = none named: whichever driver matches first) is written to driver_override for
 * that probe and cleared after it: vfio-pci, once given the device's ID (Kata writes it to
 * vfio-pci's new_id), takes any such device that is probed while it comes first among the drivers
 * that match. driver_override is left clear either way. */
int sysfs_pci_rebind_host_driver(const char *root, const char *pci, const char *from, const char *host_driver,
				 sr_error *err);

#endif
