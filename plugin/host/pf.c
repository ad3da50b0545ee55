#include "pf.h"
#include "host_wait.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "vf_pool.h"

int pf_ifname(const struct host *h, const char *pf_pci, char ifname[SYSFS_IFNAME_MAX], sr_error *err)
{
	bool found;
	if (sysfs_pci_netdev(h->sysfs_root, pf_pci, ifname, &found, err) < 0)
		return -1;
	if (!found)
		return sr_error_set(err, ENODEV, "PF %s has no network interface in this namespace", pf_pci);
	return 0;
}

int pf_resolve(const struct host *h, const char *pf_spec, char pf_pci[SYSFS_PCI_MAX], sr_error *err)
{
	char port[SYSFS_PORT_MAX];
	int total;
	if (device_resolve(h, pf_spec, pf_pci, port, err) < 0)
		return err->code == ENOTSUP ? sr_error_wrap(err, "pf_iface: %s does not support SR-IOV", pf_spec) : -1;
	if (port[0]) {
		char uplink[SYSFS_IFNAME_MAX] = "";
		bool found = false;
		sr_error ignored = {0};
		sysfs_pci_netdev(h->sysfs_root, pf_pci, uplink, &found, &ignored);
		return sr_error_set(err, EINVAL,
				    "pf_iface: %s is a switchdev representor (phys_port_name %s) of %s, not the PF%s%s",
				    pf_spec, port, pf_pci, found ? ": use " : "", found ? uplink : "");
	}
	if (sysfs_pf_totalvfs(h->sysfs_root, pf_pci, &total, err) < 0) {
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

/* VFs appear, and their drivers probe them, asynchronously after sriov_numvfs is written;
 * configuring a VF in the middle of that gets undone by its own reset. Wait until every VF is
 * bound and has its netdev: a ready VF costs nothing, the wait ends at the notification that
 * the last one is (host_wait.h), or after limit_ms. 0 when all are ready, -1 when time ran out. */
int pf_wait_for_vfs(const struct host *h, const char *pf_pci, int count, int limit_ms)
{
	struct host_wait w;
	int vf = 0;
	host_wait_begin(h, &w, limit_ms);
	while (vf < count) {
		char vf_pci[SYSFS_PCI_MAX], netdev[SYSFS_IFNAME_MAX];
		bool found = false;
		sr_error err = {0};
		if (sysfs_vf_pci(h->sysfs_root, pf_pci, vf, vf_pci, &err) == 0 &&
		    sysfs_pci_netdev(h->sysfs_root, vf_pci, netdev, &found, &err) == 0 && found) {
			vf++;
			continue;
		}
		if (!host_wait_next(&w))
			break;
	}
	host_wait_end(&w);
	return vf < count ? -1 : 0;
}

/* udev names each new VF netdev and, under MACAddressPolicy=persistent, gives it a MAC that the VF
 * then asks its PF for: until udev is done, the PF's view of the VF changes under us, and a VF's
 * "before" settings read then would be restored wrong at reset. Bounded by vf_wait_netdev. */
static void wait_for_udev_on_vfs(const struct host *h, const char *ifname, const char *pf_pci, int count)
{
	for (int vf = 0; vf < count; vf++) {
		char vf_pci[SYSFS_PCI_MAX], netdev[SYSFS_IFNAME_MAX];
		sr_error err = {0};
		if (sysfs_vf_pci(h->sysfs_root, pf_pci, vf, vf_pci, &err) < 0 ||
		    vf_wait_netdev(h, vf_pci, netdev, NULL, &err) < 0)
			sr_log_msg(h->log, SR_LOG_WARN, "PF %s VF %d: %s", ifname, vf, err.msg);
	}
}

static bool has_carrier(const char *path)
{
	char c = '0';
	FILE *f = fopen(path, "r");
	if (!f)
		return true; /* the netdev is gone: nothing to wait for */
	if (fread(&c, 1, 1, f) != 1)
		c = '0';
	fclose(f);
	return c == '1';
}

/* igb refuses to hand a VF its admin MAC while the PF has no link; wait (bounded) for carrier. */
static void wait_for_carrier(const struct host *h, const char *ifname)
{
	char path[600];
	struct host_wait w;
	bool up;
	snprintf(path, sizeof(path), "%s/class/net/%s/carrier", h->sysfs_root, ifname);
	host_wait_begin(h, &w, 10000);
	while (!(up = has_carrier(path)) && host_wait_next(&w))
		;
	host_wait_end(&w);
	if (!up)
		sr_log_msg(h->log, SR_LOG_WARN, "PF %s has no carrier after 10 s", ifname);
}

static int pf_prepare_locked(const struct host *h, const char *pf_pci, unsigned numvfs, sr_error *err)
{
	char ifname[SYSFS_IFNAME_MAX];
	struct nlk_link_info info;
	int total, current;
	if (pf_ifname(h, pf_pci, ifname, err) < 0)
		return -1;
	/* A PF whose driver just loaded is renamed by udev a moment later (eth0 -> enp1s0). */
	if (vf_wait_netdev(h, pf_pci, ifname, &info, err) < 0)
		return sr_error_wrap(err, "PF %s", ifname);
	if (!info.up) {
		/* An operator's choice is overridden here, so it is said loudly: a VF of a down PF
		 * comes up with a random MAC instead of the admin MAC. */
		sr_log_msg(h->log, SR_LOG_WARN,
			   "PF %s (%s) is administratively down; bringing it up (its VFs need a PF that is up)",
			   ifname, pf_pci);
		if (nlk_link_set_up(h->nl, ifname, true, err) < 0)
			return sr_error_wrap(err, "bring PF %s up", ifname);
		wait_for_carrier(h, ifname);
	}
	if (sysfs_pf_totalvfs(h->sysfs_root, pf_pci, &total, err) < 0 ||
	    sysfs_pf_numvfs(h->sysfs_root, pf_pci, &current, err) < 0)
		return sr_error_wrap(err, "PF %s", ifname);
	if (current > 0)
		return 0;
	int want = numvfs ? (int)numvfs : total;
	if (want > total)
		return sr_error_set(err, ERANGE, "numvfs %d is above %s's sriov_totalvfs %d", want, ifname, total);
	if (sysfs_pf_set_numvfs(h->sysfs_root, pf_pci, want, err) < 0)
		return sr_error_wrap(err, "enable %d VFs on %s", want, ifname);
	if (pf_wait_for_vfs(h, pf_pci, want, 20000) < 0)
		sr_log_msg(h->log, SR_LOG_WARN, "PF %s (%s): not every one of %d VFs has a netdev after 20 s", ifname,
			   pf_pci, want);
	else
		wait_for_udev_on_vfs(h, ifname, pf_pci, want);
	sr_log_msg(h->log, SR_LOG_INFO, "PF %s (%s): enabled %d VFs", ifname, pf_pci, want);
	return 0;
}

/* Two requests (a CreateNetwork and a CreateEndpoint, or two CreateEndpoints) may find the PF
 * without VFs at once: under the PF's lock the second sees the VFs the first enabled. */
int pf_prepare(const struct host *h, const char *pf_pci, unsigned numvfs, sr_error *err)
{
	pthread_mutex_t *pf_lock = pf_lock_acquire(h->pf_locks, pf_pci);
	int rc;
	if (!pf_lock)
		sr_log_msg(h->log, SR_LOG_WARN, "PF %s: out of memory for its lock; preparing it unserialised", pf_pci);
	rc = pf_prepare_locked(h, pf_pci, numvfs, err);
	pf_lock_release(pf_lock);
	return rc;
}

bool pf_has_vfs(const struct host *h, const char *pf_pci, char ifname[SYSFS_IFNAME_MAX], sr_error *why)
{
	pthread_mutex_t *pf_lock = pf_lock_acquire(h->pf_locks, pf_pci);
	int numvfs = 0;
	bool ready = pf_ifname(h, pf_pci, ifname, why) == 0 &&
		     sysfs_pf_numvfs(h->sysfs_root, pf_pci, &numvfs, why) == 0 && numvfs > 0;
	pf_lock_release(pf_lock);
	return ready;
}
