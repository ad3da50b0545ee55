/* nlk: the kernel side, through libnl-route-3: links and VF configuration via the PF.
 *
 * One `struct nlk` wraps one NETLINK_ROUTE socket bound to the network
 * namespace it was opened in. (The tests' helpers that open one in another
 * namespace and move links between namespaces are in tests/lib.)
 * Not thread-safe: one caller at a time (the daemon holds its lock).
 * Every function returns 0 or -1 with err naming the operation, the link and
 * the kernel's reason, e.g. "set VF 3 link state on enp1s0f0: Operation not supported".
 * Interface names are validated (nlk_ifname_valid) before any call. */
#ifndef NLK_H
#define NLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/sr_error.h"

#define NLK_IFNAMSIZ 16

struct nlk;

int nlk_open(struct nlk **out, sr_error *err);
void nlk_close(struct nlk *nl);

/* 1..15 bytes, no '/', no whitespace, not "." or "..", no ':'. */
bool nlk_ifname_valid(const char *name);

struct nlk_link_info {
	int ifindex;
	char name[NLK_IFNAMSIZ];
	uint8_t mac[6];
	unsigned mtu;
	bool up;          /* IFF_UP administratively */
	int num_vf;       /* IFLA_NUM_VF, 0 if none */
};

/* Returns -1 with err->code = ENODEV when no such link. */
int nlk_link_get(struct nlk *nl, const char *ifname, struct nlk_link_info *out, sr_error *err);
int nlk_link_get_by_index(struct nlk *nl, int ifindex, struct nlk_link_info *out, sr_error *err);
int nlk_link_set_up(struct nlk *nl, const char *ifname, bool up, sr_error *err);
int nlk_link_set_mac(struct nlk *nl, const char *ifname, const uint8_t mac[6], sr_error *err);
int nlk_link_set_mtu(struct nlk *nl, const char *ifname, unsigned mtu, sr_error *err);
/* The kernel refuses to rename a link that is up (EBUSY): the caller brings it down first. */
int nlk_link_rename(struct nlk *nl, const char *ifname, const char *new_name, sr_error *err);
/* Number of IPv4/IPv6 addresses on the link (any scope except link-local IPv6). */
int nlk_link_address_count(struct nlk *nl, int ifindex, int *count, sr_error *err);

/* A link's IP configuration as the host gave it: its global-scope addresses and the routes
 * through it that are not the kernel's own (a prefix route of an address, the local table: those
 * come back with the addresses). Moving a netdev to another namespace flushes both; mode=
 * passthrough saves them with a NIC allowed to carry them and adds them back when it is home. */
#define NLK_IPCONF_MAX 8
struct nlk_ip {
	uint8_t family; /* AF_INET or AF_INET6; 0 = none */
	uint8_t bytes[16];
	uint8_t prefixlen;
};
struct nlk_ip_route {
	struct nlk_ip dst;      /* prefixlen 0: a default route */
	struct nlk_ip gateway;  /* family 0: none (on-link) */
	struct nlk_ip pref_src; /* family 0: none */
	uint32_t table, priority;
	uint8_t protocol, scope;
};
struct nlk_ipconf {
	unsigned addr_count, route_count;
	struct nlk_ip addrs[NLK_IPCONF_MAX];
	struct nlk_ip_route routes[NLK_IPCONF_MAX];
	bool more; /* more than NLK_IPCONF_MAX of either, or a multipath route: not all of it is here */
};
int nlk_link_ipconf_get(struct nlk *nl, int ifindex, struct nlk_ipconf *out, sr_error *err);
/* Adds c's addresses, then its routes, on link ifindex; one that exists already is fine. Carries
 * on past a failure and reports the first ("add route default via 10.1.0.1 on link index 7: ..."). */
int nlk_link_ipconf_add(struct nlk *nl, int ifindex, const struct nlk_ipconf *c, sr_error *err);
/* "10.1.0.5/24" (with_prefix) or "10.1.0.5"; "" for none. */
void nlk_ip_format(const struct nlk_ip *ip, bool with_prefix, char *out, size_t size);
/* "10.1.0.5/24", "fd00::5/64" or a plain address (a full-length prefix); -1 when not one. */
int nlk_ip_parse(const char *text, struct nlk_ip *out);
/* "default via 10.1.0.1", "10.2.0.0/16 via 10.1.0.1", "10.3.0.0/16" */
void nlk_route_format(const struct nlk_ip_route *r, char *out, size_t size);

