/* pf: a network's PF, resolved from what the user gave (netdev name or PCI
 * address) to its stable PCI address, and made ready: up, with VFs enabled. */
#ifndef PF_H
#define PF_H

#include "host.h"
#include "sysfs.h"

/* pf_spec (name or PCI address) -> PCI address; checks it is SR-IOV capable. */
int pf_resolve(const struct host *h, const char *pf_spec, char pf_pci[SYSFS_PCI_MAX], sr_error *err);
/* The PF's netdev name right now. */
int pf_ifname(const struct host *h, const char *pf_pci, char ifname[SYSFS_IFNAME_MAX], sr_error *err);
/* Bounded wait until VFs 0..count-1 each have a netdev; ready VFs cost no wait, and the wait
 * ends at the notification that the last one has (host_wait.h). 0 = all ready, -1 = not
 * within limit_ms. */
int pf_wait_for_vfs(const struct host *h, const char *pf_pci, int count, int limit_ms);
/* Brings the PF up (a VF of a down PF comes up with a random MAC) and enables
 * VFs when it has none (numvfs, or sriov_totalvfs when 0). Never disables SR-IOV. */
int pf_prepare(const struct host *h, const char *pf_pci, unsigned numvfs, sr_error *err);
/* True when the PF has a netdev (its name in ifname) and VFs enabled, as seen after any
 * pf_prepare in progress on it has finished (its VFs still waiting for their driver would
 * look taken by someone else); why says what is missing when false. */
bool pf_has_vfs(const struct host *h, const char *pf_pci, char ifname[SYSFS_IFNAME_MAX], sr_error *why);

#endif
