#include "metrics_page.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "traffic_view.h"

/* One VF counter family: which number, from which of the counters' sources. */
struct vf_family {
	const char *name, *help;
	size_t offset;  /* of the uint64_t in struct vf_counters */
	size_t src_off; /* of its enum vf_counter_source */
};

#define VF_FAMILY(n, field, src, help) {n, help, offsetof(struct vf_counters, field), offsetof(struct vf_counters, src)}

static const struct vf_family vf_families[] = {
	VF_FAMILY("sriov_vf_rx_bytes_total", rx_bytes, src, "Bytes the VF received."),
	VF_FAMILY("sriov_vf_tx_bytes_total", tx_bytes, src, "Bytes the VF sent."),
	VF_FAMILY("sriov_vf_rx_packets_total", rx_packets, src, "Packets the VF received."),
	VF_FAMILY("sriov_vf_tx_packets_total", tx_packets, src, "Packets the VF sent."),
	VF_FAMILY("sriov_vf_rx_dropped_total", rx_dropped, drop_src, "Received packets the VF's netdev dropped."),
	VF_FAMILY("sriov_vf_tx_dropped_total", tx_dropped, drop_src, "Packets the VF's netdev dropped on send."),
	VF_FAMILY("sriov_vf_multicast_packets_total", multicast, mcast_src, "Multicast packets the VF received."),
	VF_FAMILY("sriov_vf_broadcast_packets_total", broadcast, bcast_src, "Broadcast packets the VF received (PF counters only)."),
};

struct vf_labels {
	char vf[16], vlan[16];
	struct metrics_label l[7];
};

static void vf_labels_fill(const struct traffic_view *v, const struct vf_row *r, const char *source, struct vf_labels *out)
{
	snprintf(out->vf, sizeof(out->vf), "%d", r->vf);
	out->vlan[0] = '\0';
	if (r->net)
		snprintf(out->vlan, sizeof(out->vlan), "%u", r->net->cfg.vlan);
	out->l[0] = (struct metrics_label){"pf", v->pfs[r->pf].st.name};
	out->l[1] = (struct metrics_label){"vf", out->vf};
	out->l[2] = (struct metrics_label){"pci", r->q.vf_pci};
	out->l[3] = (struct metrics_label){"network", r->owner ? r->owner->network_id : ""};
	out->l[4] = (struct metrics_label){"endpoint", r->owner ? r->owner->id : ""};
	out->l[5] = (struct metrics_label){"vlan", out->vlan};
	out->l[6] = (struct metrics_label){"source", source};
}

static void render_vfs(struct metrics_text *t, const struct traffic_view *v)
{
	for (size_t f = 0; f < sizeof(vf_families) / sizeof(vf_families[0]); f++) {
		const struct vf_family *fam = &vf_families[f];
		metrics_text_family(t, fam->name, "counter", fam->help);
		for (size_t i = 0; i < v->nvf; i++) {
			const struct vf_row *r = &v->vfs[i];
			const char *base = (const char *)&r->q.out;
			enum vf_counter_source src = *(const enum vf_counter_source *)(base + fam->src_off);
			struct vf_labels l = {0};
			if (src == VF_SRC_NONE)
				continue;
			vf_labels_fill(v, r, vf_counter_source_name(src), &l);
			metrics_text_u64(t, fam->name, l.l, 7, *(const uint64_t *)(base + fam->offset));
		}
	}
	metrics_text_family(t, "sriov_vf_info", "gauge",
			    "One series per VF of the PFs the plugin's networks use: what it is used for (role) "
			    "and by whom (network, endpoint); the value is always 1.");
	for (size_t i = 0; i < v->nvf; i++) {
		const struct vf_row *r = &v->vfs[i];
		struct vf_labels l = {0};
		vf_labels_fill(v, r, "", &l);
		l.l[6] = (struct metrics_label){"role", vf_role_name(r->role)};
		metrics_text_u64(t, "sriov_vf_info", l.l, 7, 1);
	}
}

