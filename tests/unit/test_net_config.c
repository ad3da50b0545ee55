/* net_config: every CreateNetwork generic option, its aliases, ranges and conflicts. Pure, no I/O. */
#include <string.h>

#include "../../netlink/nlk.h"
#include "../../plugin/host/net_config.h"
#include "check.h"

/* Parses key/value pairs given as a NULL-terminated list of strings. */
static int parse_kv(const char *const *kv, struct net_config *cfg, sr_error *err)
{
	struct spec_kv items[32];
	struct spec_map map = {items, 0};
	for (size_t i = 0; kv[i] && kv[i + 1] && map.count < 32; i += 2) {
		items[map.count].key = (char *)kv[i];
		items[map.count].value = (char *)kv[i + 1];
		map.count++;
	}
	sr_error_clear(err);
	memset(cfg, 0x5a, sizeof(*cfg)); /* the parser must not rely on a zeroed output */
	return net_config_parse(&map, cfg, err);
}

#define PARSE_OK(...)                                                                          \
	do {                                                                                   \
		const char *kv_[] = {__VA_ARGS__, NULL};                                       \
		int rc_ = parse_kv(kv_, &cfg, &err);                                           \
		CHECK(rc_ == 0);                                                               \
		if (rc_ != 0)                                                                  \
			fprintf(stderr, "  unexpected error: %s\n", err.msg);                   \
	} while (0)

/* Expects failure and a message containing want. */
#define PARSE_FAIL(want, ...)                                                                  \
	do {                                                                                   \
		const char *kv_[] = {__VA_ARGS__, NULL};                                       \
		int rc_ = parse_kv(kv_, &cfg, &err);                                           \
		CHECK(rc_ == -1);                                                              \
		CHECK(strstr(err.msg, want) != NULL);                                          \
		if (rc_ != -1 || !strstr(err.msg, want))                                       \
			fprintf(stderr, "  wanted '%s', got rc %d '%s'\n", want, rc_, err.msg);  \
	} while (0)

static void test_defaults(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_OK("pf_iface", "enp1s0f0");
	CHECK_STR_EQ(cfg.pf_spec[0], "enp1s0f0");
	CHECK(cfg.vlan == 0 && cfg.qos == 0);
	CHECK(cfg.vlan_proto == NLK_VLAN_8021Q);
	CHECK(cfg.spoofchk == true);
	CHECK(cfg.trust == false);
	CHECK(cfg.link_state_set == false);
	CHECK(cfg.rate_set == false);
	CHECK(cfg.mtu == 0 && cfg.numvfs == 0);
	CHECK(cfg.vfs_set == false);
	CHECK(net_config_vf_allowed(&cfg, 0, 0) && net_config_vf_allowed(&cfg, 0, 255));
	CHECK(!net_config_vf_allowed(&cfg, 0, -1) && !net_config_vf_allowed(&cfg, 0, 256));
	CHECK_STR_EQ(cfg.prefix, "eth");

	/* A NULL map (no generic options at all) is "pf_iface missing", not a crash. */
	sr_error_clear(&err);
	CHECK(net_config_parse(NULL, &cfg, &err) == -1);
	CHECK(strstr(err.msg, "pf_iface") != NULL && strstr(err.msg, "required") != NULL);
}

