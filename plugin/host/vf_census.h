/* vf_census: what the host says about a PF and each of its VFs, read-only (no wait, no
 * rebind: unlike vf_check_free, which may take a VF back), for `status` and /metrics.
 *
 * A VF no record of ours holds is, in this order:
 *   foreign   on a user-space driver (vfio-pci, uio, pci-stub: DPDK, libvirt, a VM), its netdev
 *             in another namespace, or its netdev up or with addresses: someone else's;
 *   unusable  on no driver, or its device cannot be read;
 *   free      on a host driver with its netdev here, down, without addresses: the pool would
 *             hand it out. */
#ifndef VF_CENSUS_H
#define VF_CENSUS_H

#include <stdbool.h>

#include "host.h"
#include "sysfs.h"

enum vf_use { VF_USE_FREE, VF_USE_FOREIGN, VF_USE_UNUSABLE };

/* host_links: our namespace's links (nlk_link_table_read), or NULL to ask netlink per VF. */
enum vf_use vf_census_use(const struct host *h, int vf, const char *pf_pci, const struct nlk_link_table *host_links);

/* A PF as the host has it now. */
struct pf_state {
	char name[SYSFS_IFNAME_MAX]; /* "" when its netdev is not here */
	char driver[SYSFS_DRIVER_MAX];
	int numvfs, totalvfs;
	bool up;        /* administratively */
	bool carrier;   /* its link: cable and peer */
	long speed_mbps; /* -1 unknown (down, or the driver does not say) */
};
/* What can be read is filled; the rest stays empty / 0 / -1. */
void pf_state_read(const struct host *h, const char *pf_pci, const struct nlk_link_table *host_links,
		   struct pf_state *out);

#endif
