#include "vf_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SKIPPED_MAX 400 /* room for the list of skipped VFs within an sr_error message */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000L * 1000L};
	nanosleep(&ts, NULL);
}

bool vf_driver_is_userspace(const char *driver)
{
	return strstr(driver, "vfio") || strstr(driver, "uio") || !strcmp(driver, "pci-stub");
}

enum vfio_group_use vf_vfio_group_use(const char *vfio_dir, int group, char *why, size_t why_size)
{
	char path[300];
	int fd;
	if (group < 0) {
		snprintf(why, why_size, "it has no IOMMU group");
		return VFIO_GROUP_UNKNOWN;
	}
	snprintf(path, sizeof(path), "%s/%d", vfio_dir, group);
	/* Held only for this instant; nobody else should want a group the plugin released. */
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		close(fd);
		return VFIO_GROUP_FREE;
	}
	if (errno == EBUSY) {
		snprintf(why, why_size, "its VFIO group %d is open (a VM or DPDK application uses it)", group);
		return VFIO_GROUP_HELD;
	}
	snprintf(why, why_size, "cannot tell whether its VFIO group is in use (%s: %s)", path, strerror(errno));
	return VFIO_GROUP_UNKNOWN;
}

bool vf_is_home(struct daemon *d, const char *vf_pci)
{
	char driver[SYSFS_DRIVER_MAX], netdev[SYSFS_IFNAME_MAX];
	bool found = false;
	sr_error err = {0};
	if (sysfs_pci_driver(d->cfg.sysfs_root, vf_pci, driver, &err) < 0 || !driver[0] ||
	    vf_driver_is_userspace(driver))
		return false;
	return sysfs_pci_netdev(d->cfg.sysfs_root, vf_pci, netdev, &found, &err) == 0 && found;
}

static const char *udev_dir(const struct daemon *d)
{
	return d->cfg.udev_dir[0] ? d->cfg.udev_dir : "/run/udev";
}

/* udev writes data/n<ifindex> once its rules for the netdev (a rename among them) have run. */
static bool udev_done_with(const struct daemon *d, int ifindex)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/control", udev_dir(d));
	if (access(path, F_OK) < 0)
		return true; /* no udev here: nobody renames */
	snprintf(path, sizeof(path), "%s/data/n%d", udev_dir(d), ifindex);
	return access(path, F_OK) == 0;
}

int vf_wait_netdev(struct daemon *d, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX], sr_error *err)
{
	struct nlk_link_info info;
	int ifindex = 0, unknown = 0;
	for (int i = 0; i < 200; i++, sleep_ms(50)) {
		bool found = false;
		sr_error e = {0};
		if (sysfs_pci_netdev(d->cfg.sysfs_root, vf_pci, netdev, &found, err) < 0)
			return -1;
		if (!found)
			continue; /* not there yet */
		if (nlk_link_get(d->nl, netdev, &info, &e) < 0) {
			/* Renamed between the two looks clears up at once; a name sysfs shows but this
			 * namespace's netlink never knows (another namespace's sysfs) does not. */
			if (++unknown < 20)
				continue;
			*err = e;
			return -1;
		}
		unknown = 0;
		ifindex = info.ifindex;
		if (!udev_done_with(d, ifindex))
			continue;
		/* By ifindex: the name read from sysfs may already be stale. */
		if (nlk_link_get_by_index(d->nl, ifindex, &info, &e) < 0)
			continue;
		snprintf(netdev, SYSFS_IFNAME_MAX, "%s", info.name);
		return 0;
	}
	if (ifindex > 0 && nlk_link_get_by_index(d->nl, ifindex, &info, err) == 0) {
		sr_log_msg(&d->log, SR_LOG_WARN, "VF %s: udev did not finish with netdev %s (ifindex %d) within 10 s",
			   vf_pci, info.name, ifindex);
		snprintf(netdev, SYSFS_IFNAME_MAX, "%s", info.name);
		return 0;
	}
	return sr_error_set(err, ETIMEDOUT, "VF %s: no netdev appeared within 10 s", vf_pci);
}

