#include "vf_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/default_paths.h"
#include "host_wait.h"

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

static const char *udev_dir_of(const struct host *h)
{
	return h->udev_dir && h->udev_dir[0] ? h->udev_dir : SRIOV_DEFAULT_UDEV_DIR;
}

static const char *vfio_dir_of(const struct host *h)
{
	return h->vfio_dir && h->vfio_dir[0] ? h->vfio_dir : SRIOV_DEFAULT_VFIO_DIR;
}

/* udev writes data/n<ifindex> once its rules for the netdev (a rename among them) have run. */
static bool udev_done_with(const struct host *h, int ifindex)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/control", udev_dir_of(h));
	if (access(path, F_OK) < 0)
		return true; /* no udev here: nobody renames */
	snprintf(path, sizeof(path), "%s/data/n%d", udev_dir_of(h), ifindex);
	return access(path, F_OK) == 0;
}

/* The link of netdev `name` of PCI device pci: by the ifindex in the device's folder (by name
 * only in a test tree without one). */
static int device_link(const struct host *h, const char *pci, const char *name, struct nlk_link_info *info,
		       sr_error *err)
{
	int ifindex;
	if (sysfs_pci_netdev_ifindex(h->sysfs_root, pci, name, &ifindex, err) < 0)
		return -1;
	return ifindex > 0 ? nlk_link_get_by_index(h->nl, ifindex, info, err) : nlk_link_get(h->nl, name, info, err);
}

/* Where a wait for a VF's netdev stands. */
struct netdev_wait {
	int ifindex;             /* the netdev's, once netlink knew it */
	long long unknown_since; /* ms; 0 while netlink knows the name sysfs shows */
};

/* 0 ready (netdev and *info filled), 1 not yet, -1 an error that waiting will not clear. */
static int netdev_ready(const struct host *h, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX],
			struct nlk_link_info *info, struct netdev_wait *st, sr_error *err)
{
	bool found = false;
	sr_error e = {0};
	if (sysfs_pci_netdev(h->sysfs_root, vf_pci, netdev, &found, err) < 0)
		return -1;
	if (!found)
		return 1; /* not there yet */
	if (device_link(h, vf_pci, netdev, info, &e) < 0) {
		/* Renamed between the two looks clears up at once; a name sysfs shows but this
		 * namespace's netlink never knows (another namespace's sysfs) does not. */
		if (!st->unknown_since)
			st->unknown_since = host_mono_ms();
		if (host_mono_ms() - st->unknown_since < 1000)
			return 1;
		*err = e;
		return -1;
	}
	st->unknown_since = 0;
	st->ifindex = info->ifindex;
	if (!udev_done_with(h, st->ifindex))
		return 1;
	/* By ifindex: the name read from sysfs may already be stale. */
	if (nlk_link_get_by_index(h->nl, st->ifindex, info, &e) < 0)
		return 1;
	snprintf(netdev, SYSFS_IFNAME_MAX, "%s", info->name);
	return 0;
}

int vf_wait_netdev(const struct host *h, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX],
		   struct nlk_link_info *out, sr_error *err)
{
	struct nlk_link_info info;
	struct netdev_wait st = {0};
	struct host_wait w;
	int rc;
	host_wait_begin(h, &w, 10000);
	while ((rc = netdev_ready(h, vf_pci, netdev, &info, &st, err)) == 1 && host_wait_next(&w))
		;
	host_wait_end(&w);
	if (rc < 0)
		return -1;
	if (rc == 0 || (st.ifindex > 0 && nlk_link_get_by_index(h->nl, st.ifindex, &info, err) == 0)) {
		if (rc != 0) {
			sr_log_msg(h->log, SR_LOG_WARN, "VF %s: udev did not finish with netdev %s (ifindex %d) within 10 s",
				   vf_pci, info.name, st.ifindex);
			snprintf(netdev, SYSFS_IFNAME_MAX, "%s", info.name);
		}
		if (out)
			*out = info;
		return 0;
	}
	sr_error_set(err, ETIMEDOUT, "VF %s: no netdev appeared within 10 s", vf_pci);
	return -1;
}

