/* The VF path without SR-IOV hardware (no root needed):
 *  - what each setter puts on the wire: build the PF change request exactly as
 *    nlk_vf_set_* does and parse it back with libnl's attribute API;
 *  - what nlk_vf_get makes of a kernel reply: feed a synthetic RTM_NEWLINK
 *    with IFLA_VFINFO_LIST through libnl's own rtnl_link parser;
 *  - the NLE -> errno mapping and its messages. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "../../netlink/nlk_internal.h"
#include "check.h"

/* ---- setters: the request ---- */

/* Builds the request for one field of `want` and returns the attributes of
 * its single IFLA_VF_INFO in tb (pointing into *msg_out). Returns the number
 * of IFLA_VF_* attributes found, -1 on structural problems. */
static int build_and_parse_many(const struct nlk_vf_config *want, unsigned fields, struct nl_msg **msg_out,
				struct nlattr *tb[IFLA_VF_MAX + 1])
{
	struct rtnl_link *orig = rtnl_link_alloc(), *changes = NULL;
	struct nlattr *top[IFLA_MAX + 1];
	struct nlattr *info;
	int rem, infos = 0, count = 0;

	*msg_out = NULL;
	rtnl_link_set_ifindex(orig, 7);
	rtnl_link_set_name(orig, "pf0");
	if (nlk_vf_build_changes(want, fields, &changes) < 0)
		goto fail;
	if (rtnl_link_build_change_request(orig, changes, 0, msg_out) < 0)
		goto fail;
	if (nlmsg_parse(nlmsg_hdr(*msg_out), sizeof(struct ifinfomsg), top, IFLA_MAX, NULL) < 0)
		goto fail;
	if (!top[IFLA_VFINFO_LIST])
		goto fail;
	/* Nothing but the VF list (and no rename, MTU, flags...) in the request. */
	for (int i = 0; i <= IFLA_MAX; i++)
		if (top[i] && i != IFLA_VFINFO_LIST)
			goto fail;
	if (((struct ifinfomsg *)nlmsg_data(nlmsg_hdr(*msg_out)))->ifi_index != 7)
		goto fail;
	nla_for_each_nested(info, top[IFLA_VFINFO_LIST], rem) {
		if (nla_type(info) != IFLA_VF_INFO || nla_parse_nested(tb, IFLA_VF_MAX, info, NULL) < 0)
			goto fail;
		infos++;
	}
	if (infos != 1)
		goto fail;
	for (int i = 0; i <= IFLA_VF_MAX; i++)
		if (tb[i])
			count++;
	rtnl_link_put(orig);
	rtnl_link_put(changes);
	return count;
fail:
	rtnl_link_put(orig);
	if (changes)
		rtnl_link_put(changes);
	return -1;
}

static int build_and_parse(const struct nlk_vf_config *want, enum nlk_vf_field field, struct nl_msg **msg_out,
			   struct nlattr *tb[IFLA_VF_MAX + 1])
{
	return build_and_parse_many(want, 1u << field, msg_out, tb);
}