/* Our own VF (released endpoint `owner`) left on a user-space driver or none: back to its host driver. */
static int take_back(struct daemon *d, const struct ep_record *owner, const char *driver, sr_error *why)
{
	char now[SYSFS_DRIVER_MAX], netdev[SYSFS_IFNAME_MAX], reason[256];
	int group;
	if (driver[0]) {
		if (sysfs_pci_iommu_group(d->cfg.sysfs_root, owner->vf_pci, &group, why) < 0)
			return -1;
		if (vf_vfio_group_use(d->cfg.vfio_dir[0] ? d->cfg.vfio_dir : "/dev/vfio", group, reason, sizeof(reason)) != VFIO_GROUP_FREE)
			return sr_error_set(why, EBUSY, "on %s, released by endpoint %.12s, but %s", driver, owner->id,
					    reason);
	}
	if (sysfs_pci_rebind_host_driver(d->cfg.sysfs_root, owner->vf_pci, why) < 0 ||
	    sysfs_pci_driver(d->cfg.sysfs_root, owner->vf_pci, now, why) < 0)
		return -1;
	if (!now[0] || vf_driver_is_userspace(now))
		return sr_error_set(why, ENODEV, "still on %s after rebinding to its host driver",
				    now[0] ? now : "no driver");
	if (vf_wait_netdev(d, owner->vf_pci, netdev, why) < 0)
		return -1;
	sr_log_msg(&d->log, SR_LOG_INFO, "VF %d (%s): taken back from %s to %s (netdev %s), released by endpoint %.12s",
		   owner->vf, owner->vf_pci, driver[0] ? driver : "no driver", now, netdev, owner->id);
	return 0;
}

/* 0 = usable (out->netdev filled), -1 = skip (why says why). */
static int check_vf_free_on_host(struct daemon *d, const struct ep_record *released, const char *vf_pci,
				 char netdev[SYSFS_IFNAME_MAX], sr_error *why)
{
	char driver[SYSFS_DRIVER_MAX];
	struct nlk_link_info info;
	bool found;
	int addresses;
	if (sysfs_pci_driver(d->cfg.sysfs_root, vf_pci, driver, why) < 0)
		return -1;
	if (!driver[0] || vf_driver_is_userspace(driver)) {
		if (!released)
			return sr_error_set(why, EBUSY, driver[0] ? "on %s, not ours" : "on no driver%s, not ours",
					    driver);
		if (take_back(d, released, driver, why) < 0)
			return -1;
		if (sysfs_pci_driver(d->cfg.sysfs_root, vf_pci, driver, why) < 0)
			return -1;
	}
	if (sysfs_pci_netdev(d->cfg.sysfs_root, vf_pci, netdev, &found, why) < 0)
		return -1;
	if (!found)
		return sr_error_set(why, EBUSY, "on %s, its netdev is in another namespace%s", driver,
				    released ? "" : ", not ours");
	if (vf_wait_netdev(d, vf_pci, netdev, why) < 0 || nlk_link_get(d->nl, netdev, &info, why) < 0)
		return -1;
	if (info.up)
		return sr_error_set(why, EBUSY, "netdev %s is up (in use on the host)", netdev);
	if (nlk_link_address_count(d->nl, info.ifindex, &addresses, why) < 0)
		return -1;
	if (addresses > 0)
		return sr_error_set(why, EBUSY, "netdev %s has %d addresses (in use on the host)", netdev, addresses);
	return 0;
}

/* A released record whose VF is usable again has done its job. Takes d->lock. The record is
 * found again by its VF: while the VF was checked, a CreateEndpoint reusing its ID may have
 * renamed it (set_aside_released), but nobody else can have taken the VF (it is claimed). */
