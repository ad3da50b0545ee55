/* host: what the SR-IOV host layer (plugin/host/) is given to work with, and all it is given:
 * the sysfs root it reads, the netlink socket it talks to the kernel through, where udev and
 * VFIO keep their nodes, the log, the per-PF locks, and a hook called after each kernel step
 * of an endpoint operation (crash tests stop the process there).
 *
 * The daemon owns one (struct daemon's `host`); tests build one by hand. Nothing under
 * plugin/host/ knows the daemon: the arrow points from the daemon to here, never back. */
#ifndef HOST_H
#define HOST_H

#include "../../common/sr_log.h"
#include "../../netlink/nlk.h"
#include "pf_lock.h"

struct host {
	const char *sysfs_root; /* "/sys", or a fake tree in tests */
	const char *udev_dir;   /* udev's runtime folder; "" = SRIOV_DEFAULT_UDEV_DIR */
	const char *vfio_dir;   /* VFIO group nodes; "" = SRIOV_DEFAULT_VFIO_DIR */
	struct nlk *nl;
	struct sr_log *log;
	struct pf_locks *pf_locks;
	/* after each kernel step of an endpoint operation; NULL = none */
	void (*step_done)(void *ctx, const char *step);
	void *step_ctx;
};

static inline void host_step_done(const struct host *h, const char *step)
{
	if (h->step_done)
		h->step_done(h->step_ctx, step);
}

#endif
