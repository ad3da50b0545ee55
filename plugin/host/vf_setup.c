#include "vf_setup.h"

#include <errno.h>
#include <string.h>

#include "sysfs.h"
#include "vf_pool.h"

enum vf_step { STEP_MAC, STEP_VLAN, STEP_SPOOFCHK, STEP_TRUST, STEP_LINK_STATE, STEP_RATE, STEP_COUNT };

/* A driver without a trust or spoof-check hook is fine when we only ask for the default. */
static bool tolerable(const sr_error *e, bool asked_default)
{
	return asked_default && e->code == EOPNOTSUPP;
}

static int do_step(const struct host *h, const char *pf, const struct net_config *cfg, const struct vf_target *t,
		   enum vf_step step, sr_error *err)
{
	int vf = t->vf;
	switch (step) {
	case STEP_MAC:
		return nlk_vf_set_mac(h->nl, pf, vf, t->mac, err);
	case STEP_VLAN:
		return nlk_vf_set_vlan(h->nl, pf, vf, cfg->vlan, cfg->qos, cfg->vlan_proto, err);
	case STEP_SPOOFCHK:
		if (nlk_vf_set_spoofchk(h->nl, pf, vf, cfg->spoofchk, err) < 0 && !tolerable(err, cfg->spoofchk))
			return -1;
		return 0;
	case STEP_TRUST:
		if (nlk_vf_set_trust(h->nl, pf, vf, cfg->trust, err) < 0 && !tolerable(err, !cfg->trust))
			return -1;
		return 0;
	case STEP_LINK_STATE:
		return cfg->link_state_set ? nlk_vf_set_link_state(h->nl, pf, vf, cfg->link_state, err) : 0;
	case STEP_RATE:
		return cfg->rate_set ? nlk_vf_set_rate(h->nl, pf, vf, cfg->min_tx_rate, cfg->max_tx_rate, err) : 0;
	case STEP_COUNT:
		break;
	}
	return 0;
}

/* Restore one field to what it was before us (best effort, used while undoing). */
static void undo_step(const struct host *h, const char *pf, const struct vf_target *t, enum vf_step step)
{
	const struct nlk_vf_config *s = t->saved;
	sr_error e = {0};
	int rc = 0;
	switch (step) {
	case STEP_MAC:
		rc = nlk_vf_set_mac(h->nl, pf, t->vf, s->mac, &e);
		break;
	case STEP_VLAN:
		rc = nlk_vf_set_vlan(h->nl, pf, t->vf, s->vlan, s->qos, s->vlan_proto ? s->vlan_proto : NLK_VLAN_8021Q,
				     &e);
		break;
	case STEP_SPOOFCHK:
		rc = s->has_spoofchk ? nlk_vf_set_spoofchk(h->nl, pf, t->vf, s->spoofchk, &e) : 0;
		break;
	case STEP_TRUST:
		rc = s->has_trust ? nlk_vf_set_trust(h->nl, pf, t->vf, s->trust, &e) : 0;
		break;
	case STEP_LINK_STATE:
		rc = s->has_link_state ? nlk_vf_set_link_state(h->nl, pf, t->vf, s->link_state, &e) : 0;
		break;
	case STEP_RATE:
		rc = s->has_rate ? nlk_vf_set_rate(h->nl, pf, t->vf, s->min_tx_rate, s->max_tx_rate, &e) : 0;
		break;
	case STEP_COUNT:
		break;
	}
	if (rc < 0)
		sr_log_msg(h->log, SR_LOG_WARN, "undo on %s VF %d: %s", pf, t->vf, e.msg);
}

/* igbvf and ixgbevf read the admin MAC only when they initialise, and once the PF has set one
 * they refuse the VF's own request for a MAC unless the VF is trusted (igb says so in the kernel
 * log for every refusal). Asking through the VF's netdev for the very MAC the PF already enforces,
 * trusted for that moment when the network does not trust the VF, spares a driver rebind: a new
 * netdev for udev to rename, and under a burst of `docker run` seconds of waiting on the kernel's
 * RTNL lock. *done: the netdev now carries it (false sends the caller to the rebind). -1 when the
 * VF could not be made untrusted again (asked twice): a VF left trusted against the network's
 * settings is never handed out. */
