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
	struct nlk_ipconf ip; /* the host's addresses and routes on it (host_nic=allow; else none) */
};

/* spec (netdev name or PCI address) -> the NIC's PCI address. The NIC must have its netdev in
 * this namespace now (it is how we learn what to give back). */
int nic_resolve(const struct host *h, const char *spec, char pci[SYSFS_PCI_MAX], sr_error *err);
/* The NIC's netdev in this namespace and its settings now, its addresses and routes with them;
 * ENODEV when it has none here. */
int nic_read(const struct host *h, const char *pci, struct nic_saved *now, sr_error *err);
/* Whether the host uses the NIC for its own traffic: global addresses on it, or routes through it
 * (the host's default route named as such). why: what, for the refusal. */
bool nic_host_use(const struct nic_saved *now, char *why, size_t size);
/* A NIC that mode=passthrough may take: one the host does not use (nic_host_use), unless allow
 * (host_nic=allow: its addresses and routes go with it and come back with it); never one that
 * carries more than can be saved. spec names it in the refusal. */
int nic_check_host_use(const struct nic_saved *now, const char *spec, bool allow, sr_error *err);
/* Puts back name, MAC, MTU, up/down and the saved addresses and routes. *home true only when the
 * netdev is in this namespace and every step succeeded: the record may go. *home false and 0:
 * not in this namespace yet, nothing done, try again later. -1: home, but some steps failed (a
 * saved name another link holds now...): every other step is done, err names each that was not,
 * and the caller keeps the record to try again (the sweep). */
int nic_restore(const struct host *h, const char *pci, const struct nic_saved *saved, bool *home, sr_error *err);

#endif
