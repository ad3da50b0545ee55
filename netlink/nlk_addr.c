/* nlk_addr: how many IP addresses a link carries (to tell whether a netdev is
 * in use). IPv6 link-local addresses (fe80::/10) are not counted: the kernel
 * adds them by itself to every link that comes up. */
#include "nlk_internal.h"

#include <errno.h>
#include <stdio.h>

#include <netlink/cache.h>
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

int nlk_link_address_count(struct nlk *nl, int ifindex, int *count, sr_error *err)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int rc, n = 0;

	if (ifindex <= 0)
		return sr_error_set(err, EINVAL, "count addresses on link index %d: invalid index", ifindex);
	/* One dump of the namespace's addresses (RTM_GETADDR); the kernel has no per-link filter for it. */
	pthread_mutex_lock(&nl->lock);
	rc = rtnl_addr_alloc_cache(nl->sock, &cache);
	pthread_mutex_unlock(&nl->lock);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "count addresses on link index %d", ifindex);
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *addr = (struct rtnl_addr *)obj;
		if (rtnl_addr_get_ifindex(addr) != ifindex)
			continue;
		if (is_ipv6_link_local(addr))
			continue;
		n++;
	}
	nl_cache_free(cache);
	*count = n;
	return 0;
}