static int adopt_admin_mac(const struct host *h, const char *pf, const struct net_config *cfg,
			   const struct vf_target *t, const char *netdev, bool *done, sr_error *err)
{
	struct nlk_link_info info;
	sr_error e = {0};
	*done = false;
	/* a PF without trust (EOPNOTSUPP) may still take the request: asked anyway */
	bool trusted_for_now = pf && !cfg->trust && nlk_vf_set_trust(h->nl, pf, t->vf, true, &e) == 0;
	/* crash tests stop here: a VF trusted against its network's settings (ep_repair.c) */
	if (trusted_for_now)
		host_step_done(h, "trust VF for its MAC");
	if (nlk_link_set_mac(h->nl, netdev, t->mac, &e) == 0)
		*done = nlk_link_get(h->nl, netdev, &info, &e) == 0 && memcmp(info.mac, t->mac, 6) == 0;
	if (trusted_for_now)
		host_step_done(h, "VF netdev asked for the admin MAC");
	if (!*done)
		sr_log_msg(h->log, SR_LOG_DEBUG, "VF %d netdev %s does not take the admin MAC itself (%s): rebind",
			   t->vf, netdev, e.msg[0] ? e.msg : "MAC unchanged");
	if (trusted_for_now && nlk_vf_set_trust(h->nl, pf, t->vf, false, &e) < 0 &&
	    nlk_vf_set_trust(h->nl, pf, t->vf, false, err) < 0)
		return sr_error_wrap(err, "VF %d left trusted after taking the admin MAC", t->vf);
	return 0;
}

int vf_sync_netdev(const struct host *h, const char *pf, const struct net_config *cfg, const struct vf_target *t,
		   sr_error *err)
{
	char netdev[SYSFS_IFNAME_MAX];
	struct nlk_link_info info;
	bool found = false;
	/* Read back first: drivers that pass the admin MAC on to a bound VF at once (mlx5, ice,
	 * i40e reset the VF themselves) need nothing more; igbvf, ixgbevf are asked for it through
	 * their netdev; only when that fails, rebind (every rebind is a new netdev that udev renames). */
	if (sysfs_pci_netdev(h->sysfs_root, t->vf_pci, netdev, &found, err) < 0)
		return sr_error_wrap(err, "VF %d", t->vf);
	bool ready = found && vf_wait_netdev(h, t->vf_pci, netdev, &info, err) == 0;
	bool has_mac = ready && memcmp(info.mac, t->mac, 6) == 0;
	bool adopted = false;
	if (ready && !has_mac && adopt_admin_mac(h, pf, cfg, t, netdev, &adopted, err) < 0)
		return -1;
	if (!has_mac && !adopted) {
		sr_error_clear(err);
		if (vf_rebind_host(h, t->vf, t->vf_pci, NULL, NULL, err) < 0)
			return -1;
		host_step_done(h, "rebind VF driver");
		if (vf_wait_netdev(h, t->vf_pci, netdev, &info, err) < 0)
			return sr_error_wrap(err, "VF %d", t->vf);
	} else {
		if (adopted && nlk_link_get_by_index(h->nl, info.ifindex, &info, err) < 0)
			return sr_error_wrap(err, "VF %d netdev", t->vf);
		sr_log_msg(h->log, SR_LOG_DEBUG, "VF %d netdev %s %s the admin MAC: no rebind", t->vf, netdev,
			   adopted ? "took" : "already has");
	}
	if (info.up && nlk_link_set_up(h->nl, netdev, false, err) < 0)
		return sr_error_wrap(err, "VF %d netdev", t->vf);
	if (memcmp(info.mac, t->mac, 6) != 0) {
		/* a driver that ignores the admin MAC at probe: set it on the netdev, then check */
		if (nlk_link_set_mac(h->nl, netdev, t->mac, err) < 0 || nlk_link_get(h->nl, netdev, &info, err) < 0)
			return sr_error_wrap(err, "VF %d netdev", t->vf);
		if (memcmp(info.mac, t->mac, 6) != 0) {
			char want[18], got[18];
			nlk_mac_format(t->mac, want);
			nlk_mac_format(info.mac, got);
			return sr_error_set(err, EIO, "VF %d netdev %s has MAC %s, not the admin MAC %s", t->vf, netdev,
					    got, want);
		}
	}
	if (cfg->mtu && nlk_link_set_mtu(h->nl, netdev, cfg->mtu, err) < 0)
		return sr_error_wrap(err, "VF %d netdev", t->vf);
	return 0;
}

