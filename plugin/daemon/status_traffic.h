/* status_traffic: what `status` adds from a traffic view (traffic_view.h) to the status view
 * (status_view.h): each PF's pool ("pool": VFs in_use, released, free, foreign, unusable), its
 * link ("carrier", "speed_mbps": null when unknown), and counters for each VF (pfs[].vfs[]) and
 * each endpoint (networks[].endpoint_list[]):
 *   "counters": {"rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_dropped", "tx_dropped",
 *                "multicast", "broadcast": raw numbers, null when no source has them,
 *                "source": {each of those: "pf" | "netdev" | "none"},
 *                "netdev": where the netdev's numbers came from ("" none), "in_sandbox": bool} */
#ifndef STATUS_TRAFFIC_H
#define STATUS_TRAFFIC_H

#include <jansson.h>

#include "traffic_view.h"

/* Adds to view in place; false when out of memory. */
bool status_traffic_add(json_t *view, const struct traffic_view *tv);

#endif