/* VF settings as read from / written to the PF (IFLA_VFINFO_LIST). */
enum nlk_vf_link_state { NLK_VF_LINK_AUTO = 0, NLK_VF_LINK_ENABLE = 1, NLK_VF_LINK_DISABLE = 2 };
enum nlk_vlan_proto { NLK_VLAN_8021Q = 0x8100, NLK_VLAN_8021AD = 0x88a8 };

struct nlk_vf_config {
	int vf;
	uint8_t mac[6];
	unsigned vlan;       /* 0..4094, 0 = untagged */
	unsigned qos;        /* 0..7 */
	unsigned vlan_proto; /* enum nlk_vlan_proto */
	bool spoofchk;
	bool trust;
	int link_state;      /* enum nlk_vf_link_state */
	unsigned min_tx_rate; /* Mbit/s */
	unsigned max_tx_rate;
	/* Which fields the kernel reported (some drivers omit trust/link state).
	 * has_rate: libnl 3.7 cannot tell "no IFLA_VF_RATE" from "0 = no limit",
	 * and every kernel since 3.16 sends it, so it is true for any VF found. */
	bool has_spoofchk, has_trust, has_link_state, has_rate;
};

/* Reads VF `vf` of PF `pf_ifname`. ENOENT if the PF reports no such VF. */
int nlk_vf_get(struct nlk *nl, const char *pf_ifname, int vf, struct nlk_vf_config *out, sr_error *err);

/* Each setter changes exactly one thing, so the caller can undo step by step
 * and name the step that failed. */
int nlk_vf_set_mac(struct nlk *nl, const char *pf_ifname, int vf, const uint8_t mac[6], sr_error *err);
int nlk_vf_set_vlan(struct nlk *nl, const char *pf_ifname, int vf, unsigned vlan, unsigned qos,
		    unsigned vlan_proto, sr_error *err);
int nlk_vf_set_spoofchk(struct nlk *nl, const char *pf_ifname, int vf, bool on, sr_error *err);
int nlk_vf_set_trust(struct nlk *nl, const char *pf_ifname, int vf, bool on, sr_error *err);
int nlk_vf_set_link_state(struct nlk *nl, const char *pf_ifname, int vf, int link_state, sr_error *err);
int nlk_vf_set_rate(struct nlk *nl, const char *pf_ifname, int vf, unsigned min_mbps, unsigned max_mbps,
		    sr_error *err);
/* Several of want's settings (NLK_VF_SET_* bits) in one request: one trip through the kernel's
 * RTNL lock instead of one per setting, which under a burst of endpoint operations is one wait
 * behind every other holder instead of several. The kernel applies them in its own order (MAC,
 * VLAN, rate, spoof check, link state, trust) and stops at the first one it refuses, leaving
 * those before it applied; its answer does not say which one: set them one by one to know. */
enum {
	NLK_VF_SET_MAC = 1,
	NLK_VF_SET_VLAN = 2,
	NLK_VF_SET_SPOOFCHK = 4,
	NLK_VF_SET_TRUST = 8,
	NLK_VF_SET_LINK_STATE = 16,
	NLK_VF_SET_RATE = 32,
	NLK_VF_SET_ALL = 63,
};
int nlk_vf_set_many(struct nlk *nl, const char *pf_ifname, const struct nlk_vf_config *want, unsigned fields,
		    sr_error *err);

/* Counters: a link's own (IFLA_STATS64, as `ip -s link` shows them), and a VF's as its PF
 * reports them (IFLA_VF_STATS; the kernel sends zeros for a driver without ndo_get_vf_stats,
 * igb among them, and libnl 3.7 reads no drop counters there). */
struct nlk_link_stats {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets, rx_dropped, tx_dropped, multicast;
};

struct nlk_vf_stats {
	bool present; /* the PF reported this VF with IFLA_VF_STATS */
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets, broadcast, multicast;
};

/* Every VF's counters as PF pf_ifname reports them, in one request: out[vf] for vf < max
 * (entries of VFs the PF did not report stay !present); *num_vf = the PF's IFLA_NUM_VF. */
int nlk_pf_vf_stats(struct nlk *nl, const char *pf_ifname, struct nlk_vf_stats *out, int max, int *num_vf,
		    sr_error *err);