static void test_pf(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_OK("netdevice", "ens1f1");
	CHECK_STR_EQ(cfg.pf_spec[0], "ens1f1");
	PARSE_OK("pf_iface", "0000:03:00.1");
	CHECK_STR_EQ(cfg.pf_spec[0], "0000:03:00.1");
	PARSE_OK("pf_iface", "10000:e1:00.0"); /* VMD domain */
	CHECK_STR_EQ(cfg.pf_spec[0], "10000:e1:00.0");
	PARSE_OK("pf_iface", "abcdefghijklmno"); /* 15 bytes: the longest name the kernel takes */
	/* Both aliases with the same value are fine; different values conflict. */
	PARSE_OK("pf_iface", "eth1", "netdevice", "eth1");
	PARSE_FAIL("conflicts with the PF already given ('eth1')", "pf_iface", "eth1", "netdevice", "eth2");
	PARSE_FAIL("netdevice 'eth2' conflicts", "pf_iface", "eth1", "netdevice", "eth2");
	PARSE_FAIL("pf_iface: required option missing", "vlanid", "5");
	PARSE_FAIL("pf_iface: required", "prefix", "net");
	/* Hostile names: never reach a sysfs path. */
	PARSE_FAIL("pf_iface '../../etc' is neither", "pf_iface", "../../etc");
	PARSE_FAIL("pf_iface 'a/b' is neither", "pf_iface", "a/b");
	PARSE_FAIL("pf_iface '..' is neither", "pf_iface", "..");
	PARSE_FAIL("pf_iface '.' is neither", "pf_iface", ".");
	PARSE_FAIL("pf_iface 'eth 0' is neither", "pf_iface", "eth 0");
	PARSE_FAIL("pf_iface '' is neither", "pf_iface", "");
	PARSE_FAIL("pf_iface 'abcdefghijklmnop' is neither", "pf_iface", "abcdefghijklmnop"); /* 16 bytes */
	PARSE_FAIL("netdevice 'eth0\t' is neither", "netdevice", "eth0\t");
	PARSE_FAIL("is neither", "pf_iface", "0000:03:00.8"); /* function 8: not PCI, and ':' is no ifname */
	PARSE_FAIL("is neither", "pf_iface", "a:b");
	PARSE_FAIL("is neither", "pf_iface", "0000:03:00.1/../x");
}

static void test_vlan(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_OK("pf_iface", "eth1", "vlanid", "100");
	CHECK(cfg.vlan == 100);
	PARSE_OK("pf_iface", "eth1", "vlan", "4094");
	CHECK(cfg.vlan == 4094);
	PARSE_OK("pf_iface", "eth1", "vlan", "0");
	CHECK(cfg.vlan == 0);
	PARSE_OK("pf_iface", "eth1", "vlanid", "7", "vlan", "7");
	CHECK(cfg.vlan == 7);
	PARSE_FAIL("vlan 8 conflicts with the VLAN already given (7)", "pf_iface", "eth1", "vlanid", "7", "vlan", "8");
	PARSE_FAIL("vlanid 5000 out of range 0-4094", "pf_iface", "eth1", "vlanid", "5000");
	PARSE_FAIL("vlan 4095 out of range 0-4094", "pf_iface", "eth1", "vlan", "4095");
	PARSE_FAIL("vlanid '-1' is not a number", "pf_iface", "eth1", "vlanid", "-1");
	PARSE_FAIL("vlanid '+5' is not a number", "pf_iface", "eth1", "vlanid", "+5");
	PARSE_FAIL("vlanid '' is not a number", "pf_iface", "eth1", "vlanid", "");
	PARSE_FAIL("vlanid '10x' is not a number", "pf_iface", "eth1", "vlanid", "10x");
	PARSE_FAIL("vlanid ' 10' is not a number", "pf_iface", "eth1", "vlanid", " 10");
	PARSE_FAIL("vlanid '99999999999999999999999' is not a number", "pf_iface", "eth1", "vlanid",
		   "99999999999999999999999");
	PARSE_FAIL("vlanid '0x10' is not a number", "pf_iface", "eth1", "vlanid", "0x10");

	PARSE_OK("pf_iface", "eth1", "vlanid", "10", "vlan_qos", "7");
	CHECK(cfg.qos == 7);
	PARSE_OK("pf_iface", "eth1", "vlan_qos", "3", "vlan", "10"); /* order does not matter */
	CHECK(cfg.qos == 3 && cfg.vlan == 10);
	PARSE_FAIL("vlan_qos 8 out of range 0-7", "pf_iface", "eth1", "vlanid", "10", "vlan_qos", "8");
	PARSE_FAIL("vlan_qos 3 needs a vlanid other than 0", "pf_iface", "eth1", "vlan_qos", "3");

	PARSE_OK("pf_iface", "eth1", "vlanid", "10", "vlan_proto", "802.1ad");
	CHECK(cfg.vlan_proto == NLK_VLAN_8021AD);
	PARSE_OK("pf_iface", "eth1", "vlanid", "10", "vlan_proto", "802.1AD");
	CHECK(cfg.vlan_proto == NLK_VLAN_8021AD);
	PARSE_OK("pf_iface", "eth1", "vlan_proto", "802.1Q");
	CHECK(cfg.vlan_proto == NLK_VLAN_8021Q);
	PARSE_FAIL("vlan_proto 'qinq' is not 802.1Q or 802.1ad", "pf_iface", "eth1", "vlanid", "10", "vlan_proto",
		   "qinq");
	PARSE_FAIL("vlan_proto 802.1ad needs a vlanid other than 0", "pf_iface", "eth1", "vlan_proto", "802.1ad");
}

