#include "nic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net_config.h"

/* err->msg cannot be both the destination and an argument of sr_error_set */
static int refuse(sr_error *err, int code, const char *spec, const char *why)
{
	char copy[SR_ERROR_MSG_MAX];
	snprintf(copy, sizeof(copy), "%s", why);
	return sr_error_set(err, code, "pf_iface %s: %s", spec, copy);
}

int nic_resolve(const struct host *h, const char *spec, char pci[SYSFS_PCI_MAX], sr_error *err)
{
	char dir[600], port[SYSFS_PORT_MAX], ifname[SYSFS_IFNAME_MAX];
	bool found = false;
	if (net_config_is_pci_address(spec)) {
		if (!sysfs_pci_exists(h->sysfs_root, spec))
			return sr_error_set(err, ENODEV, "pf_iface %s: no such PCI device", spec);
		snprintf(pci, SYSFS_PCI_MAX, "%s", spec);
	} else if (sysfs_netdev_pci(h->sysfs_root, spec, pci, err) < 0) {
		if (err->code == ENOTSUP)
			return refuse(err, EOPNOTSUPP, spec,
				      "not a PCI NIC, so not passed through: the kernel deletes a virtual interface "
				      "with the container's namespace instead of giving it back");
		return sr_error_wrap(err, "pf_iface");
	} else {
		snprintf(dir, sizeof(dir), "%s/class/net/%s", h->sysfs_root, spec);
		if (sysfs_netdev_is_representor(dir, port))
			return sr_error_set(err, EINVAL, "pf_iface %s: a switchdev representor (port %s), not a NIC",
					    spec, port);
	}
	if (sysfs_pci_is_vf(h->sysfs_root, pci))
		return sr_error_set(err, EINVAL,
				    "pf_iface %s: %s is an SR-IOV VF; a VF per container is mode=sriov on its PF", spec,
				    pci);
	if (sysfs_pci_netdev(h->sysfs_root, pci, ifname, &found, err) < 0)
		return sr_error_wrap(err, "pf_iface %s", spec);
	if (!found)
		return sr_error_set(err, ENODEV,
				    "pf_iface %s: %s has no network interface in this namespace (driver not loaded, "
				    "or in a container's namespace)",
				    spec, pci);
	return 0;
}

int nic_read(const struct host *h, const char *pci, struct nic_saved *now, sr_error *err)
{
	struct nlk_link_info info;
	bool found = false;
	memset(now, 0, sizeof(*now));
	if (sysfs_pci_netdev(h->sysfs_root, pci, now->name, &found, err) < 0)
		return -1;
	if (!found)
		return sr_error_set(err, ENODEV, "NIC %s has no network interface in this namespace", pci);
	if (nlk_link_get(h->nl, now->name, &info, err) < 0)
		return sr_error_wrap(err, "NIC %s", pci);
	memcpy(now->mac, info.mac, 6);
	now->mtu = info.mtu;
	now->up = info.up;
	return 0;
}

bool nic_is_home(const struct host *h, const char *pci)
{
	char ifname[SYSFS_IFNAME_MAX];
	bool found = false;
	sr_error ignored = {0};
	return sysfs_pci_netdev(h->sysfs_root, pci, ifname, &found, &ignored) == 0 && found;
}

/* The saved name, unless another interface holds it (renaming over it would fail anyway, with
 * a less helpful EEXIST). The link is down on return when it was renamed. */
static int restore_name(const struct host *h, const struct nic_saved *saved, struct nic_saved *now, int ifindex,
			sr_error *err)
{
	struct nlk_link_info other;
	sr_error probe = {0};
	if (!strcmp(now->name, saved->name))
		return 0;
	if (nlk_link_get(h->nl, saved->name, &other, &probe) == 0 && other.ifindex != ifindex)
		return sr_error_set(err, EEXIST, "rename %s back to %s: another interface (index %d) has that name",
				    now->name, saved->name, other.ifindex);
	/* the kernel renames only a link that is down */
	if (now->up && nlk_link_set_up(h->nl, now->name, false, err) < 0)
		return -1;
	now->up = false;
	if (nlk_link_rename(h->nl, now->name, saved->name, err) < 0)
		return -1;
	snprintf(now->name, sizeof(now->name), "%s", saved->name);
	return 0;
}

int nic_restore(const struct host *h, const char *pci, const struct nic_saved *saved, bool *home, sr_error *err)
{
	struct nic_saved now;
	struct nlk_link_info info;
	*home = false;
	if (nic_read(h, pci, &now, err) < 0) {
		if (err->code != ENODEV)
			return -1;
		sr_error_clear(err); /* not back yet: nothing to do now */
		return 0;
	}
	*home = true;
	if (nlk_link_get(h->nl, now.name, &info, err) < 0 || restore_name(h, saved, &now, info.ifindex, err) < 0)
		goto fail;
	if (memcmp(now.mac, saved->mac, 6) != 0 && nlk_link_set_mac(h->nl, now.name, saved->mac, err) < 0)
		goto fail;
	if (now.mtu != saved->mtu && nlk_link_set_mtu(h->nl, now.name, saved->mtu, err) < 0)
		goto fail;
	if (now.up != saved->up && nlk_link_set_up(h->nl, now.name, saved->up, err) < 0)
		goto fail;
	return 0;
fail:
	return sr_error_wrap(err, "give NIC %s back as %s", pci, saved->name);
}
