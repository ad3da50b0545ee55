#include "traffic_view.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "state_copy.h"

const char *vf_role_name(enum vf_role r)
{
	static const char *const names[VF_ROLE_COUNT] = {"in_use", "released", "free", "foreign", "unusable"};
	return r < VF_ROLE_COUNT ? names[r] : "unusable";
}

static size_t pf_index(const struct traffic_view *v, const char *pci)
{
	for (size_t i = 0; i < v->npf; i++)
		if (!strcmp(v->pfs[i].pci, pci))
			return i;
	return v->npf;
}

/* Each PF once: every PF of an sriov network, and the PF of every VF endpoint. */
static int add_pf(struct traffic_view *v, const char *pci, size_t *cap)
{
	if (!pci[0] || pf_index(v, pci) < v->npf)
		return 0;
	if (v->npf == *cap) {
		size_t grown_cap = *cap ? *cap * 2 : 8;
		struct pf_row *grown = realloc(v->pfs, grown_cap * sizeof(*grown));
		if (!grown)
			return -1;
		v->pfs = grown;
		*cap = grown_cap;
	}
	memset(&v->pfs[v->npf], 0, sizeof(v->pfs[0]));
	snprintf(v->pfs[v->npf++].pci, SYSFS_PCI_MAX, "%s", pci);
	return 0;
}

static int collect_pfs(struct traffic_view *v)
{
	size_t cap = 0;
	for (size_t i = 0; i < v->snap.net_count; i++)
		for (unsigned p = 0; v->snap.nets[i].cfg.mode == NET_MODE_SRIOV && p < v->snap.nets[i].cfg.pf_count; p++)
			if (add_pf(v, v->snap.nets[i].pf_pci[p], &cap) < 0)
				return -1;
	for (size_t i = 0; i < v->snap.ep_count; i++)
		if (!v->snap.eps[i].passthrough && add_pf(v, v->snap.eps[i].pf_pci, &cap) < 0)
			return -1;
	return 0;
}

/* The index in v->vfs of endpoint ep's VF; false for a passthrough endpoint, or when its PF or
 * VF is not there. */
static bool row_index(const struct traffic_view *v, const struct ep_record *ep, size_t *out)
{
	size_t p;
	if (ep->passthrough || ep->vf < 0)
		return false;
	p = pf_index(v, ep->pf_pci);
	if (p == v->npf || (size_t)ep->vf >= v->pfs[p].vf_count)
		return false;
	*out = v->pfs[p].first_vf + (size_t)ep->vf;
	return true;
}

const struct vf_row *traffic_view_row_of(const struct traffic_view *v, const struct ep_record *ep)
{
	size_t i;
	return row_index(v, ep, &i) ? &v->vfs[i] : NULL;
}

#define HOST_DUMP_FROM 64

/* Where this read found each sandboxed netdev, for the next (counter_hints.h). */
static void remember_hints(struct daemon *d, const struct traffic_view *v, const struct vf_counter_query *q)
{
	size_t n = 0;
	struct counter_hint *h = malloc((v->nvf + 1) * sizeof(*h));
	if (!h)
		return;
	for (size_t i = 0; i < v->nvf; i++) {
		if (!v->vfs[i].owner || q[i].hint_nsid < 0 || !q[i].sandbox)
			continue;
		snprintf(h[n].ep_id, sizeof(h[n].ep_id), "%s", v->vfs[i].owner->id);
		snprintf(h[n].sandbox, sizeof(h[n].sandbox), "%s", q[i].sandbox);
		h[n].nsid = q[i].hint_nsid;
		h[n++].ifindex = q[i].hint_ifindex;
	}
	counter_hints_replace(&d->hints, h, n);
}

/* How many netdevs of ours would be looked for in our namespace: the PFs', the VFs no endpoint
 * holds (free or not ours: a guess of at most every VF), and those of endpoints not joined. */
static size_t host_lookups(const struct traffic_view *v)
{
	size_t n = v->npf;
	for (size_t i = 0; i < v->snap.ep_count; i++)
		n += !v->snap.eps[i].joined;
	for (size_t p = 0; p < v->npf; p++)
		n += v->pfs[p].vf_count;
	return n > v->snap.ep_count ? n - v->snap.ep_count : 0;
}