static void test_set_mac(void)
{
	struct nlk_vf_config want = {.vf = 3, .mac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
	struct nlattr *tb[IFLA_VF_MAX + 1];
	struct nl_msg *msg;

	CHECK(build_and_parse(&want, NLK_VF_FIELD_MAC, &msg, tb) == 1);
	CHECK(tb[IFLA_VF_MAC] && nla_len(tb[IFLA_VF_MAC]) == sizeof(struct ifla_vf_mac));
	if (tb[IFLA_VF_MAC]) {
		const struct ifla_vf_mac *m = nla_data(tb[IFLA_VF_MAC]);
		CHECK(m->vf == 3);
		CHECK(memcmp(m->mac, want.mac, 6) == 0);
	}
	nlmsg_free(msg);
}

static void test_set_vlan_8021q(void)
{
	struct nlk_vf_config want = {.vf = 2, .vlan = 100, .qos = 5, .vlan_proto = NLK_VLAN_8021Q};
	struct nlattr *tb[IFLA_VF_MAX + 1];
	struct nl_msg *msg;

	/* libnl uses the legacy attribute for plain 802.1Q: every driver knows it. */
	CHECK(build_and_parse(&want, NLK_VF_FIELD_VLAN, &msg, tb) == 1);
	CHECK(tb[IFLA_VF_VLAN] != NULL);
	if (tb[IFLA_VF_VLAN]) {
		const struct ifla_vf_vlan *v = nla_data(tb[IFLA_VF_VLAN]);
		CHECK(v->vf == 2 && v->vlan == 100 && v->qos == 5);
	}
	nlmsg_free(msg);

	want.vlan = 0;
	want.qos = 0;
	CHECK(build_and_parse(&want, NLK_VF_FIELD_VLAN, &msg, tb) == 1);
	if (tb[IFLA_VF_VLAN]) {
		const struct ifla_vf_vlan *v = nla_data(tb[IFLA_VF_VLAN]);
		CHECK(v->vf == 2 && v->vlan == 0 && v->qos == 0);
	} else {
		CHECK(!"vlan 0 must be sent as IFLA_VF_VLAN");
	}
	nlmsg_free(msg);
}

static void test_set_vlan_8021ad(void)
{
	struct nlk_vf_config want = {.vf = 1, .vlan = 42, .qos = 0, .vlan_proto = NLK_VLAN_8021AD};
	struct nlattr *tb[IFLA_VF_MAX + 1];
	struct nlattr *item;
	struct nl_msg *msg;
	int rem, items = 0;

	CHECK(build_and_parse(&want, NLK_VF_FIELD_VLAN, &msg, tb) == 1);
	CHECK(tb[IFLA_VF_VLAN_LIST] != NULL);
	if (tb[IFLA_VF_VLAN_LIST]) {
		nla_for_each_nested(item, tb[IFLA_VF_VLAN_LIST], rem) {
			const struct ifla_vf_vlan_info *vi = nla_data(item);
			CHECK(nla_type(item) == IFLA_VF_VLAN_INFO);
			CHECK(nla_len(item) == sizeof(*vi));
			CHECK(vi->vf == 1 && vi->vlan == 42 && vi->qos == 0);
			/* big-endian on the wire, as the kernel expects */
			CHECK(vi->vlan_proto == htons(0x88a8));
			items++;
		}
	}
	CHECK(items == 1);
	nlmsg_free(msg);
}

static void test_set_flags_and_rate(void)
{
	struct nlk_vf_config want = {.vf = 4, .spoofchk = true, .trust = false, .link_state = NLK_VF_LINK_DISABLE,
				     .min_tx_rate = 10, .max_tx_rate = 250};
	struct nlattr *tb[IFLA_VF_MAX + 1];
	struct nl_msg *msg;

	CHECK(build_and_parse(&want, NLK_VF_FIELD_SPOOFCHK, &msg, tb) == 1);
	if (tb[IFLA_VF_SPOOFCHK]) {
		const struct ifla_vf_spoofchk *s = nla_data(tb[IFLA_VF_SPOOFCHK]);
		CHECK(s->vf == 4 && s->setting == 1);
	} else {
		CHECK(!"IFLA_VF_SPOOFCHK missing");
	}
	nlmsg_free(msg);

	CHECK(build_and_parse(&want, NLK_VF_FIELD_TRUST, &msg, tb) == 1);
	if (tb[IFLA_VF_TRUST]) {
		const struct ifla_vf_trust *t = nla_data(tb[IFLA_VF_TRUST]);
		CHECK(t->vf == 4 && t->setting == 0);
	} else {
		CHECK(!"IFLA_VF_TRUST missing");
	}
	nlmsg_free(msg);

	CHECK(build_and_parse(&want, NLK_VF_FIELD_LINK_STATE, &msg, tb) == 1);
	if (tb[IFLA_VF_LINK_STATE]) {
		const struct ifla_vf_link_state *l = nla_data(tb[IFLA_VF_LINK_STATE]);
		CHECK(l->vf == 4 && l->link_state == IFLA_VF_LINK_STATE_DISABLE);
	} else {
		CHECK(!"IFLA_VF_LINK_STATE missing");
	}
	nlmsg_free(msg);

	CHECK(build_and_parse(&want, NLK_VF_FIELD_RATE, &msg, tb) == 1);
	if (tb[IFLA_VF_RATE]) {
		const struct ifla_vf_rate *r = nla_data(tb[IFLA_VF_RATE]);
		CHECK(r->vf == 4 && r->min_tx_rate == 10 && r->max_tx_rate == 250);
	} else {
		CHECK(!"IFLA_VF_RATE missing");
	}
	nlmsg_free(msg);

	/* Clearing the limits still sends both zeros (not an empty VF_INFO). */
	want.min_tx_rate = want.max_tx_rate = 0;
	CHECK(build_and_parse(&want, NLK_VF_FIELD_RATE, &msg, tb) == 1);
	if (tb[IFLA_VF_RATE]) {
		const struct ifla_vf_rate *r = nla_data(tb[IFLA_VF_RATE]);
		CHECK(r->min_tx_rate == 0 && r->max_tx_rate == 0);
	} else {
		CHECK(!"IFLA_VF_RATE missing for 0/0");
	}
	nlmsg_free(msg);
}

/* ---- getter: a synthetic kernel reply through libnl's parser ---- */

struct fake_vf {
	uint32_t vf;
	uint8_t mac[6];
	uint32_t vlan, qos;
	uint16_t proto;
	int32_t spoofchk, trust; /* -1 = driver does not report */
	uint32_t link_state, min_rate, max_rate;
};

static int put_fake_vf(struct nl_msg *msg, const struct fake_vf *f)
{
	struct ifla_vf_mac mac = {.vf = f->vf};
	struct ifla_vf_vlan vlan = {.vf = f->vf, .vlan = f->vlan, .qos = f->qos};
	struct ifla_vf_vlan_info vi = {.vf = f->vf, .vlan = f->vlan, .qos = f->qos, .vlan_proto = htons(f->proto)};
	struct ifla_vf_tx_rate tx = {.vf = f->vf, .rate = f->max_rate};
	struct ifla_vf_rate rate = {.vf = f->vf, .min_tx_rate = f->min_rate, .max_tx_rate = f->max_rate};
	struct ifla_vf_spoofchk sc = {.vf = f->vf, .setting = (uint32_t)f->spoofchk};
	struct ifla_vf_link_state ls = {.vf = f->vf, .link_state = f->link_state};
	struct ifla_vf_trust tr = {.vf = f->vf, .setting = (uint32_t)f->trust};
	struct nlattr *info, *list;

	memcpy(mac.mac, f->mac, 6);
	/* The order and set of attributes the kernel's rtnl_fill_vfinfo sends. */
	if (!(info = nla_nest_start(msg, IFLA_VF_INFO)))
		return -1;
	if (nla_put(msg, IFLA_VF_MAC, sizeof(mac), &mac) < 0 || nla_put(msg, IFLA_VF_VLAN, sizeof(vlan), &vlan) < 0)
		return -1;
	if (!(list = nla_nest_start(msg, IFLA_VF_VLAN_LIST)))
		return -1;
	if (nla_put(msg, IFLA_VF_VLAN_INFO, sizeof(vi), &vi) < 0)
		return -1;
	nla_nest_end(msg, list);
	if (nla_put(msg, IFLA_VF_TX_RATE, sizeof(tx), &tx) < 0 || nla_put(msg, IFLA_VF_RATE, sizeof(rate), &rate) < 0 ||
	    nla_put(msg, IFLA_VF_SPOOFCHK, sizeof(sc), &sc) < 0 ||
	    nla_put(msg, IFLA_VF_LINK_STATE, sizeof(ls), &ls) < 0 || nla_put(msg, IFLA_VF_TRUST, sizeof(tr), &tr) < 0)
		return -1;
	nla_nest_end(msg, info);
	return 0;
}

static void keep_link(struct nl_object *obj, void *arg)
{
	nl_object_get(obj);
	*(struct rtnl_link **)arg = (struct rtnl_link *)obj;
}

/* Returns the parsed link (caller puts) or NULL. */
static struct rtnl_link *parse_fake_pf(uint32_t num_vf, const struct fake_vf *vfs, int n, bool with_list)
{
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 7};
	struct rtnl_link *link = NULL;
	struct nlattr *list;

	if (!msg)
		return NULL;
	nlmsg_set_proto(msg, NETLINK_ROUTE);
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, "pf0") < 0 ||
	    nla_put_u32(msg, IFLA_NUM_VF, num_vf) < 0)
		goto out;
	if (with_list) {
		if (!(list = nla_nest_start(msg, IFLA_VFINFO_LIST)))
			goto out;
		for (int i = 0; i < n; i++)
			if (put_fake_vf(msg, &vfs[i]) < 0)
				goto out;
		nla_nest_end(msg, list);
	}
	if (nl_msg_parse(msg, keep_link, &link) < 0 && link) {
		rtnl_link_put(link);
		link = NULL;
	}