static void test_flags(void)
{
	struct net_config cfg;
	sr_error err;
	static const char *const on[] = {"on", "true", "1", "yes"};
	static const char *const off[] = {"off", "false", "0", "no"};
	for (size_t i = 0; i < 4; i++) {
		PARSE_OK("pf_iface", "eth1", "spoofchk", off[i], "trust", on[i]);
		CHECK(cfg.spoofchk == false && cfg.trust == true);
		PARSE_OK("pf_iface", "eth1", "spoofchk", on[i], "trust", off[i]);
		CHECK(cfg.spoofchk == true && cfg.trust == false);
	}
	PARSE_FAIL("spoofchk 'maybe' is not on or off", "pf_iface", "eth1", "spoofchk", "maybe");
	PARSE_FAIL("trust 'ON' is not on or off", "pf_iface", "eth1", "trust", "ON");
	PARSE_FAIL("trust '' is not on or off", "pf_iface", "eth1", "trust", "");

	PARSE_OK("pf_iface", "eth1", "privileged", "1");
	CHECK(cfg.trust == true && cfg.spoofchk == false);
	PARSE_OK("pf_iface", "eth1", "privileged", "0");
	CHECK(cfg.trust == false && cfg.spoofchk == true);
	PARSE_OK("pf_iface", "eth1", "privileged", "1", "trust", "on", "spoofchk", "off");
	CHECK(cfg.trust == true && cfg.spoofchk == false);
	PARSE_FAIL("privileged=1 means trust on and spoofchk off", "pf_iface", "eth1", "privileged", "1", "trust",
		   "off");
	PARSE_FAIL("conflicts with the trust/spoofchk given", "pf_iface", "eth1", "privileged", "1", "spoofchk", "on");
	PARSE_FAIL("privileged 2 out of range 0-1", "pf_iface", "eth1", "privileged", "2");
	PARSE_FAIL("privileged 'yes' is not a number", "pf_iface", "eth1", "privileged", "yes");

	PARSE_OK("pf_iface", "eth1", "link_state", "auto");
	CHECK(cfg.link_state_set && cfg.link_state == NLK_VF_LINK_AUTO);
	PARSE_OK("pf_iface", "eth1", "link_state", "enable");
	CHECK(cfg.link_state_set && cfg.link_state == NLK_VF_LINK_ENABLE);
	PARSE_OK("pf_iface", "eth1", "link_state", "disable");
	CHECK(cfg.link_state_set && cfg.link_state == NLK_VF_LINK_DISABLE);
	PARSE_FAIL("link_state 'up' is not auto, enable or disable", "pf_iface", "eth1", "link_state", "up");
}

