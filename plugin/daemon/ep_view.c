#include "ep_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

void ep_views_init(struct ep_views *v)
{
	pthread_mutex_init(&v->lock, NULL);
	v->entries = NULL;
	v->count = 0;
}

void ep_views_free(struct ep_views *v)
{
	free(v->entries);
	v->entries = NULL;
	v->count = 0;
	pthread_mutex_destroy(&v->lock);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct ep_view_entry *)a)->id, ((const struct ep_view_entry *)b)->id);
}

/* A network as the view needs it: its ID (the record's, which outlives this) and VLAN. */
struct net_key {
	const char *id;
	unsigned vlan;
};

static int net_by_id(const void *a, const void *b)
{
	return strcmp(((const struct net_key *)a)->id, ((const struct net_key *)b)->id);
}

/* The state's networks in ID order, to find each endpoint's in log time: the view is rebuilt
 * after every change, so it must not cost endpoints x networks. Read directly (not through
 * state_find_net, which marks what it finds for the next save). */
static struct net_key *nets_sorted(const struct state *st)
{
	struct net_key *nets = malloc((st->net_count + 1) * sizeof(*nets));
	if (!nets)
		return NULL;
	for (size_t i = 0; i < st->net_count; i++)
		nets[i] = (struct net_key){.id = st->nets[i].id, .vlan = st->nets[i].cfg.vlan};
	qsort(nets, st->net_count, sizeof(*nets), net_by_id);
	return nets;
}

/* bsearch's comparisons: the key is the ID itself */
static int id_vs_net(const void *id, const void *net)
{
	return strcmp(id, ((const struct net_key *)net)->id);
}

static int id_vs_entry(const void *id, const void *entry)
{
	return strcmp(id, ((const struct ep_view_entry *)entry)->id);
}

/* With d->lock held. */
static int publish(struct daemon *d)
{
	const struct state *st = &d->state;
	struct net_key *nets = nets_sorted(st);
	struct ep_view_entry *entries = malloc((st->ep_count + 1) * sizeof(*entries));
	struct ep_view_entry *old;
	size_t n = 0;
	if (!nets || !entries) {
		free(nets);
		free(entries);
		return -1;
	}
	for (size_t i = 0; i < st->ep_count; i++) {
		const struct ep_record *ep = &st->eps[i];
		const struct net_key *net = bsearch(ep->network_id, nets, st->net_count, sizeof(*nets), id_vs_net);
		struct ep_view_entry *e = &entries[n];
		if (!net)
			continue;
		memset(e, 0, sizeof(*e));
		snprintf(e->id, sizeof(e->id), "%s", ep->id);
		snprintf(e->pf_pci, sizeof(e->pf_pci), "%s", ep->pf_pci);
		snprintf(e->vf_pci, sizeof(e->vf_pci), "%s", ep->vf_pci);
		snprintf(e->host_name, sizeof(e->host_name), "%s", ep->host.name);
		e->vf = ep->vf;
		memcpy(e->mac, ep->mac, sizeof(e->mac));
		e->vlan = net->vlan;
		e->passthrough = ep->passthrough;
		n++;
	}
	free(nets);
	qsort(entries, n, sizeof(*entries), by_id);
	pthread_mutex_lock(&d->views.lock);
	old = d->views.entries;
	d->views.entries = entries;
	d->views.count = n;
	pthread_mutex_unlock(&d->views.lock);
	free(old);
	return 0;
}

int ep_view_publish(struct daemon *d)
{
	int rc;
	pthread_mutex_lock(&d->lock);
	rc = publish(d);
	pthread_mutex_unlock(&d->lock);
	if (rc < 0)
		sr_log_msg(&d->log, SR_LOG_WARN, "out of memory publishing the endpoint view: "
			   "EndpointOperInfo answers from the previous one");
	return rc;
}

bool ep_view_find(struct ep_views *v, const char *id, struct ep_view_entry *out)
{
	const struct ep_view_entry *found;
	pthread_mutex_lock(&v->lock);
	found = v->entries ? bsearch(id, v->entries, v->count, sizeof(*v->entries), id_vs_entry) : NULL;
	if (found)
		*out = *found;
	pthread_mutex_unlock(&v->lock);
	return found != NULL;
}
