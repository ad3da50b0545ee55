#include "vf_counters.h"

#include <stdlib.h>
#include <string.h>

#define PF_VFS_MAX 256

const char *vf_counter_source_name(enum vf_counter_source s)
{
	switch (s) {
	case VF_SRC_PF:
		return "pf";
	case VF_SRC_NETDEV:
		return "netdev";
	case VF_SRC_NONE:
		break;
	}
	return "none";
}

bool vf_driver_reports_vf_stats(const char *pf_driver)
{
	/* read from each driver's source: the ones with .ndo_get_vf_stats (README) */
	static const char *const drivers[] = {"ixgbe", "i40e", "ice", "mlx5_core", "liquidio"};
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (!strcmp(pf_driver, drivers[i]))
			return true;
	return false;
}

/* A PF the queries name: its VFs' counters as it reports them. */
struct pf_seen {
	const char *pci;
	bool trusted; /* its driver fills the counters */
	int num_vf;
	struct nlk_vf_stats vfs[PF_VFS_MAX];
};

static struct pf_seen *pf_read(const struct host *h, const char *pci)
{
	struct pf_seen *p = calloc(1, sizeof(*p));
	char ifname[SYSFS_IFNAME_MAX], driver[SYSFS_DRIVER_MAX] = "";
	bool found = false;
	sr_error err = {0};
	if (!p)
		return NULL;
	p->pci = pci;
	if (sysfs_pci_netdev(h->sysfs_root, pci, ifname, &found, &err) < 0 || !found)
		return p; /* no netdev here: nothing the PF can say */
	sysfs_pci_driver(h->sysfs_root, pci, driver, &err);
	p->trusted = vf_driver_reports_vf_stats(driver);
	if (nlk_pf_vf_stats(h->nl, ifname, p->vfs, PF_VFS_MAX, &p->num_vf, &err) < 0)
		memset(p->vfs, 0, sizeof(p->vfs));
	return p;
}

static void take_netdev(struct vf_counters *c, const struct nlk_link_entry *e, bool in_sandbox)
{
	c->rx_bytes = e->stats.rx_bytes;
	c->tx_bytes = e->stats.tx_bytes;
	c->rx_packets = e->stats.rx_packets;
	c->tx_packets = e->stats.tx_packets;
	c->rx_dropped = e->stats.rx_dropped;
	c->tx_dropped = e->stats.tx_dropped;
	c->multicast = e->stats.multicast;
	c->src = c->drop_src = c->mcast_src = VF_SRC_NETDEV;
	snprintf(c->netdev, sizeof(c->netdev), "%s", e->name);
	c->in_sandbox = in_sandbox;
}

/* Found in its sandbox, the namespace our namespace calls nsid: its counters, and where to look
 * first at the next read. */
static void found_in_sandbox(struct vf_counter_query *q, const struct nlk_link_entry *e, int nsid)
{
	take_netdev(&q->out, e, true);
	q->hint_nsid = nsid;
	q->hint_ifindex = e->ifindex;
}

static int by_sandbox(const void *a, const void *b, void *queries)
{
	const struct vf_counter_query *q = queries;
	return strcmp(q[*(const size_t *)a].sandbox, q[*(const size_t *)b].sandbox);
}

static bool has_sandbox(const struct vf_counter_query *q)
{
	return q->sandbox && q->sandbox[0];
}

/* The netdevs in sandboxes whose SandboxKey did not name a namespace to us: a service whose mount
 * namespace was made before dockerd bind-mounted the key (a confined unit) sees a plain file there.
 * The kernel gave our namespace an id for each one a link of ours moved to, so every such
 * namespace's links are read once and the netdevs found by MAC. Only for keys that named no
 * namespace: a netdev that is not in the namespace its key names (a VF on vfio-pci, under Kata)
 * costs no scan at each scrape. */
static void by_any_nsid(struct nlk *nl, struct vf_counter_query *q, size_t n, const bool *key_failed)
{
	enum { NSIDS_MAX = 1024 };
	int *ids = NULL;
	size_t count = 0, missing = 0;
	sr_error err = {0};
	for (size_t i = 0; i < n; i++)
		missing += key_failed[i] && q[i].out.src == VF_SRC_NONE;
	if (!missing || !(ids = calloc(NSIDS_MAX, sizeof(int))) || nlk_netns_ids(nl, ids, NSIDS_MAX, &count, &err) < 0)
		count = 0;
	for (size_t k = 0; k < count && missing; k++) {
		struct nlk_link_table table = {0};
		if (nlk_link_table_read_nsid(nl, ids[k], &table, &err) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct nlk_link_entry *e;
			if (!key_failed[i] || q[i].out.src != VF_SRC_NONE || !(e = nlk_link_table_by_mac(&table, q[i].mac)))
				continue;
			found_in_sandbox(&q[i], e, ids[k]);
			missing--;
		}
		nlk_link_table_free(&table);
	}
	free(ids);
}

