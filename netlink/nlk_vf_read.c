/* nlk_vf_read: one VF's configuration as the PF reports it.
 *
 * libnl 3.7's rtnl_link_get_kernel sends IFLA_EXT_MASK = RTEXT_FILTER_VF, so
 * the kernel's reply carries IFLA_VFINFO_LIST and libnl's own parser fills the
 * rtnl_link_vf objects; nothing is parsed by hand here. */
#include "nlk_internal.h"

#include <errno.h>
#include <string.h>

#include <linux/if_ether.h>

/* Reads the fields libnl parsed. libnl drops spoofchk/trust when the kernel
 * says -1 (driver does not report them), which gives has_spoofchk/has_trust. */
static void copy_vf(struct rtnl_link_vf *v, struct nlk_vf_config *out)
{
	struct nl_addr *addr = NULL;
	nl_vf_vlans_t *vlans = NULL;
	struct nl_vf_rate rate;
	uint32_t value;
	int rc;

	if (rtnl_link_vf_get_addr(v, &addr) == 0 && addr && nl_addr_get_len(addr) >= sizeof(out->mac))
		memcpy(out->mac, nl_addr_get_binary_addr(addr), sizeof(out->mac));

	out->vlan_proto = NLK_VLAN_8021Q;
	/* rtnl_link_vf_get_vlans hands out a reference: put it back. */
	if (rtnl_link_vf_get_vlans(v, &vlans) == 0 && vlans) {
		/* libnl's reader turns the kernel's big-endian proto into host order. */
		if (vlans->size > 0) {
			out->vlan = vlans->vlans[0].vf_vlan;
			out->qos = vlans->vlans[0].vf_vlan_qos;
			if (vlans->vlans[0].vf_vlan_proto)
				out->vlan_proto = vlans->vlans[0].vf_vlan_proto;
		}
		rtnl_link_vf_vlan_put(vlans);
	}
	if (rtnl_link_vf_get_spoofchk(v, &value) == 0) {
		out->spoofchk = value != 0;
		out->has_spoofchk = true;
	}
	if (rtnl_link_vf_get_trust(v, &value) == 0) {
		out->trust = value != 0;
		out->has_trust = true;
	}
	if (rtnl_link_vf_get_linkstate(v, &value) == 0) {
		out->link_state = (int)value;
		out->has_link_state = true;
	}
	/* libnl keeps a rate only when it is non-zero, so "absent" and "no limit"
	 * look alike (-NLE_NOATTR). Every kernel since 3.16 sends IFLA_VF_RATE for
	 * each VF, so treat NOATTR as "0 = unlimited" and report the rate as known. */
	rc = rtnl_link_vf_get_rate(v, &rate);
	if (rc == 0 && rate.api == RTNL_LINK_VF_RATE_API_NEW) {
		out->min_tx_rate = rate.min_tx_rate;
		out->max_tx_rate = rate.max_tx_rate;
	} else if (rc == 0 && rate.api == RTNL_LINK_VF_RATE_API_OLD) {
		out->max_tx_rate = rate.rate;
	}
	out->has_rate = true;
}

int nlk_vf_config_from_link(struct rtnl_link *pf, const char *pf_ifname, int vf, struct nlk_vf_config *out,
			    sr_error *err)
{
	struct rtnl_link_vf *v;
	uint32_t num_vf = 0;

	if (vf < 0)
		return sr_error_set(err, EINVAL, "read VF %d of %s: invalid VF index", vf, pf_ifname);
	if (rtnl_link_get_num_vf(pf, &num_vf) < 0)
		return sr_error_set(err, ENOENT, "read VF %d of %s: %s has no VF %d (not an SR-IOV PF)", vf,
				    pf_ifname, pf_ifname, vf);
	if ((uint32_t)vf >= num_vf)
		return sr_error_set(err, ENOENT, "read VF %d of %s: %s has no VF %d (%u VFs enabled)", vf, pf_ifname,
				    pf_ifname, vf, num_vf);
	/* libnl only builds the list when the kernel sent IFLA_VFINFO_LIST (the
	 * driver has ndo_get_vf_config), and rtnl_link_vf_get does not check. */
	v = rtnl_link_has_vf_list(pf) ? rtnl_link_vf_get(pf, (uint32_t)vf) : NULL;
	if (!v)
		return sr_error_set(err, ENOENT, "read VF %d of %s: %s reports no settings for VF %d", vf, pf_ifname,
				    pf_ifname, vf);
	memset(out, 0, sizeof(*out));
	out->vf = vf;
	copy_vf(v, out);
	rtnl_link_vf_put(v);
	return 0;
}

int nlk_vf_get(struct nlk *nl, const char *pf_ifname, int vf, struct nlk_vf_config *out, sr_error *err)
{
	struct rtnl_link *pf = NULL;
	int rc;

	if (nlk_fetch_link(nl, pf_ifname, &pf, err) < 0)
		return sr_error_wrap(err, "read VF %d of %s", vf, pf_ifname ? pf_ifname : "(null)");
	rc = nlk_vf_config_from_link(pf, pf_ifname, vf, out, err);
	rtnl_link_put(pf);
	return rc;
}
