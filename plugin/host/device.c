#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net_config.h"

int device_resolve(const struct host *h, const char *spec, char pci[SYSFS_PCI_MAX], char port[SYSFS_PORT_MAX],
		   sr_error *err)
{
	char dir[600];
	port[0] = '\0';
	if (net_config_is_pci_address(spec)) {
		if (!sysfs_pci_exists(h->sysfs_root, spec))
			return sr_error_set(err, ENODEV, "pf_iface %s: no such PCI device", spec);
		snprintf(pci, SYSFS_PCI_MAX, "%s", spec);
		return 0;
	}
	if (sysfs_netdev_pci(h->sysfs_root, spec, pci, err) < 0)
		return err->code == ENOTSUP ? -1 : sr_error_wrap(err, "pf_iface");
	snprintf(dir, sizeof(dir), "%s/class/net/%s", h->sysfs_root, spec);
	if (!sysfs_netdev_is_representor(dir, port))
		port[0] = '\0';
	return 0;
}

bool vf_driver_is_userspace(const char *driver)
{
	return strstr(driver, "vfio") || strstr(driver, "uio") || !strcmp(driver, "pci-stub");
}

enum device_place device_place(const struct host *h, const char *pci)
{
	char driver[SYSFS_DRIVER_MAX], netdev[SYSFS_IFNAME_MAX];
	bool found = false;
	sr_error err = {0};
	if (sysfs_pci_driver(h->sysfs_root, pci, driver, &err) < 0)
		return DEVICE_UNKNOWN;
	if (vf_driver_is_userspace(driver))
		return DEVICE_OFF_NET;
	if (sysfs_pci_netdev(h->sysfs_root, pci, netdev, &found, &err) < 0)
		return DEVICE_UNKNOWN;
	if (found)
		return DEVICE_HOME;
	return driver[0] ? DEVICE_AWAY : DEVICE_OFF_NET;
}

bool device_is_home(const struct host *h, const char *pci)
{
	return device_place(h, pci) == DEVICE_HOME;
}