/* What the PF reports now against what we set; names the first difference. */
static int check_vf_config(const struct host *h, const char *pf, const struct net_config *cfg, const struct vf_target *t,
			   sr_error *err)
{
	struct nlk_vf_config now;
	if (nlk_vf_get(h->nl, pf, t->vf, &now, err) < 0)
		return -1;
	if (memcmp(now.mac, t->mac, 6) != 0)
		return sr_error_set(err, EIO, "VF %d of %s lost its admin MAC", t->vf, pf);
	if (now.vlan != cfg->vlan || now.qos != cfg->qos)
		return sr_error_set(err, EIO, "VF %d of %s has VLAN %u QoS %u, not %u QoS %u", t->vf, pf, now.vlan,
				    now.qos, cfg->vlan, cfg->qos);
	if (now.has_spoofchk && now.spoofchk != cfg->spoofchk)
		return sr_error_set(err, EIO, "VF %d of %s lost its spoof check setting", t->vf, pf);
	if (now.has_trust && now.trust != cfg->trust)
		return sr_error_set(err, EIO, "VF %d of %s lost its trust setting", t->vf, pf);
	return 0;
}

int vf_steps_run(const struct vf_steps *s, sr_error *err)
{
	int touched = 0; /* steps begun in any attempt: all of them are undone on failure */
	for (int attempt = 0; attempt < 2; attempt++) {
		int step = 0;
		if (s->apply_all) {
			touched = s->count;
			if (s->apply_all(s->ctx, err) == 0)
				step = s->count;
			else
				sr_error_clear(err);
		}
		for (; step < s->count; step++) {
			if (step + 1 > touched)
				touched = step + 1;
			if (s->apply(s->ctx, step, err) < 0)
				break;
		}
		if (step == s->count && s->finish(s->ctx, err) == 0)
			return 0;
		/* A PF still settling (VFs just enabled, link coming up) may reset a VF under us:
		 * once more, but only when every step went through and the end check failed. */
		if (step < s->count || attempt == 1)
			break;
		if (s->retrying)
			s->retrying(s->ctx, err);
		sr_error_clear(err);
	}
	for (int step = touched - 1; step >= 0; step--)
		s->undo(s->ctx, step);
	return -1;
}

struct apply_ctx {
	const struct host *h;
	const char *pf;
	const struct net_config *cfg;
	const struct vf_target *t;
};

static int ctx_apply(void *p, int step, sr_error *err)
{
	struct apply_ctx *c = p;
	if (do_step(c->h, c->pf, c->cfg, c->t, (enum vf_step)step, err) < 0)
		return -1;
	host_step_done(c->h, "configure VF");
	return 0;
}

/* Every step in one request to the PF (nlk_vf_set_many): one wait for the kernel's RTNL lock
 * instead of six under a burst of `docker run`. */
