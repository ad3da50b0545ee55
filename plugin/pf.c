#include "pf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net_config.h"

int pf_ifname(struct daemon *d, const char *pf_pci, char ifname[SYSFS_IFNAME_MAX], sr_error *err)
{
	bool found;
	if (sysfs_pci_netdev(d->cfg.sysfs_root, pf_pci, ifname, &found, err) < 0)
		return -1;
	if (!found)
		return sr_error_set(err, ENODEV, "PF %s has no network interface in this namespace", pf_pci);
	return 0;
}

int pf_resolve(struct daemon *d, const char *pf_spec, char pf_pci[SYSFS_PCI_MAX], sr_error *err)
{
	int total;
	if (net_config_is_pci_address(pf_spec)) {
		if (!sysfs_pci_exists(d->cfg.sysfs_root, pf_spec))
			return sr_error_set(err, ENODEV, "pf_iface %s: no such PCI device", pf_spec);
		snprintf(pf_pci, SYSFS_PCI_MAX, "%s", pf_spec);
	} else if (sysfs_netdev_pci(d->cfg.sysfs_root, pf_spec, pf_pci, err) < 0) {
		if (err->code == ENOTSUP) {
			/* err->msg cannot be both the destination and an argument of sr_error_set */
			char why[SR_ERROR_MSG_MAX];
			snprintf(why, sizeof(why), "%s", err->msg);
			return sr_error_set(err, EOPNOTSUPP, "pf_iface: %s does not support SR-IOV: %s", pf_spec, why);
		}
		return sr_error_wrap(err, "pf_iface");
	}
	if (sysfs_pf_totalvfs(d->cfg.sysfs_root, pf_pci, &total, err) < 0) {
		if (err->code == EOPNOTSUPP)
			return sr_error_set(err, EOPNOTSUPP, "pf_iface: %s does not support SR-IOV: no sriov_totalvfs",
					    pf_spec);
		return sr_error_wrap(err, "pf_iface %s", pf_spec);
	}
	if (total <= 0)
		return sr_error_set(err, EOPNOTSUPP, "pf_iface: %s does not support SR-IOV: sriov_totalvfs is 0",
				    pf_spec);
	return 0;
}

/* VFs appear asynchronously after sriov_numvfs is written; wait (bounded) for the last one. */
static void wait_for_vfs(struct daemon *d, const char *pf_pci, int count)
{
	char vf_pci[SYSFS_PCI_MAX];
	sr_error err = {0};
	for (int i = 0; i < 100; i++) {
		if (sysfs_vf_pci(d->cfg.sysfs_root, pf_pci, count - 1, vf_pci, &err) == 0)
			return;
		struct timespec ts = {0, 50L * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int pf_prepare(struct daemon *d, const char *pf_pci, unsigned numvfs, sr_error *err)
{
	char ifname[SYSFS_IFNAME_MAX];
	struct nlk_link_info info;
	int total, current;
	if (pf_ifname(d, pf_pci, ifname, err) < 0)
		return -1;
	if (nlk_link_get(d->nl, ifname, &info, err) < 0)
		return sr_error_wrap(err, "PF %s", ifname);
	if (!info.up) {
		if (nlk_link_set_up(d->nl, ifname, true, err) < 0)
			return sr_error_wrap(err, "bring PF %s up", ifname);
		sr_log_msg(&d->log, SR_LOG_INFO, "PF %s (%s) brought up", ifname, pf_pci);
	}
	if (sysfs_pf_totalvfs(d->cfg.sysfs_root, pf_pci, &total, err) < 0 ||
	    sysfs_pf_numvfs(d->cfg.sysfs_root, pf_pci, &current, err) < 0)
		return sr_error_wrap(err, "PF %s", ifname);
	if (current > 0)
		return 0;
	int want = numvfs ? (int)numvfs : total;
	if (want > total)
		return sr_error_set(err, ERANGE, "numvfs %d is above %s's sriov_totalvfs %d", want, ifname, total);
	if (sysfs_pf_set_numvfs(d->cfg.sysfs_root, pf_pci, want, err) < 0)
		return sr_error_wrap(err, "enable %d VFs on %s", want, ifname);
	wait_for_vfs(d, pf_pci, want);
	sr_log_msg(&d->log, SR_LOG_INFO, "PF %s (%s): enabled %d VFs", ifname, pf_pci, want);
	return 0;
}
