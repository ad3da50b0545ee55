/* nlk_ipconf: a link's IP configuration as the host gave it (its global addresses and the routes
 * through it that are not the kernel's own), read and put back. mode=passthrough saves it with a
 * NIC allowed to carry it (host_nic=allow) and adds it again when the NIC comes home: moving a
 * netdev out of a namespace flushes both. */
#include "nlk_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

static void ip_from_nl(struct nl_addr *a, struct nlk_ip *out)
{
	unsigned len = a ? nl_addr_get_len(a) : 0;
	memset(out, 0, sizeof(*out));
	if (!a || (nl_addr_get_family(a) != AF_INET && nl_addr_get_family(a) != AF_INET6))
		return;
	out->family = (uint8_t)nl_addr_get_family(a);
	if (len > sizeof(out->bytes))
		len = sizeof(out->bytes);
	if (len)
		memcpy(out->bytes, nl_addr_get_binary_addr(a), len);
	out->prefixlen = (uint8_t)nl_addr_get_prefixlen(a);
}

static unsigned ip_len(const struct nlk_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

static struct nl_addr *ip_to_nl(const struct nlk_ip *ip)
{
	struct nl_addr *a = nl_addr_build(ip->family, ip->bytes, ip_len(ip));
	if (a)
		nl_addr_set_prefixlen(a, ip->prefixlen);
	return a;
}

void nlk_ip_format(const struct nlk_ip *ip, bool with_prefix, char *out, size_t size)
{
	char text[INET6_ADDRSTRLEN] = "";
	if (!ip->family || !inet_ntop(ip->family, ip->bytes, text, sizeof(text))) {
		snprintf(out, size, "%s", "");
		return;
	}
	if (with_prefix)
		snprintf(out, size, "%s/%u", text, ip->prefixlen);
	else
		snprintf(out, size, "%s", text);
}

int nlk_ip_parse(const char *text, struct nlk_ip *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;
	char *end;
	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, text, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, out->bytes) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->bytes) == 1)
		out->family = AF_INET6;
	else
		return -1;
	out->prefixlen = (uint8_t)(ip_len(out) * 8);
	if (!slash)
		return 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || *end || prefix > (unsigned long)ip_len(out) * 8)
		return -1;
	out->prefixlen = (uint8_t)prefix;
	return 0;
}

struct ipconf_walk {
	int ifindex;
	struct nlk_ipconf *out;
};

static void note_addr(struct nl_object *obj, void *arg)
{
	struct ipconf_walk *w = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct nlk_ipconf *c = w->out;
	/* global scope only: IPv6 link-local addresses come back by themselves */
	if (rtnl_addr_get_ifindex(a) != w->ifindex || rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE)
		return;
	if (c->addr_count == NLK_IPCONF_MAX) {
		c->more = true;
		return;
	}
	ip_from_nl(rtnl_addr_get_local(a), &c->addrs[c->addr_count]);
	c->addrs[c->addr_count].prefixlen = (uint8_t)rtnl_addr_get_prefixlen(a);
	if (c->addrs[c->addr_count].family)
		c->addr_count++;
}

static void note_route(struct nl_object *obj, void *arg)
{
	struct ipconf_walk *w = arg;
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct nlk_ipconf *c = w->out;
	struct nlk_ip_route *saved;
	struct rtnl_nexthop *nh;
	int ours = 0, n = rtnl_route_get_nnexthops(r);
	for (int i = 0; i < n; i++)
		ours += rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, i)) == w->ifindex;
	/* the kernel's own (a prefix route of an address, the local table) come back with the addresses */
	if (!ours || rtnl_route_get_protocol(r) == RTPROT_KERNEL || rtnl_route_get_table(r) == RT_TABLE_LOCAL ||
	    rtnl_route_get_type(r) != RTN_UNICAST)
		return;
	if (n != 1 || c->route_count == NLK_IPCONF_MAX) { /* multipath: not one this can put back */
		c->more = true;
		return;
	}
	nh = rtnl_route_nexthop_n(r, 0);
	saved = &c->routes[c->route_count++];
	memset(saved, 0, sizeof(*saved));
	ip_from_nl(rtnl_route_get_dst(r), &saved->dst);
	if (!saved->dst.family) /* a default route's dst may come without bytes */
		saved->dst.family = rtnl_route_get_family(r);
	ip_from_nl(rtnl_route_nh_get_gateway(nh), &saved->gateway);
	ip_from_nl(rtnl_route_get_pref_src(r), &saved->pref_src);
	saved->table = rtnl_route_get_table(r);
	saved->priority = rtnl_route_get_priority(r);
	saved->protocol = rtnl_route_get_protocol(r);
	saved->scope = rtnl_route_get_scope(r);
}