static int ctx_apply_all(void *p, sr_error *err)
{
	struct apply_ctx *c = p;
	const struct net_config *cfg = c->cfg;
	struct nlk_vf_config want = {.vf = c->t->vf, .vlan = cfg->vlan, .qos = cfg->qos, .vlan_proto = cfg->vlan_proto,
				     .spoofchk = cfg->spoofchk, .trust = cfg->trust, .link_state = cfg->link_state,
				     .min_tx_rate = cfg->min_tx_rate, .max_tx_rate = cfg->max_tx_rate};
	unsigned fields = NLK_VF_SET_MAC | NLK_VF_SET_VLAN | NLK_VF_SET_SPOOFCHK | NLK_VF_SET_TRUST;
	if (cfg->link_state_set)
		fields |= NLK_VF_SET_LINK_STATE;
	if (cfg->rate_set)
		fields |= NLK_VF_SET_RATE;
	memcpy(want.mac, c->t->mac, sizeof(want.mac));
	if (nlk_vf_set_many(c->h->nl, c->pf, &want, fields, err) < 0) {
		sr_log_msg(c->h->log, SR_LOG_DEBUG, "%s; step by step", err->msg);
		return -1;
	}
	host_step_done(c->h, "configure VF");
	return 0;
}

static int ctx_finish(void *p, sr_error *err)
{
	struct apply_ctx *c = p;
	if (vf_sync_netdev(c->h, c->pf, c->cfg, c->t, err) < 0)
		return -1;
	host_step_done(c->h, "sync VF netdev");
	return check_vf_config(c->h, c->pf, c->cfg, c->t, err);
}

static void ctx_undo(void *p, int step)
{
	struct apply_ctx *c = p;
	undo_step(c->h, c->pf, c->t, (enum vf_step)step);
}

static void ctx_retrying(void *p, const sr_error *err)
{
	struct apply_ctx *c = p;
	sr_log_msg(c->h->log, SR_LOG_WARN, "%s; configuring it again", err->msg);
}

/* The VF netdev's MTU back to what it was before us, when the netdev is in this namespace: a
 * network's mtu would otherwise stay with the VF into the next network, which may leave MTU
 * alone. A netdev in a container or on vfio-pci is left: the driver's next probe gives a new one
 * at its default. */
static int restore_mtu(const struct host *h, const struct vf_target *t, sr_error *err)
{
	char netdev[SYSFS_IFNAME_MAX];
	struct nlk_link_info info;
	bool found = false;
	sr_error e = {0};
	if (!t->saved_mtu || !t->vf_pci || sysfs_pci_netdev(h->sysfs_root, t->vf_pci, netdev, &found, &e) < 0 ||
	    !found || nlk_link_get(h->nl, netdev, &info, &e) < 0 || info.mtu == t->saved_mtu)
		return 0;
	if (nlk_link_set_mtu(h->nl, netdev, t->saved_mtu, err) < 0)
		return sr_error_wrap(err, "VF %d netdev MTU back to %u", t->vf, t->saved_mtu);
	return 0;
}

int vf_apply(const struct host *h, const char *pf_ifname, const struct net_config *cfg, const struct vf_target *t,
	     sr_error *err)
{
	struct apply_ctx c = {h, pf_ifname, cfg, t};
	struct vf_steps steps = {ctx_apply, ctx_finish, ctx_undo, ctx_retrying, STEP_COUNT, &c, ctx_apply_all};
	sr_error e = {0};
	if (vf_steps_run(&steps, err) == 0)
		return 0;
	if (restore_mtu(h, t, &e) < 0) /* the finish step may have set it */
		sr_log_msg(h->log, SR_LOG_WARN, "undo on %s: %s", pf_ifname, e.msg);
	return -1;
}

/* The fields of a VF that differ from its reset state (`now` as read from the PF); NULL (the VF
 * could not be read): every field, rates only when the VF had them before us. */
static unsigned reset_fields(const struct nlk_vf_config *s, const struct nlk_vf_config *now)
{
	unsigned fields = 0;
	if (!now || memcmp(now->mac, s->mac, sizeof(now->mac)) != 0)
		fields |= NLK_VF_SET_MAC;
	if (!now || now->vlan || now->qos)
		fields |= NLK_VF_SET_VLAN;
	if (!now || !now->has_spoofchk || !now->spoofchk)
		fields |= NLK_VF_SET_SPOOFCHK;
	if (!now || !now->has_trust || now->trust)
		fields |= NLK_VF_SET_TRUST;
	if (s->has_rate && (!now || now->min_tx_rate || now->max_tx_rate))
		fields |= NLK_VF_SET_RATE;
	if (!now || !now->has_link_state || now->link_state != NLK_VF_LINK_AUTO)
		fields |= NLK_VF_SET_LINK_STATE;
	return fields;
}

