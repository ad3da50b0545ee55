#include "net_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../netlink/nlk.h"

static const char accepted_keys[] =
	"pf_iface, netdevice, vlanid, vlan, vlan_qos, vlan_proto, spoofchk, trust, privileged, link_state, "
	"min_tx_rate, max_tx_rate, mtu, numvfs, vfs, prefix, mode, pf_policy, host_nic";

const char *net_config_mode_name(unsigned mode)
{
	return mode == NET_MODE_PASSTHROUGH ? "passthrough" : "sriov";
}

bool net_config_is_pci_address(const char *text)
{
	/* [dddd]dddd:bb:dd.f, all hex but the function digit. The domain is 4 hex digits on most
	 * hosts but 5 (or more) behind Intel VMD, e.g. 10000:e1:00.0: the kernel prints it "%04x". */
	static const char tail[] = ":xx:xx.x";
	size_t len, domain;
	if (!text)
		return false;
	len = strlen(text);
	if (len < 4 + sizeof(tail) - 1 || len > 8 + sizeof(tail) - 1)
		return false;
	domain = len - (sizeof(tail) - 1);
	for (size_t i = 0; i < domain; i++) {
		if (!isxdigit((unsigned char)text[i]))
			return false;
	}
	for (size_t i = 0; i < sizeof(tail) - 1; i++) {
		char c = text[domain + i];
		if (tail[i] == 'x' ? !isxdigit((unsigned char)c) : c != tail[i])
			return false;
	}
	return text[len - 1] >= '0' && text[len - 1] <= '7';
}

static int parse_uint(const char *key, const char *text, unsigned long min, unsigned long max, unsigned *out,
		      sr_error *err)
{
	char *end;
	unsigned long v;
	if (!text[0] || !isdigit((unsigned char)text[0]))
		return sr_error_set(err, EINVAL, "%s '%s' is not a number (expected %lu-%lu)", key, text, min, max);
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end)
		return sr_error_set(err, EINVAL, "%s '%s' is not a number (expected %lu-%lu)", key, text, min, max);
	if (v < min || v > max)
		return sr_error_set(err, ERANGE, "%s %s out of range %lu-%lu", key, text, min, max);
	*out = (unsigned)v;
	return 0;
}

static int parse_on_off(const char *key, const char *text, bool *out, sr_error *err)
{
	if (!strcmp(text, "on") || !strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(text, "off") || !strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "no")) {
		*out = false;
		return 0;
	}
	return sr_error_set(err, EINVAL, "%s '%s' is not on or off", key, text);
}

static int parse_prefix(const char *text, char out[NET_PREFIX_MAX + 1], sr_error *err)
{
	size_t len = strlen(text);
	if (len == 0 || len > NET_PREFIX_MAX)
		return sr_error_set(err, EINVAL, "prefix '%s' must be 1-%d characters", text, NET_PREFIX_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (!isalnum(c) && c != '_' && c != '-')
			return sr_error_set(err, EINVAL, "prefix '%s': only letters, digits, '_' and '-' allowed",
					    text);
	}
	memcpy(out, text, len + 1);
	return 0;
}

const char *net_config_policy_name(unsigned policy)
{
	return policy == NET_PF_FILL ? "fill" : "spread";
}

/* One item of the list: [start, start+len) of text. */
static int add_pf(const char *key, const char *text, const char *start, size_t len, struct net_config *cfg,
		  sr_error *err)
{
	char item[NET_PF_SPEC_MAX];
	if (len == 0 && strchr(text, ',')) /* a lone '' is "neither", below */
		return sr_error_set(err, EINVAL, "%s '%s': empty item in the list (expected e.g. enp1s0f0,enp1s0f1)",
				    key, text);
	if (len < sizeof(item)) {
		memcpy(item, start, len);
		item[len] = '\0';
	}
	if (len >= sizeof(item) || (!net_config_is_pci_address(item) && !nlk_ifname_valid(item)))
		return sr_error_set(err, EINVAL,
				    "%s '%.*s' is neither an interface name (1-15 characters, no '/', ':' or spaces) "
				    "nor a PCI address (0000:01:00.0)",
				    key, (int)(len > 64 ? 64 : len), start);
	for (unsigned i = 0; i < cfg->pf_count; i++)
		if (!strcmp(cfg->pf_spec[i], item))
			return sr_error_set(err, EINVAL, "%s '%s': %s is listed twice", key, text, item);
	if (cfg->pf_count == NET_MAX_PFS)
		return sr_error_set(err, EINVAL, "%s '%s': at most %d PFs per network", key, text, NET_MAX_PFS);
	memcpy(cfg->pf_spec[cfg->pf_count++], item, len + 1);
	return 0;
}

