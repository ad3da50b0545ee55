/* net_config: a network's VF settings, parsed from CreateNetwork's generic options.
 *
 * Accepted keys (each validated, an unknown key is an error listing these):
 *   pf_iface | netdevice   PF netdev name or PCI address (required); a comma-separated list of
 *                          up to NET_MAX_PFS PFs: VFs are drawn from every one of them
 *   pf_policy              spread (default: the PF with the fewest of this network's endpoints)
 *                          | fill (the first PF in list order with a free VF)
 *   vlanid | vlan          0-4094, 0 = untagged            vlan_qos   0-7
 *   vlan_proto             802.1Q | 802.1ad                 spoofchk   on|off (default on)
 *   trust                  on|off (default off)             privileged 0|1 (1 = trust on + spoofchk off)
 *   link_state             auto|enable|disable (default: left alone)
 *   min_tx_rate, max_tx_rate  Mbit/s (default: left alone)  mtu        68-65535 (default: left alone)
 *   numvfs                 VFs to enable when the PF has none (default sriov_totalvfs)
 *   vfs                    VF indexes this network may use, e.g. "0-3,6" (default all). With
 *                          several PFs, "name#" (a PF as given in pf_iface) starts that PF's own
 *                          ranges: "0-3,enp1s0f1#0-1,6" = 0-3 on every PF but enp1s0f1, which
 *                          gets 0-1 and 6. A PF named in vfs gets only its own ranges; a PF never
 *                          named gets the unqualified ones, or every VF when there are none.
 *   prefix                 interface name prefix in the container (default "eth")
 *   mode                   sriov (default: a VF per endpoint) | passthrough (the NIC's own
 *                          netdev to one endpoint; no SR-IOV needed)
 *   host_nic               passthrough only: refuse (default: a NIC the host uses, with global
 *                          addresses or routes through it, is refused) | allow (it goes with
 *                          them; they are saved and put back when it comes home)
 *
 * Every VF option applies on each PF. In mode=passthrough only pf_iface/netdevice (one NIC), mtu (set on the NIC while a container has it),
 * prefix and host_nic apply: the VF options are refused by name, VLAN ones with their own reason (the
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
#define NET_MAX_PFS 8      /* PFs in one network's pf_iface list */

enum net_mode { NET_MODE_SRIOV = 0, NET_MODE_PASSTHROUGH = 1 };
enum net_pf_policy { NET_PF_SPREAD = 0, NET_PF_FILL = 1 };

struct net_config {
	unsigned mode; /* enum net_mode */
	unsigned pf_count; /* 1..NET_MAX_PFS once parsed */
	char pf_spec[NET_MAX_PFS][NET_PF_SPEC_MAX]; /* as the user gave them, in list order */
	unsigned pf_policy; /* enum net_pf_policy */
	unsigned vlan, qos, vlan_proto;
	bool spoofchk, trust;
	bool link_state_set;
	int link_state;
	bool rate_set;
	unsigned min_tx_rate, max_tx_rate;
	unsigned mtu;    /* 0 = leave the VF's MTU alone */
	unsigned numvfs; /* 0 = sriov_totalvfs */
	bool vfs_set; /* vfs has unqualified ranges: vfs_mask, for every PF without its own */
	uint64_t vfs_mask[NET_MAX_VFS / 64];
	bool pf_vfs_set[NET_MAX_PFS]; /* vfs named this PF ("name#..."): its own mask only */
	uint64_t pf_vfs_mask[NET_MAX_PFS][NET_MAX_VFS / 64];
	char prefix[NET_PREFIX_MAX + 1];
	bool host_nic_allow; /* passthrough: host_nic=allow */
};

int net_config_parse(const struct spec_map *generic, struct net_config *out, sr_error *err);
/* Whether VF vf of the network's PF number pf (index into pf_spec) is in its vfs. */
bool net_config_vf_allowed(const struct net_config *cfg, unsigned pf, int vf);
/* pf_iface's value -> cfg->pf_spec/pf_count: names or PCI addresses, no empty item, no
 * duplicate, at most NET_MAX_PFS; key names the option in errors. */
int net_config_parse_pf_list(const char *key, const char *text, struct net_config *cfg, sr_error *err);
/* vfs's value (after the PFs are known) -> vfs_set/vfs_mask and the per-PF masks. */
int net_config_parse_vfs(const char *text, struct net_config *cfg, sr_error *err);
/* "spread" or "fill". */
const char *net_config_policy_name(unsigned policy);
/* Parses "0-3,6" into mask; error names the bad part. */
int net_config_parse_vf_list(const char *text, uint64_t mask[NET_MAX_VFS / 64], sr_error *err);
/* "0-3,6" back from a mask (for state and status). */
void net_config_format_vf_list(const uint64_t mask[NET_MAX_VFS / 64], char *out, unsigned long size);
/* "sriov" or "passthrough". */
const char *net_config_mode_name(unsigned mode);
/* True for "0000:03:00.1" style addresses. */
bool net_config_is_pci_address(const char *text);

#endif