out:
	nlmsg_free(msg);
	return link;
}

static void test_get_parsed(void)
{
	const struct fake_vf vfs[2] = {
		{.vf = 0, .mac = {0x02, 0, 0, 0, 0, 0x10}, .vlan = 0, .qos = 0, .proto = 0x8100, .spoofchk = 1,
		 .trust = -1, .link_state = IFLA_VF_LINK_STATE_AUTO},
		{.vf = 1, .mac = {0x02, 0, 0, 0, 0, 0x11}, .vlan = 42, .qos = 3, .proto = 0x88a8, .spoofchk = 0,
		 .trust = 1, .link_state = IFLA_VF_LINK_STATE_DISABLE, .min_rate = 5, .max_rate = 500},
	};
	struct rtnl_link *pf = parse_fake_pf(2, vfs, 2, true);
	struct nlk_vf_config c;
	sr_error err = {0};

	CHECK(pf != NULL);
	if (!pf)
		return;
	CHECK(nlk_vf_config_from_link(pf, "pf0", 1, &c, &err) == 0);
	CHECK(c.vf == 1);
	CHECK(memcmp(c.mac, vfs[1].mac, 6) == 0);
	CHECK(c.vlan == 42 && c.qos == 3);
	CHECK(c.vlan_proto == NLK_VLAN_8021AD);
	CHECK(c.has_spoofchk && !c.spoofchk);
	CHECK(c.has_trust && c.trust);
	CHECK(c.has_link_state && c.link_state == NLK_VF_LINK_DISABLE);
	CHECK(c.has_rate && c.min_tx_rate == 5 && c.max_tx_rate == 500);

	CHECK(nlk_vf_config_from_link(pf, "pf0", 0, &c, &err) == 0);
	CHECK(c.vf == 0 && c.mac[5] == 0x10);
	CHECK(c.vlan == 0 && c.vlan_proto == NLK_VLAN_8021Q);
	CHECK(c.has_spoofchk && c.spoofchk);
	CHECK(!c.has_trust); /* -1 from the driver: unknown, not "off" */
	CHECK(c.has_link_state && c.link_state == NLK_VF_LINK_AUTO);
	CHECK(c.has_rate && c.min_tx_rate == 0 && c.max_tx_rate == 0);

	CHECK(nlk_vf_config_from_link(pf, "pf0", 2, &c, &err) == -1);
	CHECK(err.code == ENOENT);
	CHECK_STR_EQ(err.msg, "read VF 2 of pf0: pf0 has no VF 2 (2 VFs enabled)");
	CHECK(nlk_vf_config_from_link(pf, "pf0", -1, &c, &err) == -1);
	CHECK(err.code == EINVAL);
	rtnl_link_put(pf);

	/* IFLA_NUM_VF but no IFLA_VFINFO_LIST: a driver without ndo_get_vf_config. */
	pf = parse_fake_pf(4, NULL, 0, false);
	CHECK(pf != NULL);
	if (pf) {
		CHECK(nlk_vf_config_from_link(pf, "pf0", 1, &c, &err) == -1);
		CHECK(err.code == ENOENT);
		CHECK_STR_EQ(err.msg, "read VF 1 of pf0: pf0 reports no settings for VF 1");
		rtnl_link_put(pf);
	}
}

