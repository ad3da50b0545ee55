/* mac_derive: the MAC an endpoint gets when Docker names none, derived from its network and
 * address so that a container that comes back with the same IP (restart, disconnect/connect,
 * a task re-created on another host) comes back with the same MAC, and its peers' ARP entries
 * stay right.
 *
 * Layout of attempt 0 with an IPv4 address:  byte 0 = 6 bits of H | 0x02 (locally administered,
 * unicast), byte 1 = 8 more bits of H, bytes 2-5 = the IPv4 address; H = FNV-1a 64 of the
 * network ID. Addresses are unique within a network (a swarm network has one ID on every node,
 * and each node hands out its own --ip-range), so these MACs are too; 14 bits of H set networks
 * apart. Attempt n > 0 (a local clash with another network's endpoint), or no IPv4 address:
 * all 46 free bits from FNV-1a 64 of "network ID / address / n". Pure: no I/O. */
#ifndef SRIOV_MAC_DERIVE_H
#define SRIOV_MAC_DERIVE_H

#include <stdint.h>

/* address4 / address6: "ip/len" or "ip" or "" (as CreateEndpoint carries them). Returns -1 when
 * neither is an address (no MAC can be derived), else 0. */
int mac_derive(const char *network_id, const char *address4, const char *address6, unsigned attempt,
	       uint8_t mac[6]);

#endif
