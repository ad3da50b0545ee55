/* nlk_addr: how many IP addresses a link carries (to tell whether a netdev is
 * in use). IPv6 link-local addresses (fe80::/10) are not counted: the kernel
 * adds them by itself to every link that comes up. */
#include "nlk_internal.h"

#include <errno.h>
#include <stdio.h>

#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>

static bool is_ipv6_link_local(struct rtnl_addr *addr)
{
	struct nl_addr *local = rtnl_addr_get_local(addr);
	const uint8_t *bytes;

	if (rtnl_addr_get_family(addr) != AF_INET6 || !local || nl_addr_get_len(local) < 2)
		return false;
	bytes = nl_addr_get_binary_addr(local);
	return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

struct addr_count {
	int ifindex;
	int n;
	int failed; /* a -NLE_* code from parsing a reply */
};

static void count_one(struct nl_object *obj, void *arg)
{
	struct addr_count *c = arg;
	struct rtnl_addr *addr = (struct rtnl_addr *)obj;
	/* checked here too: a kernel may answer a filtered dump with more than was asked for */
	if (rtnl_addr_get_ifindex(addr) == c->ifindex && !is_ipv6_link_local(addr))
		c->n++;
}

static int count_reply(struct nl_msg *msg, void *arg)
{
	struct addr_count *c = arg;
	int rc = nl_msg_parse(msg, count_one, c);
	/* the rest of the dump is still read: stopping would leave it queued for the next request */
	if (rc < 0 && !c->failed)
		c->failed = rc;
	return NL_OK;
}

/* One RTM_GETADDR dump with ifa_index set: the kernel answers only that link's addresses. Returns 0
 * or a -NLE_* code (the link gone: the kernel's ENODEV). */
static int count_filtered(struct nl_sock *sock, int ifindex, int *count)
{
	struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC, .ifa_index = (unsigned)ifindex};
	struct addr_count c = {ifindex, 0, 0};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP);
	struct nl_cb *cb = NULL;
	int rc;
	if (!msg)
		return -NLE_NOMEM;
	rc = nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO);
	if (rc == 0)
		rc = nl_send_auto(sock, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return rc;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, count_reply, &c);
	rc = nl_recvmsgs(sock, cb);
	nl_cb_put(cb);
	if (rc < 0)
		return rc;
	if (c.failed)
		return c.failed;
	*count = c.n;
	return 0;
}

/* The whole namespace's addresses, counted here: for kernels without strict checking. */
static int count_all(struct nl_sock *sock, int ifindex, int *count)
{
	struct nl_cache *cache = NULL;
	struct addr_count c = {ifindex, 0, 0};
	int rc = rtnl_addr_alloc_cache(sock, &cache);
	if (rc < 0)
		return rc;
	nl_cache_foreach(cache, count_one, &c);
	nl_cache_free(cache);
	*count = c.n;
	return 0;
}

int nlk_link_address_count(struct nlk *nl, int ifindex, int *count, sr_error *err)
{
	int rc;

	if (ifindex <= 0)
		return sr_error_set(err, EINVAL, "count addresses on link index %d: invalid index", ifindex);
	pthread_mutex_lock(&nl->lock);
	rc = nl->strict ? count_filtered(nl->strict, ifindex, count) : count_all(nl->sock, ifindex, count);
	pthread_mutex_unlock(&nl->lock);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "count addresses on link index %d", ifindex);
	return 0;
}
