/* nlk_vf_write: change VF settings through its PF (RTM_NEWLINK/SETLINK on the PF carrying
 * IFLA_VFINFO_LIST > IFLA_VF_INFO > IFLA_VF_* attributes): one setting per request
 * (nlk_vf_set_mac...), or several of one VF in one request (nlk_vf_set_many).
 *
 * All of it goes through libnl 3.7's own VF API (rtnl_link_vf_* +
 * rtnl_link_vf_add + rtnl_link_change), which emits only the attributes that
 * were set on the rtnl_link_vf object. */
#include "nlk_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const char *field_label(enum nlk_vf_field field)
{
	switch (field) {
	case NLK_VF_FIELD_MAC:
		return "MAC";
	case NLK_VF_FIELD_VLAN:
		return "VLAN";
	case NLK_VF_FIELD_SPOOFCHK:
		return "spoof check";
	case NLK_VF_FIELD_TRUST:
		return "trust";
	case NLK_VF_FIELD_LINK_STATE:
		return "link state";
	case NLK_VF_FIELD_RATE:
		return "rate";
	}
	return "setting";
}

static int put_vlan(struct rtnl_link_vf *v, const struct nlk_vf_config *want)
{
	nl_vf_vlans_t *vlans = NULL;
	int rc = rtnl_link_vf_vlan_alloc(&vlans, 1);

	if (rc < 0)
		return rc;
	vlans->vlans[0].vf_vlan = want->vlan;
	vlans->vlans[0].vf_vlan_qos = want->qos;
	/* libnl 3.7 is asymmetric here: its reader converts the proto to host
	 * order, but its writer compares it with ETH_P_8021Q in host order (to
	 * pick the legacy IFLA_VF_VLAN, understood by every driver) and else
	 * copies it unconverted into the big-endian ifla_vf_vlan_info field of
	 * IFLA_VF_VLAN_LIST. So 802.1Q goes in host order, 802.1ad in network
	 * order. test_netlink_vf_msg checks the bytes on the wire. */
	if (want->vlan_proto == NLK_VLAN_8021AD)
		vlans->vlans[0].vf_vlan_proto = htons(NLK_VLAN_8021AD);
	else
		vlans->vlans[0].vf_vlan_proto = NLK_VLAN_8021Q;
	/* libnl 3.7's set_vlans takes its own reference (its doc says it takes
	 * ours; the code increments), so we drop ours: valgrind-checked. */
	rtnl_link_vf_set_vlans(v, vlans);
	rtnl_link_vf_vlan_put(vlans);
	return 0;
}

static int put_field(struct rtnl_link_vf *v, const struct nlk_vf_config *want, enum nlk_vf_field field)
{
	struct nl_addr *addr;
	struct nl_vf_rate rate;

	switch (field) {
	case NLK_VF_FIELD_MAC:
		addr = nl_addr_build(AF_LLC, want->mac, sizeof(want->mac));
		if (!addr)
			return -NLE_NOMEM;
		rtnl_link_vf_set_addr(v, addr); /* takes a reference */
		nl_addr_put(addr);
		return 0;
	case NLK_VF_FIELD_VLAN:
		return put_vlan(v, want);
	case NLK_VF_FIELD_SPOOFCHK:
		rtnl_link_vf_set_spoofchk(v, want->spoofchk ? 1 : 0);
		return 0;
	case NLK_VF_FIELD_TRUST:
		rtnl_link_vf_set_trust(v, want->trust ? 1 : 0);
		return 0;
	case NLK_VF_FIELD_LINK_STATE:
		rtnl_link_vf_set_linkstate(v, (uint32_t)want->link_state);
		return 0;
	case NLK_VF_FIELD_RATE:
		/* The new API (IFLA_VF_RATE) always carries both limits. */
		memset(&rate, 0, sizeof(rate));
		rate.api = RTNL_LINK_VF_RATE_API_NEW;
		rate.min_tx_rate = want->min_tx_rate;
		rate.max_tx_rate = want->max_tx_rate;
		rtnl_link_vf_set_rate(v, &rate);
		return 0;
	}
	return -NLE_INVAL;
}