int vf_rebind_host(const struct host *h, int vf, const char *vf_pci, const char *released_from,
		   const char *host_driver, sr_error *err)
{
	char driver[SYSFS_DRIVER_MAX], override[SYSFS_DRIVER_MAX];
	const char *name;
	if (sysfs_pci_driver(h->sysfs_root, vf_pci, driver, err) < 0 ||
	    sysfs_pci_driver_override(h->sysfs_root, vf_pci, override, err) < 0)
		return sr_error_wrap(err, "VF %d", vf);
	if (!released_from && (!driver[0] || vf_driver_is_userspace(driver)))
		return sr_error_set(err, EBUSY, "VF %d (%s) is on %s now: someone else's, not ours to move", vf, vf_pci,
				    driver[0] ? driver : "no driver");
	if (!released_from && override[0] && strcmp(override, driver) != 0)
		return sr_error_set(err, EBUSY,
				    "VF %d (%s): its driver_override is %s now (someone is moving it off %s): not ours to "
				    "move",
				    vf, vf_pci, override, driver);
	/* named: a vfio-pci given this VF's ID (Kata's new_id) would take it otherwise */
	name = host_driver && host_driver[0] ? host_driver : !released_from ? driver : "";
	/* re-read inside, against what the caller saw: the last look before the unbind */
	if (sysfs_pci_rebind_host_driver(h->sysfs_root, vf_pci, released_from ? released_from : driver, name, err) < 0)
		return sr_error_wrap(err, "VF %d", vf);
	return 0;
}

int vf_take_home(const struct host *h, int vf, const char *vf_pci, const char *owner_id, const char *host_driver,
		 sr_error *why)
{
	char driver[SYSFS_DRIVER_MAX], now[SYSFS_DRIVER_MAX], netdev[SYSFS_IFNAME_MAX], reason[256];
	int group;
	if (sysfs_pci_driver(h->sysfs_root, vf_pci, driver, why) < 0)
		return -1;
	if (driver[0] && !vf_driver_is_userspace(driver))
		return device_is_home(h, vf_pci) ? 0 : sr_error_set(why, EBUSY, "on %s, its netdev is in another namespace", driver);
	if (driver[0]) {
		if (sysfs_pci_iommu_group(h->sysfs_root, vf_pci, &group, why) < 0)
			return -1;
		if (vf_vfio_group_use(vfio_dir_of(h), group, reason, sizeof(reason)) != VFIO_GROUP_FREE)
			return sr_error_set(why, EBUSY, "on %s, released by endpoint %.12s, but %s", driver, owner_id,
					    reason);
	}
	if (vf_rebind_host(h, vf, vf_pci, driver, host_driver, why) < 0 ||
	    sysfs_pci_driver(h->sysfs_root, vf_pci, now, why) < 0)
		return -1;
	if (!now[0] || vf_driver_is_userspace(now))
		return sr_error_set(why, ENODEV, "still on %s after rebinding to its host driver%s%s",
				    now[0] ? now : "no driver", host_driver && host_driver[0] ? " " : "",
				    host_driver ? host_driver : "");
	if (vf_wait_netdev(h, vf_pci, netdev, NULL, why) < 0)
		return -1;
	sr_log_msg(h->log, SR_LOG_INFO, "VF %d (%s): taken back from %s to %s (netdev %s), released by endpoint %.12s",
		   vf, vf_pci, driver[0] ? driver : "no driver", now, netdev, owner_id);
	return 0;
}

int vf_check_free(const struct host *h, int vf, const char *vf_pci, const char *released_by,
		  const char *released_driver, char netdev[SYSFS_IFNAME_MAX], sr_error *why)
{
	char driver[SYSFS_DRIVER_MAX];
	struct nlk_link_info info;
	bool found;
	int addresses;
	if (sysfs_pci_driver(h->sysfs_root, vf_pci, driver, why) < 0)
		return -1;
	if (!driver[0] || vf_driver_is_userspace(driver)) {
		if (!released_by)
			return sr_error_set(why, EBUSY, driver[0] ? "on %s, not ours" : "on no driver%s, not ours",
					    driver);
		if (vf_take_home(h, vf, vf_pci, released_by, released_driver, why) < 0)
			return -1;
		if (sysfs_pci_driver(h->sysfs_root, vf_pci, driver, why) < 0)
			return -1;
	}
	if (sysfs_pci_netdev(h->sysfs_root, vf_pci, netdev, &found, why) < 0)
		return -1;
	if (!found)
		return sr_error_set(why, EBUSY, "on %s, its netdev is in another namespace%s", driver,
				    released_by ? "" : ", not ours");
	if (vf_wait_netdev(h, vf_pci, netdev, &info, why) < 0)
		return -1;
	if (info.up)
		return sr_error_set(why, EBUSY, "netdev %s is up (in use on the host)", netdev);
	if (nlk_link_address_count(h->nl, info.ifindex, &addresses, why) < 0)
		return -1;
	if (addresses > 0)
		return sr_error_set(why, EBUSY, "netdev %s has %d addresses (in use on the host)", netdev, addresses);
	return 0;
}