/* Only the fields that differ from the reset state are set, all in one RTM_SETLINK on the PF:
 * each request waits for the kernel's RTNL lock (and, for igb, sends a mailbox message to the
 * VF), which a burst of `docker rm` pays per VF while namespaces are torn down beside it. When
 * that one request fails (a driver without one of the hooks, a field refused), the fields are
 * set one by one, to tolerate what may be missing and name what failed. A VF that cannot be
 * read is reset field by field, blind. */
static int reset_through_pf(const struct host *h, const char *pf_ifname, const struct vf_target *t, sr_error *err)
{
	const struct nlk_vf_config *s = t->saved;
	struct nlk_vf_config now, reset = {.vf = t->vf, .vlan_proto = NLK_VLAN_8021Q, .spoofchk = true,
					   .link_state = NLK_VF_LINK_AUTO};
	sr_error e = {0};
	int vf = t->vf, failed = 0;
	bool known;
	unsigned fields;
	sr_error_clear(err);
	known = nlk_vf_get(h->nl, pf_ifname, vf, &now, &e) == 0;
	fields = reset_fields(s, known ? &now : NULL);
	if (!known)
		sr_log_msg(h->log, SR_LOG_DEBUG, "reset: %s (every field set)", e.msg);
	if (known) {
		memcpy(reset.mac, s->mac, sizeof(reset.mac));
		if (!fields || nlk_vf_set_many(h->nl, pf_ifname, &reset, fields, &e) == 0)
			return 0;
		sr_log_msg(h->log, SR_LOG_DEBUG, "reset: %s; field by field", e.msg);
	}
#define RESET_STEP(call)                                         \
	do {                                                     \
		if ((call) < 0) {                                \
			if (!failed++)                           \
				*err = e;                        \
			sr_log_msg(h->log, SR_LOG_WARN, "reset: %s", e.msg); \
		}                                                \
	} while (0)
	if (fields & NLK_VF_SET_MAC)
		RESET_STEP(nlk_vf_set_mac(h->nl, pf_ifname, vf, s->mac, &e));
	if (fields & NLK_VF_SET_VLAN)
		RESET_STEP(nlk_vf_set_vlan(h->nl, pf_ifname, vf, 0, 0, NLK_VLAN_8021Q, &e));
	if ((fields & NLK_VF_SET_SPOOFCHK) && nlk_vf_set_spoofchk(h->nl, pf_ifname, vf, true, &e) < 0 &&
	    e.code != EOPNOTSUPP)
		RESET_STEP(-1);
	if ((fields & NLK_VF_SET_TRUST) && nlk_vf_set_trust(h->nl, pf_ifname, vf, false, &e) < 0 &&
	    e.code != EOPNOTSUPP)
		RESET_STEP(-1);
	if ((fields & NLK_VF_SET_RATE) && nlk_vf_set_rate(h->nl, pf_ifname, vf, 0, 0, &e) < 0 && e.code != EOPNOTSUPP)
		RESET_STEP(-1);
	if ((fields & NLK_VF_SET_LINK_STATE) &&
	    nlk_vf_set_link_state(h->nl, pf_ifname, vf, NLK_VF_LINK_AUTO, &e) < 0 && e.code != EOPNOTSUPP)
		RESET_STEP(-1);
#undef RESET_STEP
	return failed ? -1 : 0;
}

int vf_reset(const struct host *h, const char *pf_ifname, const struct vf_target *t, sr_error *err)
{
	sr_error e = {0};
	int rc = reset_through_pf(h, pf_ifname, t, err);
	if (restore_mtu(h, t, &e) < 0) {
		sr_log_msg(h->log, SR_LOG_WARN, "reset: %s", e.msg);
		if (rc == 0)
			*err = e;
		rc = -1;
	}
	return rc;
}