static void test_numbers(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_OK("pf_iface", "eth1", "min_tx_rate", "100", "max_tx_rate", "1000");
	CHECK(cfg.rate_set && cfg.min_tx_rate == 100 && cfg.max_tx_rate == 1000);
	PARSE_OK("pf_iface", "eth1", "max_tx_rate", "10");
	CHECK(cfg.rate_set && cfg.min_tx_rate == 0 && cfg.max_tx_rate == 10);
	PARSE_OK("pf_iface", "eth1", "min_tx_rate", "500"); /* max 0 = no limit: min alone is fine */
	CHECK(cfg.rate_set && cfg.min_tx_rate == 500 && cfg.max_tx_rate == 0);
	PARSE_FAIL("min_tx_rate 2000 is above max_tx_rate 1000", "pf_iface", "eth1", "min_tx_rate", "2000",
		   "max_tx_rate", "1000");
	PARSE_FAIL("max_tx_rate 1000001 out of range", "pf_iface", "eth1", "max_tx_rate", "1000001");
	PARSE_FAIL("min_tx_rate 'fast' is not a number", "pf_iface", "eth1", "min_tx_rate", "fast");

	PARSE_OK("pf_iface", "eth1", "mtu", "68");
	CHECK(cfg.mtu == 68);
	PARSE_OK("pf_iface", "eth1", "mtu", "9000");
	CHECK(cfg.mtu == 9000);
	PARSE_FAIL("mtu 67 out of range 68-65535", "pf_iface", "eth1", "mtu", "67");
	PARSE_FAIL("mtu 65536 out of range 68-65535", "pf_iface", "eth1", "mtu", "65536");

	PARSE_OK("pf_iface", "eth1", "numvfs", "8");
	CHECK(cfg.numvfs == 8);
	PARSE_OK("pf_iface", "eth1", "numvfs", "256");
	PARSE_FAIL("numvfs 0 out of range 1-256", "pf_iface", "eth1", "numvfs", "0");
	PARSE_FAIL("numvfs 257 out of range 1-256", "pf_iface", "eth1", "numvfs", "257");

	PARSE_OK("pf_iface", "eth1", "prefix", "net");
	CHECK_STR_EQ(cfg.prefix, "net");
	PARSE_OK("pf_iface", "eth1", "prefix", "abcdefghij_-"); /* 12 = NET_PREFIX_MAX */
	CHECK_STR_EQ(cfg.prefix, "abcdefghij_-");
	PARSE_FAIL("prefix 'abcdefghijklm' must be 1-12 characters", "pf_iface", "eth1", "prefix", "abcdefghijklm");
	PARSE_FAIL("prefix '' must be 1-12 characters", "pf_iface", "eth1", "prefix", "");
	PARSE_FAIL("prefix 'e/th': only letters", "pf_iface", "eth1", "prefix", "e/th");
	PARSE_FAIL("prefix '..': only letters", "pf_iface", "eth1", "prefix", "..");
	PARSE_FAIL("prefix 'e th': only letters", "pf_iface", "eth1", "prefix", "e th");
	PARSE_FAIL("prefix 'e:': only letters", "pf_iface", "eth1", "prefix", "e:");
}

static void test_unknown(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_FAIL("unknown option 'vlan_id'", "pf_iface", "eth1", "vlan_id", "5");
	CHECK(strstr(err.msg, "accepted: pf_iface, netdevice, vlanid, vlan") != NULL);
	CHECK(strstr(err.msg, "prefix") != NULL && strstr(err.msg, "numvfs") != NULL);
	PARSE_FAIL("unknown option 'modes'", "netdevice", "eth1", "modes", "passthrough");
	/* The first error wins, before the missing-PF check. */
	PARSE_FAIL("unknown option 'x'", "x", "y");
	/* Docker's own com.docker.network.* keys are ignored, whatever their value... */
	PARSE_OK("pf_iface", "eth1", "com.docker.network.bridge.name", "x", "com.docker.network.mtu", "junk");
	CHECK_STR_EQ(cfg.pf_spec[0], "eth1");
	CHECK(cfg.mtu == 0);
	/* ...but they do not stand in for ours, and a near miss is still refused. */
	PARSE_FAIL("pf_iface: required option missing", "com.docker.network.pf_iface", "eth1");
	PARSE_FAIL("unknown option 'com.docker.networkx'", "pf_iface", "eth1", "com.docker.networkx", "1");
}

