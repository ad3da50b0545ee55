/* vf_setup: configure a VF through its PF for an endpoint, and reset it.
 *
 * vf_apply (t->saved already read by the caller, and recorded) sets admin
 * MAC, VLAN (+QoS, protocol), spoof check, trust, link state and rates, then
 * makes the VF netdev's own MAC equal the admin MAC and sets its MTU, leaving
 * it down. On any failure every step already done is undone, and the error
 * names the step, PF, VF index and the kernel's reason.
 * vf_reset puts the VF back (MAC as before us, VLAN 0/QoS 0, spoof check on,
 * trust off, rates 0, link state auto) wherever its netdev is, even when it is
 * bound to vfio-pci, setting only what differs from that (one read of the VF first),
 * and its netdev's MTU as before us when the netdev is in this namespace (the next
 * network may leave MTU alone); it carries on past failures and reports the first. */
#ifndef VF_SETUP_H
#define VF_SETUP_H

#include <stdint.h>

#include "host.h"
#include "net_config.h"

/* The VF an endpoint owns, as this layer needs it: which one, the MAC it gets, and its
 * settings from before us (what undo and reset put back). Points into the caller's record. */
struct vf_target {
	int vf;
	const char *vf_pci;
	const uint8_t *mac;
	const struct nlk_vf_config *saved;
	unsigned saved_mtu; /* its netdev's MTU before us; 0 = unknown (left as it is) */
};

/* The engine of vf_apply, a seam for tests: apply steps 0..count-1 in order, then finish;
 * when only finish failed, the whole attempt is made once more (retrying is told why). On
 * final failure, undo runs for every step begun in either attempt, last first.
 * apply_all (may be NULL) applies every step at once; when it fails, the steps are applied one
 * by one (to name the one that fails), and on final failure every step is undone, as apply_all
 * may have applied any of them. */
struct vf_steps {
	int (*apply)(void *ctx, int step, sr_error *err);
	int (*finish)(void *ctx, sr_error *err);
	void (*undo)(void *ctx, int step);
	void (*retrying)(void *ctx, const sr_error *why);
	int count;
	void *ctx;
	int (*apply_all)(void *ctx, sr_error *err);
};
int vf_steps_run(const struct vf_steps *s, sr_error *err);

int vf_apply(const struct host *h, const char *pf_ifname, const struct net_config *cfg, const struct vf_target *t,
	     sr_error *err);
int vf_reset(const struct host *h, const char *pf_ifname, const struct vf_target *t, sr_error *err);
/* Makes the VF netdev (in this namespace) carry the admin MAC and the MTU, down. pf_ifname
 * (may be NULL: then no trusted moment) lets a VF that refuses its own MAC request be trusted
 * for that request instead of rebinding its driver. */
int vf_sync_netdev(const struct host *h, const char *pf_ifname, const struct net_config *cfg,
		   const struct vf_target *t, sr_error *err);

#endif
