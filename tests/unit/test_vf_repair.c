/* vf_repair: which of a VF's settings (as its PF reports them) differ from what its network
 * asks, and how that is said in the log. */
#include <string.h>

#include "../../plugin/host/vf_repair.h"
#include "check.h"

static const uint8_t MAC[6] = {0x02, 0x42, 0x0a, 0x09, 0x00, 0x07};

/* A VF exactly as cfg asks. */
static struct nlk_vf_config as_asked(const struct net_config *cfg)
{
	struct nlk_vf_config v = {.vf = 3, .vlan = cfg->vlan, .qos = cfg->qos, .vlan_proto = cfg->vlan_proto,
				  .spoofchk = cfg->spoofchk, .trust = cfg->trust, .link_state = cfg->link_state,
				  .min_tx_rate = cfg->min_tx_rate, .max_tx_rate = cfg->max_tx_rate, .has_spoofchk = true,
				  .has_trust = true, .has_link_state = true, .has_rate = true};
	memcpy(v.mac, MAC, 6);
	return v;
}

int main(void)
{
	struct net_config cfg;
	struct nlk_vf_config now;
	char text[400];
	memset(&cfg, 0, sizeof(cfg));
	cfg.vlan = 100;
	cfg.vlan_proto = NLK_VLAN_8021Q;
	cfg.spoofchk = true;

	now = as_asked(&cfg);
	CHECK(vf_drift(&now, &cfg, MAC) == 0);
	/* Join's trusted moment cut short by a crash */
	now.trust = true;
	CHECK(vf_drift(&now, &cfg, MAC) == NLK_VF_SET_TRUST);
	vf_drift_describe(&now, &cfg, MAC, NLK_VF_SET_TRUST, text, sizeof(text));
	CHECK_STR_EQ(text, "trust on (should be off)");
	/* a driver that does not report trust: not compared */
	now.has_trust = false;
	CHECK(vf_drift(&now, &cfg, MAC) == 0);
	now = as_asked(&cfg);
	now.spoofchk = false;
	now.vlan = 0;
	now.mac[5] = 0x99;
	CHECK(vf_drift(&now, &cfg, MAC) == (NLK_VF_SET_SPOOFCHK | NLK_VF_SET_VLAN | NLK_VF_SET_MAC));
	vf_drift_describe(&now, &cfg, MAC, vf_drift(&now, &cfg, MAC), text, sizeof(text));
	CHECK_STR_EQ(text, "spoof check off (should be on), VLAN 0 QoS 0 proto 0x8100 (should be 100 QoS 0 proto "
			   "0x8100), admin MAC 02:42:0a:09:00:99 (should be 02:42:0a:09:00:07)");
	/* a trusted VF may set its own MAC: never "repaired" */
	cfg.trust = true;
	now = as_asked(&cfg);
	now.mac[5] = 0x99;
	CHECK(vf_drift(&now, &cfg, MAC) == 0);
	/* the VLAN protocol counts only on a tagged VF */
	now = as_asked(&cfg);
	now.vlan_proto = NLK_VLAN_8021AD;
	CHECK(vf_drift(&now, &cfg, MAC) == NLK_VF_SET_VLAN);
	cfg.vlan = 0;
	now = as_asked(&cfg);
	now.vlan_proto = NLK_VLAN_8021AD;
	CHECK(vf_drift(&now, &cfg, MAC) == 0);
	/* link state and rates only when the network sets them */
	now = as_asked(&cfg);
	now.link_state = NLK_VF_LINK_DISABLE;
	now.max_tx_rate = 100;
	CHECK(vf_drift(&now, &cfg, MAC) == 0);
	cfg.link_state_set = true;
	cfg.link_state = NLK_VF_LINK_ENABLE;
	cfg.rate_set = true;
	cfg.max_tx_rate = 500;
	CHECK(vf_drift(&now, &cfg, MAC) == (NLK_VF_SET_LINK_STATE | NLK_VF_SET_RATE));
	/* a text too long for its buffer is cut, still terminated */
	vf_drift_describe(&now, &cfg, MAC, NLK_VF_SET_ALL, text, 20);
	CHECK_STR_EQ(text, "trust on (should be");
	return check_summary("vf_repair");
}
