#include "status_traffic.h"

#include <string.h>

static bool set(json_t *o, const char *key, json_t *value)
{
	return value && json_object_set_new(o, key, value) == 0;
}

static json_t *counters_json(const struct vf_counters *c)
{
	const struct {
		const char *key;
		uint64_t value;
		enum vf_counter_source src;
	} f[] = {
		{"rx_bytes", c->rx_bytes, c->src},           {"tx_bytes", c->tx_bytes, c->src},
		{"rx_packets", c->rx_packets, c->src},       {"tx_packets", c->tx_packets, c->src},
		{"rx_dropped", c->rx_dropped, c->drop_src},  {"tx_dropped", c->tx_dropped, c->drop_src},
		{"multicast", c->multicast, c->mcast_src},   {"broadcast", c->broadcast, c->bcast_src},
	};
	json_t *o = json_object(), *src = json_object();
	bool ok = o && src;
	for (size_t i = 0; ok && i < sizeof(f) / sizeof(f[0]); i++) {
		ok = set(o, f[i].key, f[i].src == VF_SRC_NONE ? json_null() : json_integer((json_int_t)f[i].value)) &&
		     set(src, f[i].key, json_string(vf_counter_source_name(f[i].src)));
	}
	ok = ok && set(o, "netdev", json_string(c->netdev)) && set(o, "in_sandbox", json_boolean(c->in_sandbox)) &&
	     json_object_set(o, "source", src) == 0;
	json_decref(src);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const struct pf_row *pf_of(const struct traffic_view *tv, const char *pci, size_t *index)
{
	for (size_t p = 0; pci && p < tv->npf; p++)
		if (!strcmp(tv->pfs[p].pci, pci)) {
			*index = p;
			return &tv->pfs[p];
		}
	return NULL;
}

static bool add_pf(json_t *pf, const struct traffic_view *tv)
{
	size_t p = 0, i;
	const struct pf_row *row = pf_of(tv, json_string_value(json_object_get(pf, "pci")), &p);
	json_t *pool, *vf;
	if (!row || json_is_string(json_object_get(pf, "mode")))
		return true; /* a passthrough NIC has no pool */
	pool = json_object();
	for (int r = 0; pool && r < VF_ROLE_COUNT; r++)
		if (!set(pool, vf_role_name(r), json_integer(row->roles[r]))) {
			json_decref(pool);
			pool = NULL;
		}
	if (!set(pf, "pool", pool) || !set(pf, "up", json_boolean(row->st.up)) ||
	    !set(pf, "carrier", json_boolean(row->st.carrier)) ||
	    !set(pf, "speed_mbps", row->st.speed_mbps > 0 ? json_integer(row->st.speed_mbps) : json_null()))
		return false;
	json_array_foreach(json_object_get(pf, "vfs"), i, vf) {
		json_int_t n = json_integer_value(json_object_get(vf, "vf"));
		if (n < 0 || (size_t)n >= row->vf_count)
			continue;
		if (!set(vf, "counters", counters_json(&tv->vfs[row->first_vf + (size_t)n].q.out)) ||
		    !set(vf, "role", json_string(vf_role_name(tv->vfs[row->first_vf + (size_t)n].role))))
			return false;
	}
	return true;
}

static bool add_endpoint(json_t *ep, const struct traffic_view *tv)
{
	const char *id = json_string_value(json_object_get(ep, "id"));
	for (size_t i = 0; id && i < tv->snap.ep_count; i++) {
		const struct vf_row *row;
		if (strcmp(tv->snap.eps[i].id, id) != 0)
			continue;
		row = traffic_view_row_of(tv, &tv->snap.eps[i]);
		if (!row || row->owner != &tv->snap.eps[i])
			return true;
		return set(ep, "counters", counters_json(&row->q.out));
	}
	return true;
}

bool status_traffic_add(json_t *view, const struct traffic_view *tv)
{
	size_t i, j;
	json_t *pf, *net, *ep;
	json_array_foreach(json_object_get(view, "pfs"), i, pf) {
		if (!add_pf(pf, tv))
			return false;
	}
	json_array_foreach(json_object_get(view, "networks"), i, net) {
		json_array_foreach(json_object_get(net, "endpoint_list"), j, ep) {
			if (!add_endpoint(ep, tv))
				return false;
		}
	}
	return true;
}
