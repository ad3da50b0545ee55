/* nlk_stats: counters of links and of a PF's VFs, through libnl's own parsers (a link cache
 * dump; one PF link with its VF list). */
#include "nlk_internal.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

static const rtnl_link_vf_stats_t vf_stat_ids[] = {
	RTNL_LINK_VF_STATS_RX_BYTES,  RTNL_LINK_VF_STATS_TX_BYTES,  RTNL_LINK_VF_STATS_RX_PACKETS,
	RTNL_LINK_VF_STATS_TX_PACKETS, RTNL_LINK_VF_STATS_BROADCAST, RTNL_LINK_VF_STATS_MULTICAST,
};

int nlk_pf_vf_stats(struct nlk *nl, const char *pf_ifname, struct nlk_vf_stats *out, int max, int *num_vf,
		    sr_error *err)
{
	struct rtnl_link *pf = NULL;
	uint32_t n = 0;
	for (int i = 0; i < max; i++)
		memset(&out[i], 0, sizeof(out[i]));
	*num_vf = 0;
	if (nlk_fetch_link(nl, pf_ifname, &pf, err) < 0)
		return sr_error_wrap(err, "VF counters of %s", pf_ifname ? pf_ifname : "(null)");
	if (rtnl_link_get_num_vf(pf, &n) == 0)
		*num_vf = (int)n;
	for (uint32_t vf = 0; rtnl_link_has_vf_list(pf) && vf < n && (int)vf < max; vf++) {
		struct rtnl_link_vf *v = rtnl_link_vf_get(pf, vf);
		uint64_t value[sizeof(vf_stat_ids) / sizeof(vf_stat_ids[0])];
		bool all = v != NULL;
		for (size_t k = 0; all && k < sizeof(vf_stat_ids) / sizeof(vf_stat_ids[0]); k++)
			all = rtnl_link_vf_get_stat(v, vf_stat_ids[k], &value[k]) == 0;
		if (all)
			out[vf] = (struct nlk_vf_stats){true, value[0], value[1], value[2], value[3], value[4], value[5]};
		rtnl_link_vf_put(v);
	}
	rtnl_link_put(pf);
	return 0;
}

void nlk_link_entry_fill(struct rtnl_link *link, struct nlk_link_entry *e)
{
	struct nl_addr *addr = rtnl_link_get_addr(link);
	const char *name = rtnl_link_get_name(link);
	memset(e, 0, sizeof(*e));
	e->ifindex = rtnl_link_get_ifindex(link);
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "");
	if (addr && nl_addr_get_len(addr) == sizeof(e->mac))
		memcpy(e->mac, nl_addr_get_binary_addr(addr), sizeof(e->mac));
	e->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	e->carrier = rtnl_link_get_carrier(link) != 0;
	e->stats.rx_bytes = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES);
	e->stats.tx_bytes = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES);
	e->stats.rx_packets = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS);
	e->stats.tx_packets = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS);
	e->stats.rx_dropped = rtnl_link_get_stat(link, RTNL_LINK_RX_DROPPED);
	e->stats.tx_dropped = rtnl_link_get_stat(link, RTNL_LINK_TX_DROPPED);
	e->stats.multicast = rtnl_link_get_stat(link, RTNL_LINK_MULTICAST);
}

void nlk_table_fill_add(struct nl_object *obj, void *arg)
{
	struct nlk_table_fill *f = arg;
	if (f->failed)
		return;
	if (f->t->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct nlk_link_entry *grown = realloc(f->t->links, cap * sizeof(*grown));
		if (!grown) {
			f->failed = true;
			return;
		}
		f->t->links = grown;
		f->cap = cap;
	}
	nlk_link_entry_fill((struct rtnl_link *)obj, &f->t->links[f->t->count++]);
}

int nlk_link_entry_get(struct nlk *nl, const char *ifname, struct nlk_link_entry *out, sr_error *err)
{
	struct rtnl_link *link = NULL;
	if (nlk_fetch_link(nl, ifname, &link, err) < 0)
		return sr_error_wrap(err, "counters of %s", ifname ? ifname : "(null)");
	nlk_link_entry_fill(link, out);
	rtnl_link_put(link);
	return 0;
}

int nlk_link_table_read(struct nlk *nl, struct nlk_link_table *out, sr_error *err)
{
	struct nl_cache *cache = NULL;
	struct nlk_table_fill fill = {out, 0, false};
	int rc;
	out->links = NULL;
	out->count = 0;
	pthread_mutex_lock(&nl->lock);
	rc = rtnl_link_alloc_cache(nl->sock, AF_UNSPEC, &cache);
	pthread_mutex_unlock(&nl->lock);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "list links and their counters");
	nl_cache_foreach(cache, nlk_table_fill_add, &fill);
	nl_cache_free(cache);
	if (fill.failed) {
		nlk_link_table_free(out);
		return sr_error_set_errno(err, ENOMEM, "list links and their counters");
	}
	return 0;
}

void nlk_link_table_free(struct nlk_link_table *t)
{
	free(t->links);
	t->links = NULL;
	t->count = 0;
}

const struct nlk_link_entry *nlk_link_table_by_name(const struct nlk_link_table *t, const char *name)
{
	for (size_t i = 0; name && i < t->count; i++)
		if (!strcmp(t->links[i].name, name))
			return &t->links[i];
	return NULL;
}

const struct nlk_link_entry *nlk_link_table_by_mac(const struct nlk_link_table *t, const uint8_t mac[6])
{
	const struct nlk_link_entry *found = NULL;
	static const uint8_t zero[6];
	if (!memcmp(mac, zero, 6))
		return NULL;
	for (size_t i = 0; i < t->count; i++)
		if (!memcmp(t->links[i].mac, mac, 6)) {
			if (found)
				return NULL; /* two links with one MAC: neither is surely the VF */
			found = &t->links[i];
		}
	return found;
}
