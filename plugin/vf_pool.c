#include "vf_pool.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool vf_vfio_group_busy(int group)
{
	char want[64];
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	bool busy = false;
	if (!proc || group < 0) {
		if (proc)
			closedir(proc);
		return false;
	}
	snprintf(want, sizeof(want), "/dev/vfio/%d", group);
	while (!busy && (pe = readdir(proc)) != NULL) {
		char fd_dir[300];
		DIR *fds;
		struct dirent *fe;
		if (pe->d_name[0] < '0' || pe->d_name[0] > '9')
			continue;
		snprintf(fd_dir, sizeof(fd_dir), "/proc/%s/fd", pe->d_name);
		fds = opendir(fd_dir);
		if (!fds)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			char link[600], target[PATH_MAX];
			ssize_t n;
			if (fe->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", fd_dir, fe->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (!strcmp(target, want)) {
				busy = true;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return busy;
}

int vf_wait_netdev(struct daemon *d, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX], sr_error *err)
{
	bool found = false;
	for (int i = 0; i < 100; i++) {
		if (sysfs_pci_netdev(d->cfg.sysfs_root, vf_pci, netdev, &found, err) < 0)
			return -1;
		if (found)
			return 0;
		struct timespec ts = {0, 50L * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return sr_error_set(err, ETIMEDOUT, "VF %s: no netdev appeared within 5 s", vf_pci);
}

/* A VF left on vfio-pci (a Kata VM that died) or on no driver goes back to its host driver. */
static int reclaim_from_vfio(struct daemon *d, const char *vf_pci, const char *driver, char netdev[SYSFS_IFNAME_MAX],
			     sr_error *err)
{
	int group;
	char now[SYSFS_DRIVER_MAX];
	if (sysfs_pci_iommu_group(d->cfg.sysfs_root, vf_pci, &group, err) < 0)
		return -1;
	if (driver[0] && vf_vfio_group_busy(group))
		return sr_error_set(err, EBUSY, "bound to %s and its VFIO group %d is open (a VM uses it)", driver,
				    group);
	if (sysfs_pci_rebind_host_driver(d->cfg.sysfs_root, vf_pci, err) < 0)
		return -1;
	if (sysfs_pci_driver(d->cfg.sysfs_root, vf_pci, now, err) < 0)
		return -1;
	if (!now[0] || !strcmp(now, "vfio-pci"))
		return sr_error_set(err, ENODEV, "still on %s after rebinding to its host driver",
				    now[0] ? now : "no driver");
	if (vf_wait_netdev(d, vf_pci, netdev, err) < 0)
		return -1;
	sr_log_msg(&d->log, SR_LOG_INFO, "VF %s: moved from %s back to %s (netdev %s)", vf_pci,
		   driver[0] ? driver : "no driver", now, netdev);
	return 0;
}

/* 0 = usable (netdev filled), -1 = skip (err says why). */
static int check_vf_free_on_host(struct daemon *d, const char *vf_pci, char netdev[SYSFS_IFNAME_MAX], sr_error *err)
{
	char driver[SYSFS_DRIVER_MAX];
	struct nlk_link_info info;
	bool found;
	int addresses;
	if (sysfs_pci_driver(d->cfg.sysfs_root, vf_pci, driver, err) < 0)
		return -1;
	if (!driver[0] || !strcmp(driver, "vfio-pci"))
		return reclaim_from_vfio(d, vf_pci, driver, netdev, err);
	if (sysfs_pci_netdev(d->cfg.sysfs_root, vf_pci, netdev, &found, err) < 0)
		return -1;
	if (!found)
		return sr_error_set(err, EBUSY, "bound to %s but its netdev is not in this namespace (in use)", driver);
	if (nlk_link_get(d->nl, netdev, &info, err) < 0)
		return -1;
	if (info.up)
		return sr_error_set(err, EBUSY, "netdev %s is up (in use on the host)", netdev);
	if (nlk_link_address_count(d->nl, info.ifindex, &addresses, err) < 0)
		return -1;
	if (addresses > 0)
		return sr_error_set(err, EBUSY, "netdev %s has %d addresses (in use on the host)", netdev, addresses);
	return 0;
}

int vf_pool_take(struct daemon *d, const struct net_record *net, const char *pf_ifname, struct vf_choice *out,
		 sr_error *err)
{
	int numvfs, allowed = 0, owned = 0, busy = 0;
	if (sysfs_pf_numvfs(d->cfg.sysfs_root, net->pf_pci, &numvfs, err) < 0)
		return sr_error_wrap(err, "PF %s", pf_ifname);
	for (int vf = 0; vf < numvfs; vf++) {
		sr_error why = {0};
		if (!net_config_vf_allowed(&net->cfg, vf))
			continue;
		allowed++;
		if (state_find_vf_owner(&d->state, net->pf_pci, vf)) {
			owned++;
			continue;
		}
		if (sysfs_vf_pci(d->cfg.sysfs_root, net->pf_pci, vf, out->vf_pci, &why) < 0 ||
		    check_vf_free_on_host(d, out->vf_pci, out->netdev, &why) < 0) {
			busy++;
			sr_log_msg(&d->log, SR_LOG_INFO, "PF %s VF %d skipped: %s", pf_ifname, vf, why.msg);
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
	return sr_error_set(err, ENOSPC, "PF %s: all %d VFs in use (%d by endpoints, %d busy on the host)", pf_ifname,
			    allowed, owned, busy);
}
