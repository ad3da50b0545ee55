/* vf_counters: each VF's traffic counters, and where each number came from.
 *
 * Two sources: the PF (netlink IFLA_VF_STATS: what the NIC's switch counted for the VF; it
 * works wherever the VF is, in a container, a Kata VM or nowhere) and the VF's own netdev
 * (IFLA_STATS64: what its driver counted), wherever that netdev is: in the container's
 * namespace, reached through the endpoint's sandbox key, or in ours. The kernel answers
 * IFLA_VF_STATS with zeros for a driver without the hook (igb, and so the test bed), so the
 * PF counts only when its driver is one whose source fills them (vf_driver_reports_vf_stats)
 * or when any of them is not zero; otherwise the netdev counts. Drops come from the netdev
 * only (libnl 3.7 does not read IFLA_VF_STATS' drop counters), and broadcast from the PF
 * only: each number says its source.
 *
 * A sandbox's links are read through our own netlink socket, by the id our namespace has for
 * the sandbox's (IFLA_TARGET_NETNSID): no thread ever enters another namespace. */
#ifndef VF_COUNTERS_H
#define VF_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "sysfs.h"

enum vf_counter_source { VF_SRC_NONE = 0, VF_SRC_PF, VF_SRC_NETDEV };

struct vf_counters {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets; /* from `src` */
	uint64_t rx_dropped, tx_dropped;                     /* from `drop_src` */
	uint64_t multicast;                                  /* from `mcast_src` */
	uint64_t broadcast;                                  /* from `bcast_src` */
	enum vf_counter_source src, drop_src, mcast_src, bcast_src;
	char netdev[SYSFS_IFNAME_MAX]; /* where the netdev's numbers came from, "" = none */
	bool in_sandbox;               /* ...in the sandbox's namespace */
};

struct vf_counter_query {
	char pf_pci[SYSFS_PCI_MAX];
	int vf;
	char vf_pci[SYSFS_PCI_MAX];
	uint8_t mac[6];     /* how the netdev is known in a sandbox (Docker keeps our MAC) */
	const char *sandbox; /* the endpoint's sandbox key, or NULL / "" (host namespace) */
	/* in: where the netdev was in the sandbox at the last read (-1: unknown); out: where it
	 * is now (-1: not found there). The id and ifindex are checked by the MAC they lead to. */
	int hint_nsid, hint_ifindex;
	struct vf_counters out;
};

/* Fills each query's `out` (what cannot be read is left VF_SRC_NONE); one request per PF and
 * one dump per distinct sandbox, whatever n is. host_links: our namespace's links
 * (nlk_link_table_read), or NULL to ask for each VF netdev found here by name. */
void vf_counters_read(const struct host *h, struct vf_counter_query *q, size_t n,
		      const struct nlk_link_table *host_links);
const char *vf_counter_source_name(enum vf_counter_source s);
/* Whether the PF driver's source fills IFLA_VF_STATS (ndo_get_vf_stats): ixgbe, i40e, ice,
 * mlx5_core, ... (README: which drivers count what). */
bool vf_driver_reports_vf_stats(const char *pf_driver);

#endif
