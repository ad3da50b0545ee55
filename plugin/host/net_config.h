/* net_config: a network's VF settings, parsed from CreateNetwork's generic options.
 *
 * Accepted keys (each validated, an unknown key is an error listing these):
 *   pf_iface | netdevice   PF netdev name or PCI address (required)
 *   vlanid | vlan          0-4094, 0 = untagged            vlan_qos   0-7
 *   vlan_proto             802.1Q | 802.1ad                 spoofchk   on|off (default on)
 *   trust                  on|off (default off)             privileged 0|1 (1 = trust on + spoofchk off)
 *   link_state             auto|enable|disable (default: left alone)
 *   min_tx_rate, max_tx_rate  Mbit/s (default: left alone)  mtu        68-65535 (default: left alone)
 *   numvfs                 VFs to enable when the PF has none (default sriov_totalvfs)
 *   vfs                    VF indexes this network may use, e.g. "0-3,6" (default all)
 *   prefix                 interface name prefix in the container (default "eth")
 *   mode                   sriov (default: a VF per endpoint) | passthrough (the NIC's own
 *                          netdev to one endpoint; no SR-IOV needed)
 *
 * In mode=passthrough only pf_iface/netdevice, mtu (set on the NIC while a container has it) and
 * prefix apply: the VF options are refused by name, VLAN ones with their own reason (the
 * container owns the whole port, tags included). */
#ifndef NET_CONFIG_H
#define NET_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "../../common/sr_error.h"
#include "../../spec/spec.h"

#define NET_MAX_VFS 256
#define NET_PF_SPEC_MAX 32 /* netdev name (<16) or PCI address */
#define NET_PREFIX_MAX 12  /* leaves room for an index within IFNAMSIZ */

enum net_mode { NET_MODE_SRIOV = 0, NET_MODE_PASSTHROUGH = 1 };

struct net_config {
	unsigned mode; /* enum net_mode */
	char pf_spec[NET_PF_SPEC_MAX]; /* as the user gave it */
	unsigned vlan, qos, vlan_proto;
	bool spoofchk, trust;
	bool link_state_set;
	int link_state;
	bool rate_set;
	unsigned min_tx_rate, max_tx_rate;
	unsigned mtu;    /* 0 = leave the VF's MTU alone */
	unsigned numvfs; /* 0 = sriov_totalvfs */
	bool vfs_set;
	uint64_t vfs_mask[NET_MAX_VFS / 64];
	char prefix[NET_PREFIX_MAX + 1];
};

int net_config_parse(const struct spec_map *generic, struct net_config *out, sr_error *err);
bool net_config_vf_allowed(const struct net_config *cfg, int vf);
/* Parses "0-3,6" into mask; error names the bad part. */
int net_config_parse_vf_list(const char *text, uint64_t mask[NET_MAX_VFS / 64], sr_error *err);
/* "0-3,6" back from a mask (for state and status). */
void net_config_format_vf_list(const uint64_t mask[NET_MAX_VFS / 64], char *out, unsigned long size);
/* "sriov" or "passthrough". */
const char *net_config_mode_name(unsigned mode);
/* True for "0000:03:00.1" style addresses. */
bool net_config_is_pci_address(const char *text);

#endif