/* The links of a namespace and their counters, read in one dump. */
struct nlk_link_entry {
	int ifindex;
	char name[NLK_IFNAMSIZ];
	uint8_t mac[6];
	bool up;        /* IFF_UP */
	bool carrier;   /* IFLA_CARRIER */
	struct nlk_link_stats stats;
};
struct nlk_link_table {
	struct nlk_link_entry *links;
	size_t count;
};
int nlk_link_table_read(struct nlk *nl, struct nlk_link_table *out, sr_error *err);
void nlk_link_table_free(struct nlk_link_table *t);
const struct nlk_link_entry *nlk_link_table_by_name(const struct nlk_link_table *t, const char *name);
/* The one link with this MAC (not loopback's zero MAC); NULL when none or several have it. */
const struct nlk_link_entry *nlk_link_table_by_mac(const struct nlk_link_table *t, const uint8_t mac[6]);

/* Another namespace's links, read through a socket of ours (IFLA_TARGET_NETNSID, Linux >= 4.20):
 * no thread enters that namespace and no socket is opened in it. The namespace is known to ours
 * by an id (an nsid, as `ip netns list-id` shows): nlk_netns_id gives the one our namespace has
 * for the namespace whose file is netns_path (a SandboxKey, a bind-mounted nsfs file), assigning
 * one when it has none (RTM_NEWNSID; the kernel drops it when that namespace goes). */
int nlk_netns_id(struct nlk *nl, const char *netns_path, int *nsid, sr_error *err);
/* The ids our namespace has for others (RTM_GETNSID dump), at most max of them in ids. The
 * kernel gives one to a namespace a link of ours moved to, so a container's is among them even
 * when its SandboxKey file cannot be opened as a namespace (a service whose mount namespace never
 * saw dockerd's later bind mounts). */
int nlk_netns_ids(struct nlk *nl, int *ids, size_t max, size_t *count, sr_error *err);
/* The socket the calls here need (their GETs are answered without an ACK): a socket of
 * its own, never the one other calls use (they expect ACKs). Close it with nlk_close. */
int nlk_open_no_ack(struct nlk **out, sr_error *err);
int nlk_link_table_read_nsid(struct nlk *nl, int nsid, struct nlk_link_table *out, sr_error *err);
/* One link of that namespace, by its ifindex there (ENODEV when none). */
int nlk_link_entry_get_nsid(struct nlk *nl, int nsid, int ifindex, struct nlk_link_entry *out, sr_error *err);
/* One link of the socket's namespace with its counters, by name (ENODEV when none). */
int nlk_link_entry_get(struct nlk *nl, const char *ifname, struct nlk_link_entry *out, sr_error *err);

/* The PF's embedded switch mode through devlink (generic netlink), by PCI address. In
 * switchdev mode VF settings through the PF (VLAN, spoof check, trust, rates) are not how
 * traffic is steered: representors and TC/OVS rules are. Errors: ENOENT no devlink in the
 * kernel, ENODEV the PF's driver has no devlink instance (igb), EOPNOTSUPP no eswitch. */
enum nlk_eswitch_mode { NLK_ESWITCH_LEGACY = 0, NLK_ESWITCH_SWITCHDEV = 1 };
int nlk_devlink_eswitch_mode(const char *pci, int *mode, sr_error *err);

/* MAC helpers (no kernel involved). */
int nlk_mac_parse(const char *text, uint8_t mac[6]);          /* 0 ok, -1 bad */
void nlk_mac_format(const uint8_t mac[6], char out[18]);      /* "aa:bb:cc:dd:ee:ff" */
bool nlk_mac_is_zero(const uint8_t mac[6]);
bool nlk_mac_is_unicast(const uint8_t mac[6]);                /* not multicast, not zero */

/* A watch on what makes a wait end: links added, renamed, moved, up or with carrier
 * (RTNLGRP_LINK), devices bound or unbound and udev done with them (uevents). Open it before
 * the first look at what you wait for; then look, and wait, and look again. Each waiter opens
 * its own (no shared state between threads). */
struct nlk_watch;
int nlk_watch_open(struct nlk_watch **out, sr_error *err);
void nlk_watch_close(struct nlk_watch *w);
/* Sleeps until an event arrives or timeout_ms passes: 1 when events arrived (all are
 * read and dropped), 0 on timeout. */
int nlk_watch_wait(struct nlk_watch *w, int timeout_ms);

#endif
