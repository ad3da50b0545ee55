/* ep_give_back: what an endpoint holds, given back to the host when Docker is done with it or
 * the sweep finds it stale: a VF reset (MAC, VLAN, spoof check, trust, rates as before) or, for
 * a passthrough endpoint, its NIC put back as the host had it (name, MAC, MTU, up/down).
 * Called without d->lock; works on a copy of the record. */
#ifndef EP_GIVE_BACK_H
#define EP_GIVE_BACK_H

#include <stdbool.h>

#include "daemon.h"
#include "state.h"

/* *home: the VF is on its host driver with its netdev here, or the NIC's netdev is here and every
 * step of its restore succeeded; false means the record must stay (released) until it is. A VF
 * left on vfio-pci (a VM that died) or on no driver is reset through its PF and rebound to its host
 * driver, unless a process still holds its VFIO group: then the live record's `pending` says so
 * (status) and the sweep tries again. -1: a step failed (err; the record's fate still follows
 * *home). Takes d->lock briefly. */
int ep_give_back(struct daemon *d, const struct ep_record *ep, bool *home, sr_error *err);

#endif
