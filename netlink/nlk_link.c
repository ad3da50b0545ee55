/* nlk_link: read and change one link (state, MAC, MTU, name, namespace).
 *
 * Every change reads the link first (rtnl_link_get_kernel), then sends only
 * the changed attribute with rtnl_link_change, so nothing else is rewritten. */
#include "nlk_internal.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int nlk_fetch_link(struct nlk *nl, const char *ifname, struct rtnl_link **out, sr_error *err)
{
	int rc;

	if (!nlk_ifname_valid(ifname))
		return sr_error_set(err, EINVAL, "invalid interface name");
	pthread_mutex_lock(&nl->lock);
	rc = rtnl_link_get_kernel(nl->sock, 0, ifname, out);
	pthread_mutex_unlock(&nl->lock);
	if (rc < 0) {
		int code = nlk_errno_from_nl(rc);
		return sr_error_set(err, code, "%s", code != EIO ? strerror(code) : nl_geterror(rc));
	}
	return 0;
}

int nlk_apply_change(struct nlk *nl, struct rtnl_link *orig, struct rtnl_link *changes)
{
	int rc;
	pthread_mutex_lock(&nl->lock);
	rc = rtnl_link_change(nl->sock, orig, changes, 0);
	pthread_mutex_unlock(&nl->lock);
	return rc;
}

static void fill_info(struct rtnl_link *link, struct nlk_link_info *out)
{
	struct nl_addr *addr = rtnl_link_get_addr(link);
	const char *name = rtnl_link_get_name(link);
	uint32_t num_vf = 0;

	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_link_get_ifindex(link);
	if (name)
		snprintf(out->name, sizeof(out->name), "%s", name);
	if (addr && nl_addr_get_len(addr) == sizeof(out->mac))
		memcpy(out->mac, nl_addr_get_binary_addr(addr), sizeof(out->mac));
	out->mtu = rtnl_link_get_mtu(link);
	out->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	/* IFLA_NUM_VF is only sent for devices with a parent (PCI); absent = 0. */
	if (rtnl_link_get_num_vf(link, &num_vf) == 0)
		out->num_vf = (int)num_vf;
}

int nlk_link_get(struct nlk *nl, const char *ifname, struct nlk_link_info *out, sr_error *err)
{
	struct rtnl_link *link = NULL;

	if (nlk_fetch_link(nl, ifname, &link, err) < 0)
		return sr_error_wrap(err, "get link %s", ifname ? ifname : "(null)");
	fill_info(link, out);
	rtnl_link_put(link);
	return 0;
}

int nlk_link_get_by_index(struct nlk *nl, int ifindex, struct nlk_link_info *out, sr_error *err)
{
	struct rtnl_link *link = NULL;
	int rc;

	if (ifindex <= 0)
		return sr_error_set(err, EINVAL, "get link index %d: invalid index", ifindex);
	pthread_mutex_lock(&nl->lock);
	rc = rtnl_link_get_kernel(nl->sock, ifindex, NULL, &link);
	pthread_mutex_unlock(&nl->lock);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "get link index %d", ifindex);
	fill_info(link, out);
	rtnl_link_put(link);
	return 0;
}

int nlk_change_link(struct nlk *nl, const char *ifname, nlk_change_fill_fn fill, const void *arg,
		    const char *what, sr_error *err)
{
	struct rtnl_link *orig = NULL, *changes = NULL;
	int rc = -1, nlrc;

	if (nlk_fetch_link(nl, ifname, &orig, err) < 0) {
		sr_error_wrap(err, "%s on %s", what, ifname ? ifname : "(null)");
		goto out;
	}
	changes = rtnl_link_alloc();
	if (!changes) {
		sr_error_set_errno(err, ENOMEM, "%s on %s", what, ifname);
		goto out;
	}
	nlrc = fill(changes, arg);
	if (nlrc >= 0)
		nlrc = nlk_apply_change(nl, orig, changes);
	if (nlrc < 0) {
		nlk_fail_nl(err, nlrc, "%s on %s", what, ifname);
		goto out;
	}
	rc = 0;
out:
	if (changes)
		rtnl_link_put(changes);
	if (orig)
		rtnl_link_put(orig);
	return rc;
}

static int fill_up(struct rtnl_link *changes, const void *arg)
{
	if (*(const bool *)arg)
		rtnl_link_set_flags(changes, IFF_UP);
	else
		rtnl_link_unset_flags(changes, IFF_UP);
	return 0;
}

int nlk_link_set_up(struct nlk *nl, const char *ifname, bool up, sr_error *err)
{
	return nlk_change_link(nl, ifname, fill_up, &up, up ? "set link up" : "set link down", err);
}

static int fill_mac(struct rtnl_link *changes, const void *arg)
{
	struct nl_addr *addr = nl_addr_build(AF_LLC, arg, 6);

	if (!addr)
		return -NLE_NOMEM;
	rtnl_link_set_addr(changes, addr); /* takes its own reference */
	nl_addr_put(addr);
	return 0;
}

int nlk_link_set_mac(struct nlk *nl, const char *ifname, const uint8_t mac[6], sr_error *err)
{
	char what[40], text[18];

	nlk_mac_format(mac, text);
	snprintf(what, sizeof(what), "set MAC %s", text);
	return nlk_change_link(nl, ifname, fill_mac, mac, what, err);
}

static int fill_mtu(struct rtnl_link *changes, const void *arg)
{
	rtnl_link_set_mtu(changes, *(const unsigned *)arg);
	return 0;
}

int nlk_link_set_mtu(struct nlk *nl, const char *ifname, unsigned mtu, sr_error *err)
{
	char what[32];

	snprintf(what, sizeof(what), "set MTU %u", mtu);
	return nlk_change_link(nl, ifname, fill_mtu, &mtu, what, err);
}


static int fill_name(struct rtnl_link *changes, const void *arg)
{
	rtnl_link_set_name(changes, arg);
	return 0;
}

int nlk_link_rename(struct nlk *nl, const char *ifname, const char *new_name, sr_error *err)
{
	char what[48];

	if (!nlk_ifname_valid(new_name))
		return sr_error_set(err, EINVAL, "rename to \"%s\" on %s: invalid interface name",
				    new_name ? new_name : "(null)", ifname ? ifname : "(null)");
	snprintf(what, sizeof(what), "rename to %s", new_name);
	return nlk_change_link(nl, ifname, fill_name, new_name, what, err);
}