/* Several fields of one VF: one IFLA_VF_INFO carrying each of them once, nothing else. */
static void test_set_many(void)
{
	struct nlk_vf_config want = {.vf = 5, .mac = {0x02, 0xaa, 0, 0, 0, 0x05}, .vlan = 300, .qos = 0,
				     .vlan_proto = NLK_VLAN_8021Q, .spoofchk = true, .trust = false};
	struct nlattr *tb[IFLA_VF_MAX + 1];
	struct rtnl_link *changes = NULL;
	struct nl_msg *msg;

	CHECK(build_and_parse_many(&want, NLK_VF_SET_MAC | NLK_VF_SET_VLAN | NLK_VF_SET_SPOOFCHK | NLK_VF_SET_TRUST, &msg,
				   tb) == 4);
	CHECK(tb[IFLA_VF_MAC] && tb[IFLA_VF_VLAN] && tb[IFLA_VF_SPOOFCHK] && tb[IFLA_VF_TRUST]);
	if (tb[IFLA_VF_MAC] && tb[IFLA_VF_VLAN] && tb[IFLA_VF_SPOOFCHK] && tb[IFLA_VF_TRUST]) {
		const struct ifla_vf_mac *m = nla_data(tb[IFLA_VF_MAC]);
		const struct ifla_vf_vlan *v = nla_data(tb[IFLA_VF_VLAN]);
		const struct ifla_vf_spoofchk *sc = nla_data(tb[IFLA_VF_SPOOFCHK]);
		const struct ifla_vf_trust *t = nla_data(tb[IFLA_VF_TRUST]);
		CHECK(m->vf == 5 && memcmp(m->mac, want.mac, 6) == 0);
		CHECK(v->vf == 5 && v->vlan == 300 && v->qos == 0);
		CHECK(sc->vf == 5 && sc->setting == 1);
		CHECK(t->vf == 5 && t->setting == 0);
	}
	nlmsg_free(msg);

	/* only what was asked: MAC and trust, no VLAN or spoof check */
	CHECK(build_and_parse_many(&want, NLK_VF_SET_MAC | NLK_VF_SET_TRUST, &msg, tb) == 2);
	CHECK(tb[IFLA_VF_MAC] && tb[IFLA_VF_TRUST] && !tb[IFLA_VF_VLAN] && !tb[IFLA_VF_SPOOFCHK]);
	nlmsg_free(msg);

	/* nothing, or a bit that names no field: refused before anything is built */
	CHECK(nlk_vf_build_changes(&want, 0, &changes) < 0 && changes == NULL);
	CHECK(nlk_vf_build_changes(&want, NLK_VF_SET_MAC | 64, &changes) < 0 && changes == NULL);
}