static void test_vf_list(void)
{
	uint64_t mask[NET_MAX_VFS / 64];
	char text[1024];
	sr_error err = {0};
	struct net_config cfg;

	CHECK(net_config_parse_vf_list("0-3,6", mask, &err) == 0);
	CHECK(mask[0] == 0x4f && mask[1] == 0 && mask[3] == 0);
	net_config_format_vf_list(mask, text, sizeof(text));
	CHECK_STR_EQ(text, "0-3,6");
	CHECK(net_config_parse_vf_list("7", mask, &err) == 0);
	CHECK(mask[0] == 0x80);
	CHECK(net_config_parse_vf_list("255", mask, &err) == 0);
	CHECK(mask[3] == (uint64_t)1 << 63 && mask[0] == 0);
	CHECK(net_config_parse_vf_list("0-255", mask, &err) == 0);
	net_config_format_vf_list(mask, text, sizeof(text));
	CHECK_STR_EQ(text, "0-255");
	CHECK(net_config_parse_vf_list("5,1-2,2,63-64", mask, &err) == 0);
	net_config_format_vf_list(mask, text, sizeof(text));
	CHECK_STR_EQ(text, "1-2,5,63-64");
	CHECK(net_config_parse_vf_list("3-3", mask, &err) == 0);
	net_config_format_vf_list(mask, text, sizeof(text));
	CHECK_STR_EQ(text, "3");

	/* Bad lists: each error names the list and the bad part. */
	CHECK(net_config_parse_vf_list("", mask, &err) == -1 && strstr(err.msg, "empty list"));
	CHECK(net_config_parse_vf_list("3-1", mask, &err) == -1 && strstr(err.msg, "range 3-1 is backwards"));
	CHECK(net_config_parse_vf_list("256", mask, &err) == -1 && strstr(err.msg, "VF index 256 out of range 0-255"));
	CHECK(net_config_parse_vf_list("0-300", mask, &err) == -1 && strstr(err.msg, "out of range"));
	CHECK(net_config_parse_vf_list("0-99999999999999999999999", mask, &err) == -1 &&
	      strstr(err.msg, "out of range"));
	CHECK(net_config_parse_vf_list("1,", mask, &err) == -1 && strstr(err.msg, "trailing comma"));
	CHECK(net_config_parse_vf_list(",1", mask, &err) == -1 && strstr(err.msg, "expected a VF index at ',1'"));
	CHECK(net_config_parse_vf_list("1-", mask, &err) == -1 && strstr(err.msg, "expected a VF index"));
	CHECK(net_config_parse_vf_list("1--2", mask, &err) == -1 && strstr(err.msg, "expected a VF index at '-2'"));
	CHECK(net_config_parse_vf_list("a", mask, &err) == -1 && strstr(err.msg, "vfs 'a'"));
	CHECK(net_config_parse_vf_list("1 2", mask, &err) == -1 && strstr(err.msg, "unexpected ' '"));
	CHECK(net_config_parse_vf_list("1;2", mask, &err) == -1 && strstr(err.msg, "unexpected ';'"));
	CHECK(net_config_parse_vf_list("-1", mask, &err) == -1);
	CHECK(net_config_parse_vf_list("1,,2", mask, &err) == -1);

	/* Through net_config_parse. */
	PARSE_OK("pf_iface", "eth1", "vfs", "0-3,6");
	CHECK(cfg.vfs_set);
	CHECK(net_config_vf_allowed(&cfg, 0, 0) && net_config_vf_allowed(&cfg, 0, 3) && net_config_vf_allowed(&cfg, 0, 6));
	CHECK(!net_config_vf_allowed(&cfg, 0, 4) && !net_config_vf_allowed(&cfg, 0, 5) && !net_config_vf_allowed(&cfg, 0, 7));
	PARSE_FAIL("vfs '0-3,x'", "pf_iface", "eth1", "vfs", "0-3,x");

	/* Formatting into a short buffer stays NUL-terminated and inside it. */
	CHECK(net_config_parse_vf_list("0-3,6,8", mask, &err) == 0);
	memset(text, 'Z', sizeof(text));
	net_config_format_vf_list(mask, text, 4);
	CHECK(strlen(text) < 4);
	CHECK(text[4] == 'Z');
}