static int drop_released(struct daemon *d, const struct ep_record *released, sr_error *why)
{
	struct ep_record copy;
	bool found = false;
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->state.ep_count && !found; i++) {
		const struct ep_record *e = &d->state.eps[i];
		if (e->phase == EP_RELEASED && e->vf == released->vf && !strcmp(e->pf_pci, released->pf_pci)) {
			copy = *e;
			found = true;
		}
	}
	if (found) {
		state_remove_ep(&d->state, copy.id);
		if (state_save(&d->state, why) < 0) {
			state_add_ep(&d->state, &copy, NULL);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (found && rc == 0)
		sr_log_msg(&d->log, SR_LOG_INFO, "VF %d (%s) is home again: record of released endpoint %.12s dropped",
			   copy.vf, copy.vf_pci, copy.id);
	return rc;
}

static void note_skipped(char *list, int vf, const char *vf_pci, const char *why)
{
	size_t used = strlen(list);
	int n;
	if (used >= SKIPPED_MAX - 8)
		return;
	n = snprintf(list + used, SKIPPED_MAX - used, "%sVF %d %s: %s", used ? "; " : "", vf,
		     vf_pci[0] ? vf_pci : "?", why);
	if (n < 0 || (size_t)n >= SKIPPED_MAX - used) /* cut: say so */
		memcpy(list + SKIPPED_MAX - 4, "...", 4);
}

/* Under d->lock: whether VF vf can be claimed, and claims it for ep_id's operation. A VF is
 * taken by a record (unless released: *released gets a copy) or by an operation in flight. */
enum claim { CLAIMED, OWNED, IN_FLIGHT };
static enum claim claim_vf(struct daemon *d, const struct net_record *net, const char *ep_id, int vf,
			   struct ep_record *released, bool *has_released)
{
	const struct ep_record *owner = state_find_vf_owner(&d->state, net->pf_pci, vf);
	struct ep_op *op;
	*has_released = false;
	if (owner && owner->phase != EP_RELEASED)
		return OWNED;
	if (ep_ops_vf_claimed(d, net->pf_pci, vf))
		return IN_FLIGHT;
	if (owner) {
		*released = *owner;
		*has_released = true;
	}
	op = ep_ops_find(d, ep_id);
	if (!op) /* the caller's operation is always there; never claim for nobody */
		return IN_FLIGHT;
	snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", net->pf_pci);
	op->vf = vf;
	return CLAIMED;
}

static void unclaim_vf(struct daemon *d, const char *ep_id)
{
	struct ep_op *op;
	pthread_mutex_lock(&d->lock);
	op = ep_ops_find(d, ep_id);
	if (op)
		op->vf = -1;
	pthread_cond_broadcast(&d->ops_done);
	pthread_mutex_unlock(&d->lock);
}

int vf_pool_take(struct daemon *d, const struct net_record *net, const char *pf_ifname, const char *ep_id,
		 struct vf_choice *out, sr_error *err)
{
	int numvfs, allowed = 0, owned = 0, busy = 0, in_flight = 0;
	char skipped[SKIPPED_MAX] = "";
	if (sysfs_pf_numvfs(d->cfg.sysfs_root, net->pf_pci, &numvfs, err) < 0)
		return sr_error_wrap(err, "PF %s", pf_ifname);
	for (int vf = 0; vf < numvfs; vf++) {
		sr_error why = {0};
		struct ep_record released;
		bool has_released;
		enum claim got;
		if (!net_config_vf_allowed(&net->cfg, vf))
			continue;
		allowed++;
		/* claimed first, checked after: the checks read the kernel (and may rebind a driver),
		 * which is done without d->lock, and the claim keeps everyone else off this VF */
		pthread_mutex_lock(&d->lock);
		got = claim_vf(d, net, ep_id, vf, &released, &has_released);
		pthread_mutex_unlock(&d->lock);
		if (got == OWNED) {
			owned++;
			continue;
		}
		if (got == IN_FLIGHT) {
			in_flight++;
			continue;
		}
		out->vf_pci[0] = '\0';
		if (sysfs_vf_pci(d->cfg.sysfs_root, net->pf_pci, vf, out->vf_pci, &why) < 0 ||
		    check_vf_free_on_host(d, has_released ? &released : NULL, out->vf_pci, out->netdev, &why) < 0 ||
		    (has_released && drop_released(d, &released, &why) < 0)) {
			unclaim_vf(d, ep_id);
			busy++;
			sr_log_msg(&d->log, SR_LOG_INFO, "PF %s VF %d skipped: %s", pf_ifname, vf, why.msg);
			note_skipped(skipped, vf, out->vf_pci, why.msg);
			continue;
		}
		out->vf = vf;
		return 0;
	}
	if (numvfs == 0)
		return sr_error_set(err, ENOSPC, "PF %s has no VFs enabled (sriov_numvfs is 0)", pf_ifname);
	if (allowed == 0)
		return sr_error_set(err, ENOSPC, "PF %s: none of its %d VFs is in this network's vfs list", pf_ifname,
				    numvfs);
	if (in_flight)
		return sr_error_set(err, ENOSPC,
				    "PF %s: all %d VFs in use (%d by endpoints, %d being set up or torn down by other "
				    "requests, %d busy on the host)%s%s",
				    pf_ifname, allowed, owned, in_flight, busy, busy ? ": " : "", skipped);
	return sr_error_set(err, ENOSPC, "PF %s: all %d VFs in use (%d by endpoints, %d busy on the host)%s%s",
			    pf_ifname, allowed, owned, busy, busy ? ": " : "", skipped);
}
