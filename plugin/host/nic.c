#include "nic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "device.h"

int nic_resolve(const struct host *h, const char *spec, char pci[SYSFS_PCI_MAX], sr_error *err)
{
	char port[SYSFS_PORT_MAX], ifname[SYSFS_IFNAME_MAX];
	bool found = false;
	if (device_resolve(h, spec, pci, port, err) < 0) {
		if (err->code == ENOTSUP)
			return sr_error_set(err, EOPNOTSUPP,
					    "pf_iface %s: not a PCI NIC, so not passed through: the kernel deletes a "
					    "virtual interface with the container's namespace instead of giving it back",
					    spec);
		return -1;
	}
	if (port[0])
		return sr_error_set(err, EINVAL, "pf_iface %s: a switchdev representor (port %s), not a NIC", spec,
				    port);
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

/* The NIC's netdev here, its name, MAC, MTU and state (not its addresses). */
static int read_link(const struct host *h, const char *pci, struct nic_saved *now, int *ifindex, sr_error *err)
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
	*ifindex = info.ifindex;
	return 0;
}

int nic_read(const struct host *h, const char *pci, struct nic_saved *now, sr_error *err)
{
	int ifindex = 0;
	if (read_link(h, pci, now, &ifindex, err) < 0)
		return -1;
	if (nlk_link_ipconf_get(h->nl, ifindex, &now->ip, err) < 0)
		return sr_error_wrap(err, "NIC %s", pci);
	return 0;
}

/* Appends text to out (size), "; "-separated; cut with "..." when full. */
static void append_note(char *out, size_t size, const char *text)
{
	size_t used = strlen(out);
	if (used + 4 >= size)
		return;
	snprintf(out + used, size - used, "%s%s", used ? "; " : "", text);
	if (strlen(out) + 1 >= size)
		memcpy(out + size - 4, "...", 4);
}

bool nic_host_use(const struct nic_saved *now, char *why, size_t size)
{
	const struct nlk_ipconf *c = &now->ip;
	char one[200];
	why[0] = '\0';
	for (unsigned i = 0; i < c->addr_count; i++) {
		char addr[64];
		nlk_ip_format(&c->addrs[i], true, addr, sizeof(addr));
		snprintf(one, sizeof(one), "address %s", addr);
		append_note(why, size, one);
	}
	for (unsigned i = 0; i < c->route_count; i++) {
		char route[140];
		nlk_route_format(&c->routes[i], route, sizeof(route));
		snprintf(one, sizeof(one), "route %s%s", route,
			 c->routes[i].dst.prefixlen == 0 && c->routes[i].table == RT_TABLE_MAIN ? " (the host's default route)" : "");
		append_note(why, size, one);
	}
	if (c->more)
		append_note(why, size, "more addresses or routes (or a multipath route)");
	return why[0] != '\0';
}

int nic_check_host_use(const struct nic_saved *now, const char *spec, bool allow, sr_error *err)
{
	char why[SR_ERROR_MSG_MAX / 2];
	if (now->ip.more)
		return sr_error_set(err, EBUSY,
				    "pf_iface %s: the host's network interface %s carries more than %d addresses or routes, "
				    "or a multipath route: the plugin could not put them all back, so it is not passed "
				    "through",
				    spec, now->name, NLK_IPCONF_MAX);
	if (allow || !nic_host_use(now, why, sizeof(why)))
		return 0;
	return sr_error_set(err, EBUSY,
			    "pf_iface %s: the host uses %s (%s): passing it through would take that from the host; "
			    "use another NIC, or --opt host_nic=allow to pass it through with them (saved, and put "
			    "back when it comes home)",
			    spec, now->name, why);
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
	char failed[SR_ERROR_MSG_MAX] = "";
	sr_error step = {0};
	int ifindex = 0;
	*home = false;
	if (read_link(h, pci, &now, &ifindex, err) < 0) {
		if (err->code != ENODEV)
			return -1;
		sr_error_clear(err); /* not back yet: nothing to do now */
		return 0;
	}
	/* Every step that can be done is: a saved name another link holds now must not keep the MAC,
	 * MTU, state and addresses from coming back (they go on the name it has). */
	/* Each step is a kernel step of the endpoint operation (host_step_done: the crash tests stop
	 * the daemon after any of them; the next start gives the NIC back from where it stands). */
#define NIC_STEP(call, what)                                    \
	do {                                                    \
		if ((call) < 0) {                               \
			append_note(failed, sizeof(failed), step.msg); \
			sr_error_clear(&step);                  \
		} else {                                        \
			host_step_done(h, what);                \
		}                                               \
	} while (0)
	if (strcmp(now.name, saved->name) != 0)
		NIC_STEP(restore_name(h, saved, &now, ifindex, &step), "rename NIC back");
	if (memcmp(now.mac, saved->mac, 6) != 0)
		NIC_STEP(nlk_link_set_mac(h->nl, now.name, saved->mac, &step), "NIC MAC back");
	if (now.mtu != saved->mtu)
		NIC_STEP(nlk_link_set_mtu(h->nl, now.name, saved->mtu, &step), "NIC MTU back");
	if (now.up != saved->up)
		NIC_STEP(nlk_link_set_up(h->nl, now.name, saved->up, &step), "NIC up/down back");
	if (saved->ip.addr_count || saved->ip.route_count)
		NIC_STEP(nlk_link_ipconf_add(h->nl, ifindex, &saved->ip, &step), "NIC addresses and routes back");
#undef NIC_STEP
	if (failed[0])
		return sr_error_set(err, EIO, "give NIC %s back as %s: %s", pci, saved->name, failed);
	*home = true;
	return 0;
}