int nlk_link_ipconf_get(struct nlk *nl, int ifindex, struct nlk_ipconf *out, sr_error *err)
{
	struct nl_cache *addrs = NULL, *routes = NULL;
	struct ipconf_walk w = {ifindex, out};
	int rc;
	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return sr_error_set(err, EINVAL, "read addresses of link index %d: invalid index", ifindex);
	pthread_mutex_lock(&nl->lock);
	rc = rtnl_addr_alloc_cache(nl->sock, &addrs);
	if (rc == 0)
		rc = rtnl_route_alloc_cache(nl->sock, AF_UNSPEC, 0, &routes);
	pthread_mutex_unlock(&nl->lock);
	if (rc == 0) {
		nl_cache_foreach(addrs, note_addr, &w);
		nl_cache_foreach(routes, note_route, &w);
	}
	nl_cache_free(addrs);
	nl_cache_free(routes);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "read addresses and routes of link index %d", ifindex);
	return 0;
}

static int add_addr(struct nl_sock *sock, int ifindex, const struct nlk_ip *ip)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = ip_to_nl(ip), *brd = NULL;
	int rc = -NLE_NOMEM;
	if (a && local) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_family(a, ip->family);
		rc = rtnl_addr_set_local(a, local);
		rtnl_addr_set_prefixlen(a, ip->prefixlen);
		if (rc == 0 && ip->family == AF_INET && ip->prefixlen < 31) { /* the usual broadcast, as ip brd + */
			struct nlk_ip b = *ip;
			uint32_t host = ip->prefixlen ? (1u << (32 - ip->prefixlen)) - 1 : 0xffffffffu;
			uint32_t v;
			memcpy(&v, b.bytes, 4);
			v = htonl(ntohl(v) | host);
			memcpy(b.bytes, &v, 4);
			b.prefixlen = 32;
			brd = ip_to_nl(&b);
			if (brd)
				rc = rtnl_addr_set_broadcast(a, brd);
		}
		if (rc == 0)
			rc = rtnl_addr_add(sock, a, 0);
	}
	nl_addr_put(brd);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return rc;
}

static int add_route(struct nl_sock *sock, int ifindex, const struct nlk_ip_route *s)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = ip_to_nl(&s->dst), *gw = NULL, *src = NULL;
	int rc = -NLE_NOMEM;
	if (!r || !nh || !dst)
		goto out;
	rtnl_route_set_family(r, s->dst.family);
	rtnl_route_set_table(r, s->table);
	rtnl_route_set_protocol(r, s->protocol);
	rtnl_route_set_priority(r, s->priority);
	rtnl_route_set_scope(r, s->scope);
	rtnl_route_set_type(r, RTN_UNICAST);
	if ((rc = rtnl_route_set_dst(r, dst)) < 0)
		goto out;
	if (s->pref_src.family && (!(src = ip_to_nl(&s->pref_src)) || (rc = rtnl_route_set_pref_src(r, src)) < 0))
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (s->gateway.family) {
		if (!(gw = ip_to_nl(&s->gateway))) {
			rc = -NLE_NOMEM;
			goto out;
		}
		rtnl_route_nh_set_gateway(nh, gw);
	}
	rtnl_route_add_nexthop(r, nh);
	nh = NULL; /* the route owns it now */
	rc = rtnl_route_add(sock, r, 0);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(gw);
	nl_addr_put(src);
	nl_addr_put(dst);
	rtnl_route_put(r);
	return rc;
}

void nlk_route_format(const struct nlk_ip_route *r, char *out, size_t size)
{
	char dst[INET6_ADDRSTRLEN + 4], gw[INET6_ADDRSTRLEN];
	if (r->dst.prefixlen == 0)
		snprintf(dst, sizeof(dst), "default");
	else
		nlk_ip_format(&r->dst, true, dst, sizeof(dst));
	nlk_ip_format(&r->gateway, false, gw, sizeof(gw));
	snprintf(out, size, "%s%s%s", dst, gw[0] ? " via " : "", gw);
}

int nlk_link_ipconf_add(struct nlk *nl, int ifindex, const struct nlk_ipconf *c, sr_error *err)
{
	char what[INET6_ADDRSTRLEN * 2 + 16];
	int failed = 0;
	sr_error_clear(err);
	/* addresses first: a route through a gateway needs the prefix that reaches it */
	for (unsigned i = 0; i < c->addr_count + c->route_count; i++) {
		int rc;
		pthread_mutex_lock(&nl->lock);
		rc = i < c->addr_count ? add_addr(nl->sock, ifindex, &c->addrs[i])
				       : add_route(nl->sock, ifindex, &c->routes[i - c->addr_count]);
		pthread_mutex_unlock(&nl->lock);
		if (rc == 0 || rc == -NLE_EXIST)
			continue;
		if (i < c->addr_count)
			nlk_ip_format(&c->addrs[i], true, what, sizeof(what));
		else
			nlk_route_format(&c->routes[i - c->addr_count], what, sizeof(what));
		if (!failed++)
			nlk_fail_nl(err, rc, "add %s %s on link index %d", i < c->addr_count ? "address" : "route", what,
				    ifindex);
	}
	return failed ? -1 : 0;
}
