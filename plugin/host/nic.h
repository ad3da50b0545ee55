/* nic: a whole NIC handed to one container (mode=passthrough), and given back as it was.
 *
 * The NIC is known by its PCI address, never by a name: dockerd renames its netdev inside the
 * container, and when the container's namespace goes the kernel returns a physical netdev to the
 * host namespace under whatever name is free there (its container name, or dev<N>). What the host
 * had (name, MAC, MTU, up or down) is read before the NIC leaves and put back when it is home.
 * Any PCI network device will do, SR-IOV or not; an SR-IOV VF is refused (VFs are mode=sriov's),
 * and so is a virtual interface, which the kernel deletes with the namespace instead of
 * returning it. */
#ifndef NIC_H
#define NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "host.h"
#include "sysfs.h"

struct nic_saved {
	char name[SYSFS_IFNAME_MAX];
	uint8_t mac[6];
	unsigned mtu;
	bool up;
};

/* spec (netdev name or PCI address) -> the NIC's PCI address. The NIC must have its netdev in
 * this namespace now (it is how we learn what to give back). */
int nic_resolve(const struct host *h, const char *spec, char pci[SYSFS_PCI_MAX], sr_error *err);
/* The NIC's netdev in this namespace and its settings now; ENODEV when it has none here. */
int nic_read(const struct host *h, const char *pci, struct nic_saved *now, sr_error *err);
/* Whether the NIC's netdev is in this namespace. */
bool nic_is_home(const struct host *h, const char *pci);
/* Puts back name, MAC, MTU and up/down as saved. *home false (and 0) when the netdev is not in
 * this namespace yet: nothing done, try again later. -1: home, but a step failed (err says
 * which); the steps before it are done. */
int nic_restore(const struct host *h, const char *pci, const struct nic_saved *saved, bool *home, sr_error *err);

#endif