/* The netdevs in sandboxes: each sandbox's links read once, through our own socket (nlk.h:
 * nlk_link_table_read_nsid), and each endpoint's netdev found there by its MAC. */
static void sandbox_counters(struct vf_counter_query *q, size_t n)
{
	size_t *order = calloc(n + 1, sizeof(size_t)), count = 0;
	bool *key_failed = calloc(n + 1, sizeof(bool));
	struct nlk *nl = NULL;
	sr_error open_err = {0};
	if (!order || !key_failed || nlk_open_no_ack(&nl, &open_err) < 0) {
		free(order);
		free(key_failed);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (has_sandbox(&q[i]))
			order[count++] = i;
	/* where the last read found it, by id and ifindex: one request, no namespace file opened;
	 * a miss (the netdev moved, the id went to another namespace) is looked up afresh below */
	for (size_t k = 0; k < count; k++) {
		struct vf_counter_query *one = &q[order[k]];
		struct nlk_link_entry e;
		sr_error err = {0};
		int nsid = one->hint_nsid, ifindex = one->hint_ifindex;
		one->hint_nsid = one->hint_ifindex = -1;
		if (nsid >= 0 && ifindex > 0 && nlk_link_entry_get_nsid(nl, nsid, ifindex, &e, &err) == 0 &&
		    !memcmp(e.mac, one->mac, 6)) {
			found_in_sandbox(one, &e, nsid);
		}
	}
	for (size_t k = 0; k < count;) /* the rest, by sandbox */
		if (q[order[k]].out.src != VF_SRC_NONE)
			order[k] = order[--count];
		else
			k++;
	qsort_r(order, count, sizeof(size_t), by_sandbox, q);
	for (size_t i = 0; i < count;) {
		const char *sb = q[order[i]].sandbox;
		struct nlk_link_table table = {0};
		sr_error err = {0};
		size_t end = i;
		int nsid;
		bool read;
		while (end < count && !strcmp(q[order[end]].sandbox, sb))
			end++;
		read = nlk_netns_id(nl, sb, &nsid, &err) == 0 && nlk_link_table_read_nsid(nl, nsid, &table, &err) == 0;
		for (size_t m = i; !read && m < end; m++)
			key_failed[order[m]] = true;
		for (; read && i < end; i++) {
			const struct nlk_link_entry *e = nlk_link_table_by_mac(&table, q[order[i]].mac);
			if (!e)
				continue;
			found_in_sandbox(&q[order[i]], e, nsid);
		}
		nlk_link_table_free(&table);
		i = end;
	}
	by_any_nsid(nl, q, n, key_failed);
	nlk_close(nl);
	free(order);
	free(key_failed);
}

void vf_counters_read(const struct host *h, struct vf_counter_query *q, size_t n,
		      const struct nlk_link_table *host_links)
{
	struct pf_seen **pfs = calloc(n + 1, sizeof(struct pf_seen *));
	sr_error err = {0};
	size_t npf = 0;
	for (size_t i = 0; i < n; i++)
		memset(&q[i].out, 0, sizeof(q[i].out));
	sandbox_counters(q, n);
	for (size_t i = 0; i < n; i++) {
		struct vf_counters *c = &q[i].out;
		struct pf_seen *pf = NULL;
		/* not (yet) in its sandbox, or not joined: our namespace, by the VF's device */
		if (c->src == VF_SRC_NONE) {
			char name[SYSFS_IFNAME_MAX];
			bool found = false;
			const struct nlk_link_entry *e = NULL;
			struct nlk_link_entry one;
			if (sysfs_pci_netdev(h->sysfs_root, q[i].vf_pci, name, &found, &err) == 0 && found)
				e = host_links ? nlk_link_table_by_name(host_links, name)
					       : nlk_link_entry_get(h->nl, name, &one, &err) == 0 ? &one : NULL;
			if (e)
				take_netdev(c, e, false);
		}
		for (size_t p = 0; pfs && p < npf && !pf; p++)
			if (!strcmp(pfs[p]->pci, q[i].pf_pci))
				pf = pfs[p];
		if (!pf && pfs && (pf = pf_read(h, q[i].pf_pci)))
			pfs[npf++] = pf;
		if (pf && q[i].vf >= 0 && q[i].vf < PF_VFS_MAX && pf->vfs[q[i].vf].present) {
			const struct nlk_vf_stats *s = &pf->vfs[q[i].vf];
			bool counts = pf->trusted || s->rx_bytes || s->tx_bytes || s->rx_packets || s->tx_packets ||
				      s->broadcast || s->multicast;
			if (counts) {
				c->rx_bytes = s->rx_bytes;
				c->tx_bytes = s->tx_bytes;
				c->rx_packets = s->rx_packets;
				c->tx_packets = s->tx_packets;
				c->multicast = s->multicast;
				c->broadcast = s->broadcast;
				c->src = c->mcast_src = c->bcast_src = VF_SRC_PF;
			}
		}
	}
	for (size_t p = 0; p < npf; p++)
		free(pfs[p]);
	free(pfs);
}