_Static_assert(NLK_VF_SET_MAC == 1u << NLK_VF_FIELD_MAC && NLK_VF_SET_VLAN == 1u << NLK_VF_FIELD_VLAN &&
		       NLK_VF_SET_SPOOFCHK == 1u << NLK_VF_FIELD_SPOOFCHK && NLK_VF_SET_TRUST == 1u << NLK_VF_FIELD_TRUST &&
		       NLK_VF_SET_LINK_STATE == 1u << NLK_VF_FIELD_LINK_STATE &&
		       NLK_VF_SET_RATE == 1u << NLK_VF_FIELD_RATE,
	       "NLK_VF_SET_* bits are 1 << enum nlk_vf_field");

int nlk_vf_build_changes(const struct nlk_vf_config *want, unsigned fields, struct rtnl_link **out)
{
	struct rtnl_link *changes = rtnl_link_alloc();
	struct rtnl_link_vf *v = rtnl_link_vf_alloc();
	int rc = -NLE_NOMEM;

	if (!changes || !v)
		goto out;
	rtnl_link_vf_set_index(v, (uint32_t)want->vf);
	rc = fields && !(fields & ~NLK_VF_SET_ALL) ? 0 : -NLE_INVAL;
	for (int field = NLK_VF_FIELD_MAC; rc >= 0 && field <= NLK_VF_FIELD_RATE; field++)
		if (fields & (1u << field))
			rc = put_field(v, want, (enum nlk_vf_field)field);
	if (rc < 0)
		goto out;
	rc = rtnl_link_vf_add(changes, v); /* the link takes its own reference */
	if (rc < 0)
		goto out;
	*out = changes;
	changes = NULL;
out:
	rtnl_link_vf_put(v);
	if (changes)
		rtnl_link_put(changes);
	return rc;
}

/* The values the kernel would refuse with a bare EINVAL, refused here with their name. */
static int check_field(const struct nlk_vf_config *want, enum nlk_vf_field field, const char *pf, sr_error *err)
{
	int vf = want->vf;
	switch (field) {
	case NLK_VF_FIELD_VLAN:
		if (want->vlan > 4094)
			return sr_error_set(err, EINVAL, "set VF %d VLAN on %s: vlan %u out of range 0-4094", vf, pf,
					    want->vlan);
		if (want->qos > 7)
			return sr_error_set(err, EINVAL, "set VF %d VLAN on %s: qos %u out of range 0-7", vf, pf, want->qos);
		if (want->vlan_proto != NLK_VLAN_8021Q && want->vlan_proto != NLK_VLAN_8021AD)
			return sr_error_set(err, EINVAL,
					    "set VF %d VLAN on %s: vlan protocol 0x%x is neither 802.1Q nor 802.1ad", vf, pf,
					    want->vlan_proto);
		return 0;
	case NLK_VF_FIELD_LINK_STATE:
		if (want->link_state != NLK_VF_LINK_AUTO && want->link_state != NLK_VF_LINK_ENABLE &&
		    want->link_state != NLK_VF_LINK_DISABLE)
			return sr_error_set(err, EINVAL,
					    "set VF %d link state on %s: link state %d is not auto/enable/disable", vf, pf,
					    want->link_state);
		return 0;
	case NLK_VF_FIELD_RATE:
		/* The kernel rejects min > max too, but only when max is set (0 = no limit). */
		if (want->max_tx_rate && want->min_tx_rate > want->max_tx_rate)
			return sr_error_set(err, EINVAL, "set VF %d rate on %s: min rate %u Mbit/s above max %u Mbit/s",
					    vf, pf, want->min_tx_rate, want->max_tx_rate);
		return 0;
	case NLK_VF_FIELD_MAC:
	case NLK_VF_FIELD_SPOOFCHK:
	case NLK_VF_FIELD_TRUST:
		break;
	}
	return 0;
}

/* "MAC, VLAN and trust" for the fields of the mask */
static void fields_label(unsigned fields, char *out, size_t size)
{
	size_t len = 0;
	int n = 0, total = __builtin_popcount(fields);
	out[0] = '\0';
	for (int field = NLK_VF_FIELD_MAC; field <= NLK_VF_FIELD_RATE; field++) {
		if (!(fields & (1u << field)))
			continue;
		n++;
		const char *sep = n == 1 ? "" : n == total ? " and " : ", ";
		int w = snprintf(out + len, size - len, "%s%s", sep, field_label((enum nlk_vf_field)field));
		if (w < 0 || (size_t)w >= size - len)
			return;
		len += (size_t)w;
	}
}

