#include "vf_census.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vf_pool.h"

/* up, and the ifindex, of netdev name: from the table when given, else asked of netlink */
static bool link_of(const struct host *h, const struct nlk_link_table *links, const char *name, bool *up,
		    int *ifindex)
{
	struct nlk_link_info info;
	sr_error err = {0};
	if (links) {
		const struct nlk_link_entry *e = nlk_link_table_by_name(links, name);
		if (!e)
			return false;
		*up = e->up;
		*ifindex = e->ifindex;
		return true;
	}
	if (nlk_link_get(h->nl, name, &info, &err) < 0)
		return false;
	*up = info.up;
	*ifindex = info.ifindex;
	return true;
}

enum vf_use vf_census_use(const struct host *h, int vf, const char *pf_pci, const struct nlk_link_table *host_links)
{
	char vf_pci[SYSFS_PCI_MAX], driver[SYSFS_DRIVER_MAX], netdev[SYSFS_IFNAME_MAX];
	bool found = false, up = false;
	int ifindex = 0, addresses = 0;
	sr_error err = {0};
	if (sysfs_vf_pci(h->sysfs_root, pf_pci, vf, vf_pci, &err) < 0 ||
	    sysfs_pci_driver(h->sysfs_root, vf_pci, driver, &err) < 0)
		return VF_USE_UNUSABLE;
	if (!driver[0])
		return VF_USE_UNUSABLE;
	if (vf_driver_is_userspace(driver))
		return VF_USE_FOREIGN;
	if (sysfs_pci_netdev(h->sysfs_root, vf_pci, netdev, &found, &err) < 0)
		return VF_USE_UNUSABLE;
	if (!found)
		return VF_USE_FOREIGN; /* in another namespace, and no record of ours says it is ours */
	if (!link_of(h, host_links, netdev, &up, &ifindex))
		return VF_USE_UNUSABLE;
	if (up)
		return VF_USE_FOREIGN;
	if (ifindex > 0 && nlk_link_address_count(h->nl, ifindex, &addresses, &err) == 0 && addresses > 0)
		return VF_USE_FOREIGN;
	return VF_USE_FREE;
}

static long read_speed(const char *root, const char *ifname)
{
	char path[512], text[32] = "";
	long v = -1;
	FILE *f;
	snprintf(path, sizeof(path), "%s/class/net/%s/speed", root, ifname);
	f = fopen(path, "re");
	/* a link that is down answers EINVAL; some drivers say -1 or nothing */
	if (f && fgets(text, sizeof(text), f)) {
		char *end;
		v = strtol(text, &end, 10);
		if (end == text || v <= 0)
			v = -1;
	}
	if (f)
		fclose(f);
	return v;
}

void pf_state_read(const struct host *h, const char *pf_pci, const struct nlk_link_table *host_links,
		   struct pf_state *out)
{
	bool found = false;
	sr_error err = {0};
	memset(out, 0, sizeof(*out));
	out->speed_mbps = -1;
	sysfs_pci_driver(h->sysfs_root, pf_pci, out->driver, &err);
	sysfs_pf_numvfs(h->sysfs_root, pf_pci, &out->numvfs, &err);
	sysfs_pf_totalvfs(h->sysfs_root, pf_pci, &out->totalvfs, &err);
	if (sysfs_pci_netdev(h->sysfs_root, pf_pci, out->name, &found, &err) < 0 || !found) {
		out->name[0] = '\0';
		return;
	}
	if (host_links) {
		const struct nlk_link_entry *e = nlk_link_table_by_name(host_links, out->name);
		if (e) {
			out->up = e->up;
			out->carrier = e->carrier;
		}
	} else {
		struct nlk_link_entry e;
		if (nlk_link_entry_get(h->nl, out->name, &e, &err) == 0) {
			out->up = e.up;
			out->carrier = e.carrier;
		}
	}
	out->speed_mbps = read_speed(h->sysfs_root, out->name);
}
