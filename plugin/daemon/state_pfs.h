/* state_pfs: a network record's PFs on disk, beyond the first.
 *
 * A network's file has always said "pf_pci" and "pf_spec" (its one PF) and, in "config",
 * "vfs_set"/"vfs". Those keep their meaning for the first PF and the unqualified vfs ranges,
 * so a one-PF network's file stays as older versions wrote it and read it. A network with
 * several PFs, or with vfs ranges of its own for a PF ("name#0-3"), adds:
 *   "pfs": [{"pci": "0000:01:00.0", "spec": "enp1s0f0"[, "vfs": "0-3"]}, ...]  (list order)
 *   "config": {..., "pf_policy": "spread" | "fill"}                        (several PFs only)
 * A file without "pfs" is a one-PF network (pf_pci, pf_spec). */
#ifndef STATE_PFS_H
#define STATE_PFS_H

#include <jansson.h>

#include "state.h"

/* Adds the keys above to o (the network's object) when n needs them; -1 on ENOMEM. */
int state_pfs_to_json(const struct net_record *n, json_t *o);
/* Reads them back (after pf_pci and pf_spec were read into n's first PF); a malformed list,
 * a duplicate PF or a first entry that is not pf_pci is corruption. */
int state_pfs_from_json(json_t *o, struct net_record *n, sr_error *err);

#endif
