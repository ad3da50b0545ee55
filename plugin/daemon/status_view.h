/* status_view: the daemon's live view for `sriov-plugin status` (POST /SriovPlugin.Status).
 *
 * Built from a copy of the state (networks, endpoints; taken under d->lock by
 * the caller, so that the kernel reads below never hold it) and the
 * kernel as it is now: for each PF used by a network (each PF once, every PF of a network), sysfs (PCI address,
 * driver, VF counts, each VF's PCI address, driver, netdev) and netlink (PF
 * link, each VF's admin MAC, VLAN, spoof check, trust). A PF or VF that cannot
 * be read is reported with an "error" member rather than failing the view.
 *
 * Shape (all keys always present unless marked optional):
 *   {"version": "0.1.0",
 *    "pfs": [{"name", "pci", "driver", "link": "up"|"down"|"unknown", "numvfs", "totalvfs",
 *             "error"?: "...",
 *             "vfs": [{"vf", "pci", "driver", "netdev", "mac", "vlan", "qos",
 *                      "spoofchk": bool|null, "trust": bool|null, "error"?: "...",
 *                      "owner": null | {"network", "endpoint", "sandbox", "joined",
 *                                       "address4", "address6"}}]}],
 *    "networks": [{"id", "pf", "pf_pci" (its first PF), "pf_policy": "spread"|"fill",
 *                  "pfs": [{"pf" (as given), "pci", "name" (netdev or ""), "endpoints",
 *                           "state": "ok"|"no netdev"|"gone", "vfs"?: its own ranges}],
 *                  "internal", "pool4", "gateway4", "pool6", "gateway6", "endpoints" (a count),
 *                  "endpoint_list": [{"id", "pf" (netdev or ""), "pf_pci", "pf_state", "vf", "vf_pci",
 *                                     "phase"}],
 *                  "options": {"vlan", "qos", "vlan_proto", "spoofchk", "trust",
 *                  "link_state"?, "min_tx_rate"?, "max_tx_rate"?, "mtu"?, "numvfs"?, "vfs"?,
 *                  "prefix"}}]} */
#ifndef STATUS_VIEW_H
#define STATUS_VIEW_H

#include <jansson.h>

#include "daemon.h"

/* New reference, or NULL when out of memory. st: the state to show (not d->state itself
 * unless the caller holds d->lock). */
json_t *status_view_build(struct daemon *d, struct state *st);

#endif