int net_config_parse_pf_list(const char *key, const char *text, struct net_config *cfg, sr_error *err)
{
	const char *p = text;
	cfg->pf_count = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (add_pf(key, text, p, len, cfg, err) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* pf_iface and netdevice mean the same: a second, different list is a conflict. */
static int parse_pf(const char *key, const char *text, struct net_config *cfg, sr_error *err)
{
	struct net_config list;
	memset(&list, 0, sizeof(list));
	if (net_config_parse_pf_list(key, text, &list, err) < 0)
		return -1;
	if (cfg->pf_count && (list.pf_count != cfg->pf_count ||
			      memcmp(list.pf_spec, cfg->pf_spec, sizeof(list.pf_spec[0]) * list.pf_count) != 0))
		return sr_error_set(err, EINVAL, "%s '%s' conflicts with the PF already given ('%s'%s)", key, text,
				    cfg->pf_spec[0], cfg->pf_count > 1 ? ", ..." : "");
	cfg->pf_count = list.pf_count;
	memcpy(cfg->pf_spec, list.pf_spec, sizeof(cfg->pf_spec));
	return 0;
}

static int parse_policy(const char *text, struct net_config *cfg, sr_error *err)
{
	if (!strcmp(text, "spread"))
		cfg->pf_policy = NET_PF_SPREAD;
	else if (!strcmp(text, "fill"))
		cfg->pf_policy = NET_PF_FILL;
	else
		return sr_error_set(err, EINVAL, "pf_policy '%s' is not spread or fill", text);
	return 0;
}

/* vlanid and vlan mean the same; a second, different value is a conflict, not a silent override. */
static int parse_vlan(const char *key, const char *text, bool *seen, struct net_config *cfg, sr_error *err)
{
	unsigned v = 0;
	if (parse_uint(key, text, 0, 4094, &v, err) < 0)
		return -1;
	if (*seen && v != cfg->vlan)
		return sr_error_set(err, EINVAL, "%s %u conflicts with the VLAN already given (%u)", key, v, cfg->vlan);
	*seen = true;
	cfg->vlan = v;
	return 0;
}

static int parse_link_state(const char *text, struct net_config *cfg, sr_error *err)
{
	if (!strcmp(text, "auto"))
		cfg->link_state = NLK_VF_LINK_AUTO;
	else if (!strcmp(text, "enable"))
		cfg->link_state = NLK_VF_LINK_ENABLE;
	else if (!strcmp(text, "disable"))
		cfg->link_state = NLK_VF_LINK_DISABLE;
	else
		return sr_error_set(err, EINVAL, "link_state '%s' is not auto, enable or disable", text);
	cfg->link_state_set = true;
	return 0;
}

static int parse_vlan_proto(const char *text, struct net_config *cfg, sr_error *err)
{
	if (!strcasecmp(text, "802.1Q"))
		cfg->vlan_proto = NLK_VLAN_8021Q;
	else if (!strcasecmp(text, "802.1ad"))
		cfg->vlan_proto = NLK_VLAN_8021AD;
	else
		return sr_error_set(err, EINVAL, "vlan_proto '%s' is not 802.1Q or 802.1ad", text);
	return 0;
}

struct parse_flags {
	bool vlan_seen, spoofchk_seen, trust_seen, privileged;
	bool mode_seen, host_nic_seen;
	const char *vfs; /* parsed once the PFs are known (it may name them) */
	const char *vf_key; /* the first option given that only means something for VFs */
};

static int parse_mode(const char *text, bool *seen, struct net_config *cfg, sr_error *err)
{
	unsigned mode;
	if (!strcmp(text, "sriov"))
		mode = NET_MODE_SRIOV;
	else if (!strcmp(text, "passthrough"))
		mode = NET_MODE_PASSTHROUGH;
	else
		return sr_error_set(err, EINVAL, "mode '%s' is not sriov or passthrough", text);
	if (*seen && mode != cfg->mode)
		return sr_error_set(err, EINVAL, "mode %s conflicts with the mode already given (%s)", text,
				    net_config_mode_name(cfg->mode));
	*seen = true;
	cfg->mode = mode;
	return 0;
}

/* Options that configure a VF through its PF: meaningless when the container gets the NIC itself. */
static bool is_vf_key(const char *key)
{
	static const char *const keys[] = {"vlanid",    "vlan",      "vlan_qos",    "vlan_proto",
					   "spoofchk",  "trust",     "privileged",  "link_state",
					   "min_tx_rate", "max_tx_rate", "numvfs", "vfs",
					   "pf_policy"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static int check_passthrough(const struct parse_flags *f, sr_error *err)
{
	if (!f->vf_key)
		return 0;
	if (!strncmp(f->vf_key, "vlan", 4))
		return sr_error_set(err, EINVAL,
				    "%s: no VLAN in mode=passthrough: the container owns the whole port and tags its "
				    "own traffic (create a VLAN interface inside it, or use mode=sriov)",
				    f->vf_key);
	return sr_error_set(err, EINVAL,
			    "%s: a VF option, refused in mode=passthrough (the container gets the NIC itself, no VF; "
			    "accepted there: pf_iface, netdevice, mtu, prefix, host_nic)",
			    f->vf_key);
}

static int parse_one(const char *key, const char *value, struct net_config *cfg, struct parse_flags *f,
		     sr_error *err)
{
	unsigned v = 0;
	if (is_vf_key(key) && !f->vf_key)
		f->vf_key = key;
	if (!strcmp(key, "mode"))
		return parse_mode(value, &f->mode_seen, cfg, err);
	if (!strcmp(key, "pf_iface") || !strcmp(key, "netdevice"))
		return parse_pf(key, value, cfg, err);
	if (!strcmp(key, "vlanid") || !strcmp(key, "vlan"))
		return parse_vlan(key, value, &f->vlan_seen, cfg, err);
	if (!strcmp(key, "vlan_qos"))
		return parse_uint(key, value, 0, 7, &cfg->qos, err);
	if (!strcmp(key, "vlan_proto"))
		return parse_vlan_proto(value, cfg, err);
	if (!strcmp(key, "spoofchk")) {
		f->spoofchk_seen = true;
		return parse_on_off(key, value, &cfg->spoofchk, err);
	}
	if (!strcmp(key, "trust")) {
		f->trust_seen = true;
		return parse_on_off(key, value, &cfg->trust, err);
	}
	if (!strcmp(key, "privileged")) {
		if (parse_uint(key, value, 0, 1, &v, err) < 0)
			return -1;
		f->privileged = v == 1;
		return 0;
	}
	if (!strcmp(key, "link_state"))
		return parse_link_state(value, cfg, err);
	if (!strcmp(key, "min_tx_rate")) {
		cfg->rate_set = true;
		return parse_uint(key, value, 0, 1000000, &cfg->min_tx_rate, err);
	}
	if (!strcmp(key, "max_tx_rate")) {
		cfg->rate_set = true;
		return parse_uint(key, value, 0, 1000000, &cfg->max_tx_rate, err);
	}
	if (!strcmp(key, "mtu"))
		return parse_uint(key, value, 68, 65535, &cfg->mtu, err);
	if (!strcmp(key, "numvfs"))
		return parse_uint(key, value, 1, NET_MAX_VFS, &cfg->numvfs, err);
	if (!strcmp(key, "vfs")) {
		f->vfs = value;
		return 0;
	}
	if (!strcmp(key, "pf_policy"))
		return parse_policy(value, cfg, err);
	if (!strcmp(key, "prefix"))
		return parse_prefix(value, cfg->prefix, err);
	if (!strcmp(key, "host_nic")) {
		f->host_nic_seen = true;
		if (strcmp(value, "allow") != 0 && strcmp(value, "refuse") != 0)
			return sr_error_set(err, EINVAL, "host_nic '%s' is not allow or refuse", value);
		cfg->host_nic_allow = !strcmp(value, "allow");
		return 0;
	}
	return sr_error_set(err, EINVAL, "unknown option '%s' (accepted: %s)", key, accepted_keys);
}

#define DOCKER_OPTION_PREFIX "com.docker.network."

int net_config_parse(const struct spec_map *generic, struct net_config *out, sr_error *err)
{
	struct net_config cfg;
	struct parse_flags flags = {0};
	memset(&cfg, 0, sizeof(cfg));
	cfg.spoofchk = true;
	cfg.vlan_proto = NLK_VLAN_8021Q;
	memcpy(cfg.prefix, "eth", 4);
	for (size_t i = 0; generic && i < generic->count; i++) {
		/* Docker's own keys (e.g. from daemon.json default-network-opts or a Swarm
		 * config-from network) ride in the same map: they are Docker's, not ours. */
		if (!strncmp(generic->items[i].key, DOCKER_OPTION_PREFIX, strlen(DOCKER_OPTION_PREFIX)))
			continue;
		if (parse_one(generic->items[i].key, generic->items[i].value, &cfg, &flags, err) < 0)
			return -1;
	}
	if (!cfg.pf_count)
		return sr_error_set(err, EINVAL,
				    "pf_iface: required option missing (the %s's netdev name or PCI address; "
				    "alias netdevice)",
				    cfg.mode == NET_MODE_PASSTHROUGH ? "NIC" : "PF");
	if (cfg.mode == NET_MODE_PASSTHROUGH) {
		/* vlanid=0 or spoofchk=on would change nothing, but saying so is clearer than a
		 * value that quietly means nothing */
		if (check_passthrough(&flags, err) < 0)
			return -1;
		if (cfg.pf_count > 1)
			return sr_error_set(err, EINVAL,
					    "pf_iface: %u NICs listed; mode=passthrough gives one NIC to one container "
					    "(create one network per NIC)",
					    cfg.pf_count);
		*out = cfg;
		return 0;
	}
	if (flags.host_nic_seen)
		return sr_error_set(err, EINVAL,
				    "host_nic: a mode=passthrough option (whether a NIC the host uses may be passed "
				    "through); an sriov network never takes the PF's own netdev");
	if (flags.privileged) {
		if ((flags.trust_seen && !cfg.trust) || (flags.spoofchk_seen && cfg.spoofchk))
			return sr_error_set(err, EINVAL,
					    "privileged=1 means trust on and spoofchk off; it conflicts with the "
					    "trust/spoofchk given");
		cfg.trust = true;
		cfg.spoofchk = false;
	}
	if (cfg.rate_set && cfg.max_tx_rate && cfg.min_tx_rate > cfg.max_tx_rate)
		return sr_error_set(err, EINVAL, "min_tx_rate %u is above max_tx_rate %u", cfg.min_tx_rate,
				    cfg.max_tx_rate);
	if (cfg.pf_count == 1) /* nothing to choose from: recorded as the default, so a replay matches */
		cfg.pf_policy = NET_PF_SPREAD;
	if (flags.vfs && net_config_parse_vfs(flags.vfs, &cfg, err) < 0)
		return -1;
	if (cfg.qos && !cfg.vlan)
		return sr_error_set(err, EINVAL, "vlan_qos %u needs a vlanid other than 0", cfg.qos);
	if (cfg.vlan_proto != NLK_VLAN_8021Q && !cfg.vlan)
		return sr_error_set(err, EINVAL, "vlan_proto 802.1ad needs a vlanid other than 0");
	*out = cfg;
	return 0;
}
