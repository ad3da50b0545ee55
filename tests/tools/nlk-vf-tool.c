/* nlk-vf-tool: drive the nlk VF path by hand, to prove it on a real SR-IOV PF.
 *
 *   nlk-vf-tool link IFNAME                 link info as one JSON line
 *   nlk-vf-tool get PF VF                   VF config as one JSON line
 *   nlk-vf-tool set PF VF mac XX:XX:XX:XX:XX:XX
 *   nlk-vf-tool set PF VF vlan VLAN [QOS [8021q|8021ad]]
 *   nlk-vf-tool set PF VF spoofchk on|off
 *   nlk-vf-tool set PF VF trust on|off
 *   nlk-vf-tool set PF VF state auto|enable|disable
 *   nlk-vf-tool set PF VF rate MIN_MBPS MAX_MBPS
 *
 * Exit 0 ok, 1 with the nlk error message on stderr, 2 on usage errors. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../netlink/nlk.h"

static int usage(void)
{
	fprintf(stderr, "usage: nlk-vf-tool link IFNAME\n"
			"       nlk-vf-tool get PF VF\n"
			"       nlk-vf-tool set PF VF mac|vlan|spoofchk|trust|state|rate VALUE...\n");
	return 2;
}

static int parse_uint(const char *text, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_onoff(const char *text, bool *out)
{
	if (strcmp(text, "on") == 0)
		*out = true;
	else if (strcmp(text, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int print_json(json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int rc = text ? 0 : 1;

	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(obj);
	return rc;
}

static int cmd_link(struct nlk *nl, const char *ifname)
{
	struct nlk_link_info info;
	sr_error err = {0};
	char mac[18];

	if (nlk_link_get(nl, ifname, &info, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	nlk_mac_format(info.mac, mac);
	return print_json(json_pack("{s:i, s:s, s:s, s:i, s:b, s:i}", "ifindex", info.ifindex, "name", info.name,
				    "mac", mac, "mtu", (int)info.mtu, "up", info.up, "num_vf", info.num_vf));
}

static int cmd_get(struct nlk *nl, const char *pf, int vf)
{
	struct nlk_vf_config c;
	sr_error err = {0};
	char mac[18];
	json_t *obj;

	if (nlk_vf_get(nl, pf, vf, &c, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	nlk_mac_format(c.mac, mac);
	obj = json_pack("{s:i, s:s, s:i, s:i, s:s}", "vf", c.vf, "mac", mac, "vlan", (int)c.vlan, "qos", (int)c.qos,
			"vlan_proto", c.vlan_proto == NLK_VLAN_8021AD ? "802.1ad" : "802.1Q");
	if (!obj)
		return 1;
	json_object_set_new(obj, "spoofchk", c.has_spoofchk ? json_boolean(c.spoofchk) : json_null());
	json_object_set_new(obj, "trust", c.has_trust ? json_boolean(c.trust) : json_null());
	json_object_set_new(obj, "link_state",
			    !c.has_link_state ? json_null()
			    : c.link_state == NLK_VF_LINK_ENABLE ? json_string("enable")
			    : c.link_state == NLK_VF_LINK_DISABLE ? json_string("disable")
								   : json_string("auto"));
	json_object_set_new(obj, "min_tx_rate", c.has_rate ? json_integer(c.min_tx_rate) : json_null());
	json_object_set_new(obj, "max_tx_rate", c.has_rate ? json_integer(c.max_tx_rate) : json_null());
	return print_json(obj);
}

static int cmd_set(struct nlk *nl, const char *pf, int vf, const char *field, int argc, char **argv)
{
	sr_error err = {0};
	unsigned a = 0, b = 0, proto = NLK_VLAN_8021Q;
	uint8_t mac[6];
	bool on;
	int rc;

	if (strcmp(field, "mac") == 0 && argc == 1) {
		if (nlk_mac_parse(argv[0], mac) < 0)
			return usage();
		rc = nlk_vf_set_mac(nl, pf, vf, mac, &err);
	} else if (strcmp(field, "vlan") == 0 && argc >= 1 && argc <= 3) {
		if (parse_uint(argv[0], 4095, &a) < 0 || (argc >= 2 && parse_uint(argv[1], 7, &b) < 0))
			return usage();
		if (argc == 3 && strcmp(argv[2], "8021ad") == 0)
			proto = NLK_VLAN_8021AD;
		else if (argc == 3 && strcmp(argv[2], "8021q") != 0)
			return usage();
		rc = nlk_vf_set_vlan(nl, pf, vf, a, b, proto, &err);
	} else if (strcmp(field, "spoofchk") == 0 && argc == 1) {
		if (parse_onoff(argv[0], &on) < 0)
			return usage();
		rc = nlk_vf_set_spoofchk(nl, pf, vf, on, &err);
	} else if (strcmp(field, "trust") == 0 && argc == 1) {
		if (parse_onoff(argv[0], &on) < 0)
			return usage();
		rc = nlk_vf_set_trust(nl, pf, vf, on, &err);
	} else if (strcmp(field, "state") == 0 && argc == 1) {
		int state = strcmp(argv[0], "auto") == 0      ? NLK_VF_LINK_AUTO
			    : strcmp(argv[0], "enable") == 0  ? NLK_VF_LINK_ENABLE
			    : strcmp(argv[0], "disable") == 0 ? NLK_VF_LINK_DISABLE
							      : -1;
		if (state < 0)
			return usage();
		rc = nlk_vf_set_link_state(nl, pf, vf, state, &err);
	} else if (strcmp(field, "rate") == 0 && argc == 2) {
		if (parse_uint(argv[0], UINT_MAX, &a) < 0 || parse_uint(argv[1], UINT_MAX, &b) < 0)
			return usage();
		rc = nlk_vf_set_rate(nl, pf, vf, a, b, &err);
	} else {
		return usage();
	}
	if (rc < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct nlk *nl = NULL;
	sr_error err = {0};
	unsigned vf = 0;
	int rc;

	if (argc == 3 && strcmp(argv[1], "link") == 0) {
		/* fall through to open */
	} else if (argc >= 4 && (strcmp(argv[1], "get") == 0 || strcmp(argv[1], "set") == 0)) {
		if (parse_uint(argv[3], INT_MAX, &vf) < 0)
			return usage();
		if ((strcmp(argv[1], "get") == 0) != (argc == 4) || (strcmp(argv[1], "set") == 0 && argc < 6))
			return usage();
	} else {
		return usage();
	}
	if (nlk_open(&nl, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	if (strcmp(argv[1], "link") == 0)
		rc = cmd_link(nl, argv[2]);
	else if (strcmp(argv[1], "get") == 0)
		rc = cmd_get(nl, argv[2], (int)vf);
	else
		rc = cmd_set(nl, argv[2], (int)vf, argv[4], argc - 5, argv + 5);
	nlk_close(nl);
	return rc;
}
