/* traffic_view: every VF of the PFs our networks use, who holds it, what it is used for and
 * what it counted, read for /metrics and `status` (traffic_view_read).
 *
 * d->lock is held only for a copy of the records (state_copy); every sysfs and kernel read
 * happens after, on that copy (a record may change meanwhile: the view is as of the copy). */
#ifndef TRAFFIC_VIEW_H
#define TRAFFIC_VIEW_H

#include "../host/vf_census.h"
#include "../host/vf_counters.h"
#include "daemon.h"

/* what a VF is used for: ours (held by an endpoint, or released and not home yet), or the
 * census' answer for the others */
enum vf_role { VF_ROLE_IN_USE, VF_ROLE_RELEASED, VF_ROLE_FREE, VF_ROLE_FOREIGN, VF_ROLE_UNUSABLE, VF_ROLE_COUNT };

struct vf_row {
	size_t pf;                       /* index into the view's pfs */
	int vf;
	const struct ep_record *owner;   /* in the view's snap; NULL = none */
	const struct net_record *net;    /* the owner's network, NULL when none */
	enum vf_role role;
	struct vf_counter_query q;       /* q.out: its counters */
};

struct pf_row {
	char pci[SYSFS_PCI_MAX];
	struct pf_state st;
	unsigned roles[VF_ROLE_COUNT];
	size_t first_vf, vf_count;        /* its rows in the view's vfs */
};

struct traffic_view {
	struct state snap;
	struct pf_row *pfs;
	size_t npf;
	struct vf_row *vfs;
	size_t nvf;
};

int traffic_view_read(struct daemon *d, struct traffic_view *v, sr_error *err);
void traffic_view_free(struct traffic_view *v);
const char *vf_role_name(enum vf_role r);
/* The row of endpoint ep (of v->snap), or NULL (a passthrough endpoint, its PF gone). */
const struct vf_row *traffic_view_row_of(const struct traffic_view *v, const struct ep_record *ep);

#endif