/* pf_iface as a list of PFs, and pf_policy. */
static void test_pf_list(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_OK("pf_iface", "enp1s0f0");
	CHECK(cfg.pf_count == 1 && cfg.pf_policy == NET_PF_SPREAD);
	PARSE_OK("pf_iface", "enp1s0f0,enp1s0f1");
	CHECK(cfg.pf_count == 2);
	CHECK_STR_EQ(cfg.pf_spec[0], "enp1s0f0");
	CHECK_STR_EQ(cfg.pf_spec[1], "enp1s0f1");
	CHECK(cfg.pf_policy == NET_PF_SPREAD);
	PARSE_OK("netdevice", "0000:03:00.1,ens2", "pf_policy", "fill");
	CHECK(cfg.pf_count == 2 && cfg.pf_policy == NET_PF_FILL);
	CHECK_STR_EQ(cfg.pf_spec[0], "0000:03:00.1");
	PARSE_OK("pf_iface", "a", "pf_policy", "fill"); /* one PF: nothing to choose, recorded as the default */
	CHECK(cfg.pf_count == 1 && cfg.pf_policy == NET_PF_SPREAD);
	PARSE_OK("pf_iface", "a,b,c,d,e,f,g,h");
	CHECK(cfg.pf_count == NET_MAX_PFS);
	CHECK_STR_EQ(cfg.pf_spec[7], "h");
	PARSE_OK("pf_iface", "a,b", "netdevice", "a,b");
	PARSE_FAIL("pf_iface 'a,b,c,d,e,f,g,h,i': at most 8 PFs per network", "pf_iface", "a,b,c,d,e,f,g,h,i");
	PARSE_FAIL("pf_iface 'a,b,a': a is listed twice", "pf_iface", "a,b,a");
	PARSE_FAIL("pf_iface 'a,,b': empty item in the list", "pf_iface", "a,,b");
	PARSE_FAIL("pf_iface 'a,': empty item in the list", "pf_iface", "a,");
	PARSE_FAIL("pf_iface ',a': empty item in the list", "pf_iface", ",a");
	PARSE_FAIL("pf_iface 'a/b' is neither", "pf_iface", "eth0,a/b");
	PARSE_FAIL("netdevice 'a,c' conflicts with the PF already given ('a', ...)", "pf_iface", "a,b", "netdevice",
		   "a,c");
	PARSE_FAIL("pf_policy 'balance' is not spread or fill", "pf_iface", "a,b", "pf_policy", "balance");
	PARSE_FAIL("pf_policy '' is not spread or fill", "pf_iface", "a,b", "pf_policy", "");
	/* passthrough: one NIC, and pf_policy is a VF option */
	PARSE_FAIL("pf_iface: 2 NICs listed; mode=passthrough gives one NIC", "pf_iface", "a,b", "mode",
		   "passthrough");
	PARSE_FAIL("pf_policy: a VF option, refused in mode=passthrough", "pf_iface", "a", "mode", "passthrough",
		   "pf_policy", "fill");
	PARSE_OK("pf_iface", "a", "mode", "passthrough");
	CHECK(cfg.pf_count == 1);
}

