#include "ep_give_back.h"

#include "../host/nic.h"
#include "../host/pf.h"
#include "../host/vf_pool.h"
#include "../host/vf_setup.h"
#include "ep_vf.h"

int ep_give_back(struct daemon *d, const struct ep_record *ep, bool *home, sr_error *err)
{
	char pf[SYSFS_IFNAME_MAX];
	int rc = 0;
	if (ep->passthrough)
		return nic_restore(&d->host, ep->pf_pci, &ep->host, home, err);
	if (pf_ifname(&d->host, ep->pf_pci, pf, err) < 0 || vf_reset(&d->host, pf, EP_VF(ep), err) < 0)
		rc = -1;
	/* read after the reset, which may have rebound the VF's driver */
	*home = vf_is_home(&d->host, ep->vf_pci);
	return rc;
}

bool ep_device_back(struct daemon *d, const struct ep_record *ep)
{
	char netdev[SYSFS_IFNAME_MAX], driver[SYSFS_DRIVER_MAX];
	bool found = false;
	sr_error err = {0};
	if (ep->passthrough)
		return nic_is_home(&d->host, ep->pf_pci);
	if (sysfs_pci_driver(d->cfg.sysfs_root, ep->vf_pci, driver, &err) < 0)
		return false;
	if (!driver[0])
		return true;
	if (sysfs_pci_netdev(d->cfg.sysfs_root, ep->vf_pci, netdev, &found, &err) < 0)
		return false;
	return found;
}
