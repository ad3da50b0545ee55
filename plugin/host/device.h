/* device: a PCI network device of the host (a PF for mode=sriov, a whole NIC for
 * mode=passthrough, a VF), found from what the user gave, and where it stands now.
 *
 * pf_iface names a device by its PCI address or by its netdev's name; both resolve to the PCI
 * address, which is what records keep (netdev names change as the device moves between
 * namespaces). A device is home when its netdev is in this namespace. */
#ifndef DEVICE_H
#define DEVICE_H

#include <stdbool.h>

#include "host.h"
#include "sysfs.h"

/* spec (pf_iface: a PCI address, or a netdev name in this namespace) -> the device's PCI address.
 * -1 with ENODEV for a PCI address sysfs does not have; a netdev that is no PCI device's: ENOTSUP
 * with err->msg saying why (what that means is the caller's to say). 0 for a switchdev
 * representor too, its phys_port_name in port (else port is ""): PF and NIC refuse it each with
 * their own words. */
int device_resolve(const struct host *h, const char *spec, char pci[SYSFS_PCI_MAX], char port[SYSFS_PORT_MAX],
		   sr_error *err);

enum device_place {
	DEVICE_HOME,    /* its netdev in this namespace (so on a kernel network driver) */
	DEVICE_AWAY,    /* on a kernel network driver, its netdev elsewhere (a container's namespace) */
	DEVICE_OFF_NET, /* on a user-space driver (vfio-pci), or on none with no netdev: no netdev
			 * comes back by itself */
	DEVICE_UNKNOWN, /* sysfs could not tell */
};

enum device_place device_place(const struct host *h, const char *pci);
/* device_place(h, pci) == DEVICE_HOME */
bool device_is_home(const struct host *h, const char *pci);

/* Drivers that take a device away from the kernel's network stack (VFIO, UIO, pci-stub). */
bool vf_driver_is_userspace(const char *driver);

#endif
