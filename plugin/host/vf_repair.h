/* vf_repair: a VF that an endpoint uses, checked through its PF against what the network
 * asks and put back where it differs (trust, spoof check, VLAN, admin MAC, link state,
 * rates). For the start after a crash: a kill -9 in Join's trusted moment (vf_setup.c,
 * adopt_admin_mac) leaves a VF trusted that its network does not trust, and nothing else
 * records that moment.
 *
 * The admin MAC is compared only when the network does not trust the VF: a trusted VF may set
 * its own (bonding, keepalived), and the PF then reports that one. Settings the driver does not
 * report are not compared. */
#ifndef VF_REPAIR_H
#define VF_REPAIR_H

#include <stddef.h>

#include "host.h"
#include "net_config.h"
#include "vf_setup.h"

/* The NLK_VF_SET_* fields of `now` (as the PF reports the VF) that differ from what cfg asks
 * with mac as the admin MAC. */
unsigned vf_drift(const struct nlk_vf_config *now, const struct net_config *cfg, const uint8_t mac[6]);
/* What those fields are now and should be, e.g. "trust on (should be off), VLAN 0 (should be
 * 100)", into out (always terminated). */
void vf_drift_describe(const struct nlk_vf_config *now, const struct net_config *cfg, const uint8_t mac[6],
		       unsigned fields, char *out, size_t size);
/* Reads VF t->vf of pf and sets the fields that drifted (*repaired: which; 0 when none), in
 * one request, or one by one when the driver refuses that (each failure logged, the first
 * returned: the others are still set). what (size bytes) says what was found. */
int vf_repair(const struct host *h, const char *pf, const struct net_config *cfg, const struct vf_target *t,
	      unsigned *repaired, char *what, size_t size, sr_error *err);

#endif