static void render_pfs(struct metrics_text *t, const struct traffic_view *v)
{
	metrics_text_family(t, "sriov_pf_vfs", "gauge",
			    "VFs of the PF by state: in_use (held by an endpoint), released (ours, not home yet), "
			    "free, foreign (someone else's) and unusable.");
	for (size_t p = 0; p < v->npf; p++)
		for (int role = 0; role < VF_ROLE_COUNT; role++) {
			struct metrics_label l[] = {{"pf", v->pfs[p].st.name}, {"pci", v->pfs[p].pci}, {"state", vf_role_name(role)}};
			metrics_text_u64(t, "sriov_pf_vfs", l, 3, v->pfs[p].roles[role]);
		}
	metrics_text_family(t, "sriov_pf_vfs_enabled", "gauge", "VFs enabled on the PF (sriov_numvfs).");
	for (size_t p = 0; p < v->npf; p++) {
		struct metrics_label l[] = {{"pf", v->pfs[p].st.name}, {"pci", v->pfs[p].pci}};
		metrics_text_u64(t, "sriov_pf_vfs_enabled", l, 2, (uint64_t)(v->pfs[p].st.numvfs > 0 ? v->pfs[p].st.numvfs : 0));
	}
	metrics_text_family(t, "sriov_pf_vfs_max", "gauge", "VFs the PF can have (sriov_totalvfs).");
	for (size_t p = 0; p < v->npf; p++) {
		struct metrics_label l[] = {{"pf", v->pfs[p].st.name}, {"pci", v->pfs[p].pci}};
		metrics_text_u64(t, "sriov_pf_vfs_max", l, 2, (uint64_t)(v->pfs[p].st.totalvfs > 0 ? v->pfs[p].st.totalvfs : 0));
	}
	metrics_text_family(t, "sriov_pf_up", "gauge", "1 when the PF's netdev is administratively up.");
	for (size_t p = 0; p < v->npf; p++) {
		struct metrics_label l[] = {{"pf", v->pfs[p].st.name}, {"pci", v->pfs[p].pci}};
		metrics_text_u64(t, "sriov_pf_up", l, 2, v->pfs[p].st.up);
	}
	metrics_text_family(t, "sriov_pf_carrier", "gauge", "1 when the PF's link has carrier.");
	for (size_t p = 0; p < v->npf; p++) {
		struct metrics_label l[] = {{"pf", v->pfs[p].st.name}, {"pci", v->pfs[p].pci}};
		metrics_text_u64(t, "sriov_pf_carrier", l, 2, v->pfs[p].st.carrier);
	}
	metrics_text_family(t, "sriov_pf_speed_bytes", "gauge", "The PF's link speed in bytes per second (absent when unknown).");
	for (size_t p = 0; p < v->npf; p++) {
		struct metrics_label l[] = {{"pf", v->pfs[p].st.name}, {"pci", v->pfs[p].pci}};
		if (v->pfs[p].st.speed_mbps > 0)
			metrics_text_u64(t, "sriov_pf_speed_bytes", l, 2, (uint64_t)v->pfs[p].st.speed_mbps * 125000u);
	}
}

static void render_networks(struct metrics_text *t, const struct traffic_view *v)
{
	metrics_text_family(t, "sriov_network_endpoints", "gauge", "Endpoints of the network, per PF (released ones not counted).");
	for (size_t n = 0; n < v->snap.net_count; n++) {
		const struct net_record *net = &v->snap.nets[n];
		for (unsigned p = 0; p < net->cfg.pf_count; p++) {
			size_t pi = v->npf, count = 0;
			for (size_t i = 0; i < v->npf; i++)
				if (!strcmp(v->pfs[i].pci, net->pf_pci[p]))
					pi = i;
			for (size_t e = 0; e < v->snap.ep_count; e++)
				if (!strcmp(v->snap.eps[e].network_id, net->id) && !strcmp(v->snap.eps[e].pf_pci, net->pf_pci[p]) &&
				    v->snap.eps[e].phase != EP_RELEASED)
					count++;
			struct metrics_label l[] = {{"network", net->id}, {"pf", pi < v->npf ? v->pfs[pi].st.name : ""},
						    {"pci", net->pf_pci[p]}};
			metrics_text_u64(t, "sriov_network_endpoints", l, 3, count);
		}
	}
	metrics_text_family(t, "sriov_network_vfs_free", "gauge", "Free VFs the network may hand out (its vfs list), per PF.");
	for (size_t n = 0; n < v->snap.net_count; n++) {
		const struct net_record *net = &v->snap.nets[n];
		for (unsigned p = 0; net->cfg.mode == NET_MODE_SRIOV && p < net->cfg.pf_count; p++) {
			size_t pi = v->npf, count = 0;
			for (size_t i = 0; i < v->npf; i++)
				if (!strcmp(v->pfs[i].pci, net->pf_pci[p]))
					pi = i;
			if (pi == v->npf)
				continue;
			for (size_t i = 0; i < v->pfs[pi].vf_count; i++) {
				const struct vf_row *r = &v->vfs[v->pfs[pi].first_vf + i];
				if (r->role == VF_ROLE_FREE && net_config_vf_allowed(&net->cfg, p, r->vf))
					count++;
			}
			struct metrics_label l[] = {{"network", net->id}, {"pf", v->pfs[pi].st.name}, {"pci", net->pf_pci[p]}};
			metrics_text_u64(t, "sriov_network_vfs_free", l, 3, count);
		}
	}
}

char *metrics_page_build(struct daemon *d, size_t *len, sr_error *err)
{
	struct metrics_text t = {0};
	struct traffic_view v;
	if (traffic_view_read(d, &v, err) < 0)
		return NULL;
	atomic_fetch_add_explicit(&d->metrics.scrapes, 1, memory_order_relaxed);
	metrics_render_own(&d->metrics, &t, dispatch_route_count(), dispatch_route_path);
	render_vfs(&t, &v);
	render_pfs(&t, &v);
	render_networks(&t, &v);
	metrics_text_family(&t, "sriov_build_info", "gauge", "The plugin's version and the libraries it runs with; always 1.");
	{
		char jansson[16];
		snprintf(jansson, sizeof(jansson), "%s", JANSSON_VERSION);
		struct metrics_label l[] = {{"version", SRIOV_PLUGIN_VERSION},
					    {"libmicrohttpd", MHD_get_version()},
					    {"jansson", jansson}};
		metrics_text_u64(&t, "sriov_build_info", l, 3, 1);
	}
	traffic_view_free(&v);
	if (t.failed || !t.buf) {
		free(t.buf);
		sr_error_set_errno(err, ENOMEM, "build the metrics page");
		return NULL;
	}
	*len = t.len;
	return t.buf;
}