/* nlk_vf_set_many checks every value before talking to the kernel (nl is never used here),
 * naming the field, as the one-field setters do. */
static void test_set_many_refused(void)
{
	struct nlk_vf_config want = {.vf = 1, .vlan = 5000, .vlan_proto = NLK_VLAN_8021Q};
	sr_error err = {0};

	CHECK(nlk_vf_set_many(NULL, "pf0", &want, NLK_VF_SET_MAC | NLK_VF_SET_VLAN, &err) == -1);
	CHECK(err.code == EINVAL);
	CHECK_STR_EQ(err.msg, "set VF 1 VLAN on pf0: vlan 5000 out of range 0-4094");
	want.vlan = 10;
	want.min_tx_rate = 500;
	want.max_tx_rate = 100;
	CHECK(nlk_vf_set_many(NULL, "pf0", &want, NLK_VF_SET_VLAN | NLK_VF_SET_RATE, &err) == -1);
	CHECK_STR_EQ(err.msg, "set VF 1 rate on pf0: min rate 500 Mbit/s above max 100 Mbit/s");
	CHECK(nlk_vf_set_many(NULL, "pf0", &want, 0, &err) == -1 && err.code == EINVAL);
	want.vf = -1;
	CHECK(nlk_vf_set_many(NULL, "pf0", &want, NLK_VF_SET_MAC | NLK_VF_SET_TRUST, &err) == -1);
	CHECK_STR_EQ(err.msg, "set VF -1 MAC and trust on pf0: invalid VF index");
}

/* ---- errors ---- */

static void test_errors(void)
{
	sr_error err = {0};

	CHECK(nlk_errno_from_nl(-NLE_NODEV) == ENODEV);
	CHECK(nlk_errno_from_nl(-NLE_OBJ_NOTFOUND) == ENODEV);
	CHECK(nlk_errno_from_nl(-NLE_OPNOTSUPP) == EOPNOTSUPP);
	CHECK(nlk_errno_from_nl(NLE_PERM) == EPERM);
	CHECK(nlk_errno_from_nl(-NLE_INVAL) == EINVAL);
	CHECK(nlk_errno_from_nl(-NLE_EXIST) == EEXIST);
	CHECK(nlk_errno_from_nl(-NLE_BUSY) == EBUSY);
	CHECK(nlk_errno_from_nl(-NLE_PROTO_MISMATCH) == EPROTONOSUPPORT);
	CHECK(nlk_errno_from_nl(-NLE_PARSE_ERR) == EIO);

	CHECK(nlk_fail_nl(&err, -NLE_OPNOTSUPP, "set VF %d link state on %s", 3, "enp1s0f0") == -1);
	CHECK(err.code == EOPNOTSUPP);
	CHECK_STR_EQ(err.msg, "set VF 3 link state on enp1s0f0: Operation not supported");
	nlk_fail_nl(&err, -NLE_PARSE_ERR, "read VF 0 of %s", "x");
	CHECK(err.code == EIO);
	CHECK_STR_EQ(err.msg, "read VF 0 of x: Unable to parse object");
}

int main(void)
{
	test_set_mac();
	test_set_vlan_8021q();
	test_set_vlan_8021ad();
	test_set_flags_and_rate();
	test_set_many();
	test_set_many_refused();
	test_get_parsed();
	test_errors();
	return check_summary("netlink_vf_msg");
}
