#include "vf_repair.h"

#include <stdio.h>
#include <string.h>

unsigned vf_drift(const struct nlk_vf_config *now, const struct net_config *cfg, const uint8_t mac[6])
{
	unsigned fields = 0;
	if (!cfg->trust && memcmp(now->mac, mac, sizeof(now->mac)) != 0)
		fields |= NLK_VF_SET_MAC;
	if (now->vlan != cfg->vlan || now->qos != cfg->qos || (cfg->vlan && now->vlan_proto != cfg->vlan_proto))
		fields |= NLK_VF_SET_VLAN;
	if (now->has_spoofchk && now->spoofchk != cfg->spoofchk)
		fields |= NLK_VF_SET_SPOOFCHK;
	if (now->has_trust && now->trust != cfg->trust)
		fields |= NLK_VF_SET_TRUST;
	if (cfg->link_state_set && now->has_link_state && now->link_state != cfg->link_state)
		fields |= NLK_VF_SET_LINK_STATE;
	if (cfg->rate_set && now->has_rate &&
	    (now->min_tx_rate != cfg->min_tx_rate || now->max_tx_rate != cfg->max_tx_rate))
		fields |= NLK_VF_SET_RATE;
	return fields;
}

static const char *on_off(bool on)
{
	return on ? "on" : "off";
}

void vf_drift_describe(const struct nlk_vf_config *now, const struct net_config *cfg, const uint8_t mac[6],
		       unsigned fields, char *out, size_t size)
{
	char have[18], want[18];
	size_t len = 0;
	out[0] = '\0';
	/* a text cut short stays cut: len stops at the last byte */
#define SAY(...)                                                                                      \
	do {                                                                                          \
		int n_ = snprintf(out + len, size - len, "%s", len ? ", " : "");                       \
		len += n_ < 0 ? 0 : (size_t)n_ < size - len ? (size_t)n_ : size - 1 - len;             \
		n_ = snprintf(out + len, size - len, __VA_ARGS__);                                     \
		len += n_ < 0 ? 0 : (size_t)n_ < size - len ? (size_t)n_ : size - 1 - len;             \
	} while (0)
	if (fields & NLK_VF_SET_TRUST)
		SAY("trust %s (should be %s)", on_off(now->trust), on_off(cfg->trust));
	if (fields & NLK_VF_SET_SPOOFCHK)
		SAY("spoof check %s (should be %s)", on_off(now->spoofchk), on_off(cfg->spoofchk));
	if (fields & NLK_VF_SET_VLAN)
		SAY("VLAN %u QoS %u proto 0x%04x (should be %u QoS %u proto 0x%04x)", now->vlan, now->qos,
		    now->vlan_proto, cfg->vlan, cfg->qos, cfg->vlan_proto);
	if (fields & NLK_VF_SET_MAC) {
		nlk_mac_format(now->mac, have);
		nlk_mac_format(mac, want);
		SAY("admin MAC %s (should be %s)", have, want);
	}
	if (fields & NLK_VF_SET_LINK_STATE)
		SAY("link state %d (should be %d)", now->link_state, cfg->link_state);
	if (fields & NLK_VF_SET_RATE)
		SAY("rates %u-%u Mbit/s (should be %u-%u)", now->min_tx_rate, now->max_tx_rate, cfg->min_tx_rate,
		    cfg->max_tx_rate);
#undef SAY
}

/* One field of want set alone (the fallback when the driver refuses them together). */
static int set_one(const struct host *h, const char *pf, const struct nlk_vf_config *want, unsigned field,
		   sr_error *err)
{
	switch (field) {
	case NLK_VF_SET_MAC:
		return nlk_vf_set_mac(h->nl, pf, want->vf, want->mac, err);
	case NLK_VF_SET_VLAN:
		return nlk_vf_set_vlan(h->nl, pf, want->vf, want->vlan, want->qos, want->vlan_proto, err);
	case NLK_VF_SET_SPOOFCHK:
		return nlk_vf_set_spoofchk(h->nl, pf, want->vf, want->spoofchk, err);
	case NLK_VF_SET_TRUST:
		return nlk_vf_set_trust(h->nl, pf, want->vf, want->trust, err);
	case NLK_VF_SET_LINK_STATE:
		return nlk_vf_set_link_state(h->nl, pf, want->vf, want->link_state, err);
	default:
		return nlk_vf_set_rate(h->nl, pf, want->vf, want->min_tx_rate, want->max_tx_rate, err);
	}
}

int vf_repair(const struct host *h, const char *pf, const struct net_config *cfg, const struct vf_target *t,
	      unsigned *repaired, char *what, size_t size, sr_error *err)
{
	/* trust first: the one that lets a VF past the PF's checks */
	static const unsigned order[] = {NLK_VF_SET_TRUST, NLK_VF_SET_SPOOFCHK, NLK_VF_SET_VLAN,
					 NLK_VF_SET_MAC,   NLK_VF_SET_LINK_STATE, NLK_VF_SET_RATE};
	struct nlk_vf_config now, want = {.vf = t->vf,
					  .vlan = cfg->vlan,
					  .qos = cfg->qos,
					  .vlan_proto = cfg->vlan_proto,
					  .spoofchk = cfg->spoofchk,
					  .trust = cfg->trust,
					  .link_state = cfg->link_state,
					  .min_tx_rate = cfg->min_tx_rate,
					  .max_tx_rate = cfg->max_tx_rate};
	sr_error e = {0};
	unsigned fields;
	int failed = 0;
	*repaired = 0;
	what[0] = '\0';
	if (nlk_vf_get(h->nl, pf, t->vf, &now, err) < 0)
		return -1;
	fields = vf_drift(&now, cfg, t->mac);
	if (!fields)
		return 0;
	vf_drift_describe(&now, cfg, t->mac, fields, what, size);
	memcpy(want.mac, t->mac, sizeof(want.mac));
	if (nlk_vf_set_many(h->nl, pf, &want, fields, &e) == 0) {
		*repaired = fields;
		return 0;
	}
	sr_log_msg(h->log, SR_LOG_DEBUG, "repair of VF %d of %s in one request: %s; field by field", t->vf, pf, e.msg);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(fields & order[i]))
			continue;
		if (set_one(h, pf, &want, order[i], &e) == 0) {
			*repaired |= order[i];
			continue;
		}
		if (!failed++)
			*err = e;
		sr_log_msg(h->log, SR_LOG_WARN, "repair of VF %d of %s: %s", t->vf, pf, e.msg);
	}
	return failed ? -1 : 0;
}
