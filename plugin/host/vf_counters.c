#include "vf_counters.h"

#include <pthread.h>
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
	static const char *const drivers[] = {"ixgbe", "i40e", "ice", "mlx5_core", "bnxt_en", "qede", "liquidio",
					      "octeon_ep"};
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

/* Sandbox reads, on a thread of their own (setns moves the calling thread). */
struct sandbox_job {
	struct vf_counter_query *q;
	size_t *order; /* indexes of the queries with a sandbox, sorted by it */
	size_t n;
};

static void *read_sandboxes(void *arg)
{
	struct sandbox_job *job = arg;
	for (size_t i = 0; i < job->n;) {
		const char *sb = job->q[job->order[i]].sandbox;
		struct nlk_link_table table = {0};
		struct nlk *nl = NULL;
		sr_error err = {0};
		size_t end = i;
		bool read = false;
		while (end < job->n && !strcmp(job->q[job->order[end]].sandbox, sb))
			end++;
		if (nlk_open_in_netns(sb, &nl, &err) == 0) {
			read = nlk_link_table_read(nl, &table, &err) == 0;
			nlk_close(nl);
		}
		for (; read && i < end; i++) {
			struct vf_counter_query *q = &job->q[job->order[i]];
			const struct nlk_link_entry *e = nlk_link_table_by_mac(&table, q->mac);
			if (e)
				take_netdev(&q->out, e, true);
		}
		nlk_link_table_free(&table);
		i = end;
	}
	return NULL;
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

/* The netdevs in sandboxes, read from a thread of ours: the caller's thread never changes
 * namespace. */
static void sandbox_counters(struct vf_counter_query *q, size_t n)
{
	struct sandbox_job job = {q, calloc(n + 1, sizeof(size_t)), 0};
	pthread_t t;
	if (!job.order)
		return;
	for (size_t i = 0; i < n; i++)
		if (has_sandbox(&q[i]))
			job.order[job.n++] = i;
	if (job.n) {
		qsort_r(job.order, job.n, sizeof(size_t), by_sandbox, q);
		if (pthread_create(&t, NULL, read_sandboxes, &job) == 0)
			pthread_join(t, NULL);
	}
	free(job.order);
}

void vf_counters_read(const struct host *h, struct vf_counter_query *q, size_t n,
		      const struct nlk_link_table *host_links)
{
	struct pf_seen **pfs = calloc(n + 1, sizeof(*pfs));
	sr_error err = {0};
	size_t npf = 0;
	for (size_t i = 0; i < n; i++)
		memset(&q[i].out, 0, sizeof(q[i].out));
	sandbox_counters(q, n);
	for (size_t i = 0; i < n; i++) {
		struct vf_counters *c = &q[i].out;
		struct pf_seen *pf = NULL;
		/* not (yet) in its sandbox, or not joined: our namespace, by the VF's device */
		if (c->src == VF_SRC_NONE && host_links) {
			char name[SYSFS_IFNAME_MAX];
			bool found = false;
			const struct nlk_link_entry *e;
			if (sysfs_pci_netdev(h->sysfs_root, q[i].vf_pci, name, &found, &err) == 0 && found &&
			    (e = nlk_link_table_by_name(host_links, name)))
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