int traffic_view_read(struct daemon *d, struct traffic_view *v, sr_error *err)
{
	struct nlk_link_table links = {0};
	struct vf_counter_query *q = NULL;
	bool have_links;
	int copied;
	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&d->lock);
	copied = state_copy(&d->state, &v->snap, err);
	pthread_mutex_unlock(&d->lock);
	if (copied < 0)
		return -1;
	if (collect_pfs(v) < 0)
		goto nomem;
	/* A dump of our namespace's links costs the kernel every link here (with many containers,
	 * their veths' peers, each naming its namespace): worth it only when many of ours are here;
	 * otherwise each one is asked for by name. */
	for (size_t p = 0; p < v->npf; p++) {
		pf_state_read(&d->host, v->pfs[p].pci, NULL, &v->pfs[p].st);
		v->pfs[p].first_vf = v->nvf;
		v->pfs[p].vf_count = v->pfs[p].st.numvfs > 0 ? (size_t)v->pfs[p].st.numvfs : 0;
		v->nvf += v->pfs[p].vf_count;
	}
	have_links = host_lookups(v) > HOST_DUMP_FROM && nlk_link_table_read(d->host.nl, &links, err) == 0;
	v->vfs = calloc(v->nvf + 1, sizeof(*v->vfs));
	q = calloc(v->nvf + 1, sizeof(*q));
	if (!v->vfs || !q)
		goto nomem;
	for (size_t p = 0; p < v->npf; p++)
		for (size_t i = 0; i < v->pfs[p].vf_count; i++) {
			struct vf_row *r = &v->vfs[v->pfs[p].first_vf + i];
			r->pf = p;
			r->vf = (int)i;
			r->role = VF_ROLE_COUNT; /* not known yet */
		}
	/* the owners: one pass over the endpoints (a lookup per VF would be endpoints x VFs) */
	for (size_t i = 0; i < v->snap.ep_count; i++) {
		const struct ep_record *e = &v->snap.eps[i];
		struct vf_row *r;
		size_t row;
		if (!row_index(v, e, &row))
			continue; /* a passthrough endpoint, or its PF or VF gone */
		r = &v->vfs[row];
		if (r->owner && r->owner->phase != EP_RELEASED)
			continue; /* a live owner wins over a released record of the same VF */
		r->owner = e;
		r->net = state_find_net(&v->snap, e->network_id);
		r->role = e->phase == EP_RELEASED ? VF_ROLE_RELEASED : VF_ROLE_IN_USE;
	}
	for (size_t i = 0; i < v->nvf; i++) {
		struct vf_row *r = &v->vfs[i];
		const char *pf_pci = v->pfs[r->pf].pci;
		if (r->role == VF_ROLE_COUNT) {
			enum vf_use use = vf_census_use(&d->host, r->vf, pf_pci, have_links ? &links : NULL);
			r->role = use == VF_USE_FREE ? VF_ROLE_FREE : use == VF_USE_FOREIGN ? VF_ROLE_FOREIGN : VF_ROLE_UNUSABLE;
		}
		v->pfs[r->pf].roles[r->role]++;
		snprintf(q[i].pf_pci, sizeof(q[i].pf_pci), "%s", pf_pci);
		q[i].vf = r->vf;
		q[i].hint_nsid = q[i].hint_ifindex = -1;
		if (r->owner) {
			snprintf(q[i].vf_pci, sizeof(q[i].vf_pci), "%s", r->owner->vf_pci);
			memcpy(q[i].mac, r->owner->mac, 6);
			q[i].sandbox = r->owner->joined ? r->owner->sandbox_key : NULL;
			if (q[i].sandbox)
				counter_hints_find(&d->hints, r->owner->id, q[i].sandbox, &q[i].hint_nsid, &q[i].hint_ifindex);
		} else {
			sr_error ignored = {0};
			sysfs_vf_pci(d->cfg.sysfs_root, pf_pci, r->vf, q[i].vf_pci, &ignored);
		}
	}
	vf_counters_read(&d->host, q, v->nvf, have_links ? &links : NULL);
	remember_hints(d, v, q);
	for (size_t i = 0; i < v->nvf; i++)
		v->vfs[i].q = q[i];
	free(q);
	nlk_link_table_free(&links);
	return 0;
nomem:
	free(q);
	nlk_link_table_free(&links);
	traffic_view_free(v);
	return sr_error_set_errno(err, ENOMEM, "read VF counters");
}

void traffic_view_free(struct traffic_view *v)
{
	state_free(&v->snap);
	free(v->pfs);
	free(v->vfs);
	memset(v, 0, sizeof(*v));
}