/* vfs naming PFs: "name#ranges" for that PF, unqualified ranges for the PFs not named. */
static void test_vfs_per_pf(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_OK("pf_iface", "p0,p1", "vfs", "p1#0-3");
	CHECK(!cfg.vfs_set && !cfg.pf_vfs_set[0] && cfg.pf_vfs_set[1]);
	CHECK(net_config_vf_allowed(&cfg, 0, 0) && net_config_vf_allowed(&cfg, 0, 200)); /* p0: every VF */
	CHECK(net_config_vf_allowed(&cfg, 1, 3) && !net_config_vf_allowed(&cfg, 1, 4));
	/* the qualifier holds up to the next one; order of options does not matter */
	PARSE_OK("vfs", "0-1,p1#4,6,0000:05:00.0#7", "pf_iface", "p0,p1,0000:05:00.0");
	CHECK(cfg.vfs_set);
	CHECK(net_config_vf_allowed(&cfg, 0, 1) && !net_config_vf_allowed(&cfg, 0, 4));
	CHECK(!net_config_vf_allowed(&cfg, 1, 0) && net_config_vf_allowed(&cfg, 1, 4) && net_config_vf_allowed(&cfg, 1, 6));
	CHECK(!net_config_vf_allowed(&cfg, 1, 5));
	CHECK(net_config_vf_allowed(&cfg, 2, 7) && !net_config_vf_allowed(&cfg, 2, 0));
	/* the same PF named twice adds up */
	PARSE_OK("pf_iface", "p0,p1", "vfs", "p1#1,p0#2,p1#3");
	CHECK(net_config_vf_allowed(&cfg, 1, 1) && net_config_vf_allowed(&cfg, 1, 3) && !net_config_vf_allowed(&cfg, 1, 2));
	CHECK(net_config_vf_allowed(&cfg, 0, 2) && !net_config_vf_allowed(&cfg, 0, 1));
	/* one PF may be named too */
	PARSE_OK("pf_iface", "p0", "vfs", "p0#2-3");
	CHECK(!net_config_vf_allowed(&cfg, 0, 1) && net_config_vf_allowed(&cfg, 0, 2));
	PARSE_FAIL("vfs 'p2#0': PF 'p2' is not in pf_iface", "pf_iface", "p0,p1", "vfs", "p2#0");
	PARSE_FAIL("vfs '#0': '#' without a PF name", "pf_iface", "p0,p1", "vfs", "#0");
	PARSE_FAIL("vfs 'p1#': no VF range after 'p1#'", "pf_iface", "p0,p1", "vfs", "p1#");
	PARSE_FAIL("vfs 'p1#,1': no VF range after 'p1#'", "pf_iface", "p0,p1", "vfs", "p1#,1");
	PARSE_FAIL("vfs 'p1#0-x': expected a VF index at 'x'", "pf_iface", "p0,p1", "vfs", "p1#0-x");
	PARSE_FAIL("vfs 'p1#3-1': range 3-1 is backwards", "pf_iface", "p0,p1", "vfs", "p1#3-1");
	PARSE_FAIL("vfs 'p1#300': VF index 300 out of range", "pf_iface", "p0,p1", "vfs", "p1#300");
	PARSE_FAIL("vfs '0,p1#1,': trailing comma", "pf_iface", "p0,p1", "vfs", "0,p1#1,");
	PARSE_FAIL("vfs '': empty list", "pf_iface", "p0,p1", "vfs", "");
}

static void test_pci_address(void)
{
	CHECK(net_config_is_pci_address("0000:01:00.0"));
	CHECK(net_config_is_pci_address("0000:aF:1f.7"));
	CHECK(!net_config_is_pci_address("0000:01:00.8"));
	CHECK(!net_config_is_pci_address("0000:01:00"));
	CHECK(!net_config_is_pci_address("0000:01:00.00"));
	CHECK(!net_config_is_pci_address("0000-01:00.0"));
	CHECK(!net_config_is_pci_address("000g:01:00.0"));
	CHECK(!net_config_is_pci_address("../01:00.0"));
	CHECK(!net_config_is_pci_address(""));
	CHECK(!net_config_is_pci_address(NULL));
	/* Intel VMD puts devices in domains above 0xffff: 5 hex digits */
	CHECK(net_config_is_pci_address("10000:e1:00.0"));
	CHECK(net_config_is_pci_address("1000a:01:10.3"));
	CHECK(!net_config_is_pci_address("123456789:01:00.0"));
	CHECK(!net_config_is_pci_address("000:01:00.0"));
	CHECK(!net_config_is_pci_address("10000:e1:00.8"));
	CHECK(!net_config_is_pci_address("1000x:e1:00.0"));
}

