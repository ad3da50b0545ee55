/* nlk_internal: what the nlk_*.c files share, not part of the public API.
 *
 * struct nlk owns one connected NETLINK_ROUTE libnl socket. The helpers turn
 * libnl's -NLE_* codes into errno + a kernel-style sentence, and fetch one
 * link from the kernel by name after validating the name. */
#ifndef NLK_INTERNAL_H
#define NLK_INTERNAL_H

#include <pthread.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>

#include "nlk.h"

/* One socket carries one request and its answer at a time: the daemon's handlers run in
 * parallel threads, and libnl's sequence numbers and receive buffer are per socket. `lock`
 * is held for each kernel round trip only (microseconds), never across a caller's steps. */
struct nlk {
	struct nl_sock *sock;
	/* The same namespace's socket with NETLINK_GET_STRICT_CHK (Linux >= 4.20), for dumps the
	 * kernel filters (one link's addresses); NULL when the kernel has no strict checking. A
	 * socket of its own: strict checking refuses libnl's rtgenmsg-headed cache dumps. */
	struct nl_sock *strict;
	pthread_mutex_t lock; /* for both sockets */
};

/* A parsed link's name, MAC, flags and counters (nlk_stats.c). */
void nlk_link_entry_fill(struct rtnl_link *link, struct nlk_link_entry *e);
/* A table being filled from parsed links: nlk_table_fill_add(link object, fill) appends one
 * (an allocation failure sticks in `failed`). */
struct nlk_table_fill {
	struct nlk_link_table *t;
	size_t cap;
	bool failed;
};
void nlk_table_fill_add(struct nl_object *obj, void *arg);

/* errno for a libnl error code (positive or negative NLE_*); EIO when unknown. */
int nlk_errno_from_nl(int nlerr);

/* Fills err with code = nlk_errno_from_nl(nlerr) and "<context>: <reason>",
 * where reason is strerror(mapped errno), or nl_geterror() when the code has
 * no errno equivalent. Returns -1. */
int nlk_fail_nl(sr_error *err, int nlerr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Validates ifname, then asks the kernel for it (with RTEXT_FILTER_VF, which
 * libnl 3.7's rtnl_link_get_kernel always sends). The caller puts *out.
 * On failure err is "<ifname>: <reason>" (EINVAL bad name, ENODEV missing). */
int nlk_fetch_link(struct nlk *nl, const char *ifname, struct rtnl_link **out, sr_error *err);

/* Sends `changes` against `orig` (rtnl_link_change). Returns 0 or a -NLE_* code. */
int nlk_apply_change(struct nlk *nl, struct rtnl_link *orig, struct rtnl_link *changes);

/* Fetches ifname, lets `fill` put one attribute into a fresh `changes` object, sends it.
 * `what` names the step in the error ("set MTU 9000"). Also used by the tests' own link
 * helpers (tests/lib/nlk_test.c). */
typedef int (*nlk_change_fill_fn)(struct rtnl_link *changes, const void *arg);
int nlk_change_link(struct nlk *nl, const char *ifname, nlk_change_fill_fn fill, const void *arg, const char *what,
		    sr_error *err);

/* VF internals, exposed so host tests can check them without SR-IOV hardware. */

/* Copies VF `vf` of an already parsed PF link into out. -1/ENOENT when absent. */
int nlk_vf_config_from_link(struct rtnl_link *pf, const char *pf_ifname, int vf, struct nlk_vf_config *out,
			    sr_error *err);

/* Which single VF field a change carries. */
enum nlk_vf_field {
	NLK_VF_FIELD_MAC,
	NLK_VF_FIELD_VLAN,
	NLK_VF_FIELD_SPOOFCHK,
	NLK_VF_FIELD_TRUST,
	NLK_VF_FIELD_LINK_STATE,
	NLK_VF_FIELD_RATE,
};

/* Builds a `changes` link object that carries every field of `want` named in `fields`
 * (NLK_VF_SET_* bits) for VF want->vf, in one IFLA_VFINFO_LIST > IFLA_VF_INFO.
 * Returns 0 or a -NLE_* code; the caller puts *out. */
int nlk_vf_build_changes(const struct nlk_vf_config *want, unsigned fields, struct rtnl_link **out);

#endif