static int set_fields(struct nlk *nl, const char *pf_ifname, const struct nlk_vf_config *want, unsigned fields,
		      sr_error *err)
{
	struct rtnl_link *pf = NULL, *changes = NULL;
	const char *pf_name = pf_ifname ? pf_ifname : "(null)";
	char label[64];
	int rc = -1, nlrc;

	fields_label(fields, label, sizeof(label));
	if (!fields || (fields & ~NLK_VF_SET_ALL))
		return sr_error_set(err, EINVAL, "set VF %d on %s: no setting named (mask 0x%x)", want->vf, pf_name,
				    fields);
	if (want->vf < 0)
		return sr_error_set(err, EINVAL, "set VF %d %s on %s: invalid VF index", want->vf, label, pf_name);
	for (int field = NLK_VF_FIELD_MAC; field <= NLK_VF_FIELD_RATE; field++)
		if ((fields & (1u << field)) && check_field(want, (enum nlk_vf_field)field, pf_name, err) < 0)
			return -1;
	if (nlk_fetch_link(nl, pf_ifname, &pf, err) < 0) {
		sr_error_wrap(err, "set VF %d %s on %s", want->vf, label, pf_name);
		goto out;
	}
	nlrc = nlk_vf_build_changes(want, fields, &changes);
	if (nlrc >= 0)
		nlrc = nlk_apply_change(nl, pf, changes);
	if (nlrc < 0) {
		nlk_fail_nl(err, nlrc, "set VF %d %s on %s", want->vf, label, pf_name);
		goto out;
	}
	rc = 0;
out:
	if (changes)
		rtnl_link_put(changes);
	if (pf)
		rtnl_link_put(pf);
	return rc;
}

int nlk_vf_set_many(struct nlk *nl, const char *pf_ifname, const struct nlk_vf_config *want, unsigned fields,
		    sr_error *err)
{
	return set_fields(nl, pf_ifname, want, fields, err);
}

int nlk_vf_set_mac(struct nlk *nl, const char *pf_ifname, int vf, const uint8_t mac[6], sr_error *err)
{
	struct nlk_vf_config want = {.vf = vf};

	memcpy(want.mac, mac, sizeof(want.mac));
	return set_fields(nl, pf_ifname, &want, NLK_VF_SET_MAC, err);
}

int nlk_vf_set_vlan(struct nlk *nl, const char *pf_ifname, int vf, unsigned vlan, unsigned qos,
		    unsigned vlan_proto, sr_error *err)
{
	struct nlk_vf_config want = {.vf = vf, .vlan = vlan, .qos = qos, .vlan_proto = vlan_proto};

	return set_fields(nl, pf_ifname, &want, NLK_VF_SET_VLAN, err);
}

int nlk_vf_set_spoofchk(struct nlk *nl, const char *pf_ifname, int vf, bool on, sr_error *err)
{
	struct nlk_vf_config want = {.vf = vf, .spoofchk = on};

	return set_fields(nl, pf_ifname, &want, NLK_VF_SET_SPOOFCHK, err);
}

int nlk_vf_set_trust(struct nlk *nl, const char *pf_ifname, int vf, bool on, sr_error *err)
{
	struct nlk_vf_config want = {.vf = vf, .trust = on};

	return set_fields(nl, pf_ifname, &want, NLK_VF_SET_TRUST, err);
}

int nlk_vf_set_link_state(struct nlk *nl, const char *pf_ifname, int vf, int link_state, sr_error *err)
{
	struct nlk_vf_config want = {.vf = vf, .link_state = link_state};

	return set_fields(nl, pf_ifname, &want, NLK_VF_SET_LINK_STATE, err);
}

int nlk_vf_set_rate(struct nlk *nl, const char *pf_ifname, int vf, unsigned min_mbps, unsigned max_mbps,
		    sr_error *err)
{
	struct nlk_vf_config want = {.vf = vf, .min_tx_rate = min_mbps, .max_tx_rate = max_mbps};

	return set_fields(nl, pf_ifname, &want, NLK_VF_SET_RATE, err);
}