static void test_mode(void)
{
	struct net_config cfg;
	sr_error err;
	PARSE_OK("pf_iface", "enp1s0f0");
	CHECK(cfg.mode == NET_MODE_SRIOV);
	PARSE_OK("pf_iface", "enp1s0f0", "mode", "sriov", "vlanid", "5");
	CHECK(cfg.mode == NET_MODE_SRIOV && cfg.vlan == 5);
	/* the other plugin's names: netdevice + mode=passthrough */
	PARSE_OK("netdevice", "enp2s0", "mode", "passthrough");
	CHECK(cfg.mode == NET_MODE_PASSTHROUGH);
	CHECK_STR_EQ(cfg.pf_spec[0], "enp2s0");
	CHECK_STR_EQ(net_config_mode_name(cfg.mode), "passthrough");
	CHECK_STR_EQ(net_config_mode_name(NET_MODE_SRIOV), "sriov");
	PARSE_OK("mode", "passthrough", "pf_iface", "0000:02:00.0", "mtu", "9000", "prefix", "nic");
	CHECK(cfg.mtu == 9000);
	CHECK_STR_EQ(cfg.prefix, "nic");
	CHECK(!cfg.host_nic_allow);
	/* host_nic: passthrough only; allow lets a NIC the host uses go (with its addresses) */
	PARSE_OK("mode", "passthrough", "pf_iface", "enp2s0", "host_nic", "allow");
	CHECK(cfg.host_nic_allow);
	PARSE_OK("mode", "passthrough", "pf_iface", "enp2s0", "host_nic", "refuse");
	CHECK(!cfg.host_nic_allow);
	PARSE_FAIL("host_nic 'yes' is not allow or refuse", "mode", "passthrough", "pf_iface", "enp2s0", "host_nic",
		   "yes");
	PARSE_FAIL("host_nic: a mode=passthrough option", "pf_iface", "enp1s0f0", "host_nic", "allow");
	PARSE_OK("mode", "passthrough", "pf_iface", "enp2s0", "mode", "passthrough");
	/* the option order does not matter: VF options are judged once the mode is known */
	PARSE_FAIL("vlanid: no VLAN in mode=passthrough: the container owns the whole port", "vlanid", "100",
		   "pf_iface", "enp2s0", "mode", "passthrough");
	PARSE_FAIL("vlan: no VLAN in mode=passthrough", "mode", "passthrough", "pf_iface", "enp2s0", "vlan", "0");
	PARSE_FAIL("vlan_qos: no VLAN in mode=passthrough", "mode", "passthrough", "pf_iface", "x", "vlan_qos", "1");
	PARSE_FAIL("vlan_proto: no VLAN", "mode", "passthrough", "pf_iface", "x", "vlan_proto", "802.1ad");
	PARSE_FAIL("vfs: a VF option, refused in mode=passthrough", "mode", "passthrough", "pf_iface", "x", "vfs",
		   "0-3");
	PARSE_FAIL("numvfs: a VF option, refused in mode=passthrough", "mode", "passthrough", "pf_iface", "x",
		   "numvfs", "2");
	PARSE_FAIL("spoofchk: a VF option", "mode", "passthrough", "pf_iface", "x", "spoofchk", "off");
	PARSE_FAIL("trust: a VF option", "mode", "passthrough", "pf_iface", "x", "trust", "on");
	PARSE_FAIL("privileged: a VF option", "mode", "passthrough", "pf_iface", "x", "privileged", "1");
	PARSE_FAIL("link_state: a VF option", "mode", "passthrough", "pf_iface", "x", "link_state", "enable");
	PARSE_FAIL("max_tx_rate: a VF option", "mode", "passthrough", "pf_iface", "x", "max_tx_rate", "100");
	PARSE_FAIL("mode 'bogus' is not sriov or passthrough", "pf_iface", "x", "mode", "bogus");
	PARSE_FAIL("mode '' is not sriov or passthrough", "pf_iface", "x", "mode", "");
	PARSE_FAIL("mode 'Passthrough' is not sriov or passthrough", "pf_iface", "x", "mode", "Passthrough");
	PARSE_FAIL("mode sriov conflicts with the mode already given (passthrough)", "pf_iface", "x", "mode",
		   "passthrough", "mode", "sriov");
	PARSE_FAIL("the NIC's netdev name or PCI address", "mode", "passthrough");
	/* the unknown-option message lists mode */
	PARSE_FAIL("prefix, mode", "pf_iface", "x", "bogus", "1");
	/* a bad value of an allowed option is still named */
	PARSE_FAIL("mtu 10 out of range", "mode", "passthrough", "pf_iface", "x", "mtu", "10");
}

int main(void)
{
	test_defaults();
	test_pf();
	test_vlan();
	test_flags();
	test_numbers();
	test_unknown();
	test_vf_list();
	test_pf_list();
	test_vfs_per_pf();
	test_pci_address();
	test_mode();
	return check_summary("net_config");
}
