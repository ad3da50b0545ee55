#include "state_record.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json_mac.h"
#include "state_internal.h"
#include "state_ipconf.h"
#include "state_pfs.h"

static json_t *net_common_to_json(const struct net_record *n);

json_t *state_net_to_json(const struct net_record *n)
{
	json_t *o = net_common_to_json(n);
	if (o && state_pfs_to_json(n, o) < 0) {
		json_decref(o);
		return NULL;
	}
	/* only a passthrough network says its mode: an sriov one's file is what older versions wrote */
	if (o && n->cfg.mode == NET_MODE_PASSTHROUGH &&
	    (json_object_set_new(json_object_get(o, "config"), "mode", json_string("passthrough")) < 0 ||
	     (n->cfg.host_nic_allow &&
	      json_object_set_new(json_object_get(o, "config"), "host_nic", json_string("allow")) < 0))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *net_common_to_json(const struct net_record *n)
{
	char vfs[1024] = "";
	const struct net_config *c = &n->cfg;
	if (c->vfs_set)
		net_config_format_vf_list(c->vfs_mask, vfs, sizeof(vfs));
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:b, s:b, s:b, s:I, s:b, "
			 "s:I, s:I, s:I, s:I, s:b, s:s, s:s}}",
			 "id", n->id, "pf_pci", n->pf_pci[0], "pf_spec", c->pf_spec[0], "internal", n->internal,
			 "gateway4", n->gateway4, "gateway6", n->gateway6, "pool4", n->pool4, "pool6", n->pool6,
			 "config", "vlan", (json_int_t)c->vlan, "qos", (json_int_t)c->qos, "vlan_proto",
			 (json_int_t)c->vlan_proto, "spoofchk", c->spoofchk, "trust", c->trust, "link_state_set",
			 c->link_state_set, "link_state", (json_int_t)c->link_state, "rate_set", c->rate_set,
			 "min_tx_rate", (json_int_t)c->min_tx_rate, "max_tx_rate", (json_int_t)c->max_tx_rate, "mtu",
			 (json_int_t)c->mtu, "numvfs", (json_int_t)c->numvfs, "vfs_set", c->vfs_set, "vfs", vfs,
			 "prefix", c->prefix);
}

static json_t *vf_config_to_json(const struct nlk_vf_config *v)
{
	return json_pack("{s:o, s:I, s:I, s:I, s:b, s:b, s:I, s:I, s:I, s:b, s:b, s:b, s:b}", "mac",
			 json_mac(v->mac), "vlan", (json_int_t)v->vlan, "qos", (json_int_t)v->qos, "vlan_proto",
			 (json_int_t)v->vlan_proto, "spoofchk", v->spoofchk, "trust", v->trust, "link_state",
			 (json_int_t)v->link_state, "min_tx_rate", (json_int_t)v->min_tx_rate, "max_tx_rate",
			 (json_int_t)v->max_tx_rate, "has_spoofchk", v->has_spoofchk, "has_trust", v->has_trust,
			 "has_link_state", v->has_link_state, "has_rate", v->has_rate);
}

static const char *const phase_names[] = {"ready", "creating", "deleting", "released"};

static json_t *ep_common_to_json(const struct ep_record *e);

static json_t *nic_saved_to_json(const struct nic_saved *n)
{
	json_t *o = json_pack("{s:s, s:o, s:I, s:b}", "name", n->name, "mac", json_mac(n->mac), "mtu",
			      (json_int_t)n->mtu, "up", n->up);
	if (o && state_ipconf_to_json(&n->ip, o) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *state_ep_to_json(const struct ep_record *e)
{
	json_t *o = ep_common_to_json(e);
	/* only a NIC's record says its kind: a VF's file is byte for byte what older versions wrote */
	if (o && e->passthrough &&
	    (json_object_set_new(o, "kind", json_string("nic")) < 0 ||
	     json_object_set_new(o, "host", nic_saved_to_json(&e->host)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ep_common_to_json(const struct ep_record *e)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:s, s:s, s:b, s:s, s:I, s:I, s:b, s:o, s:s}", "id", e->id,
			 "network_id",
			 e->network_id, "pf_pci", e->pf_pci, "vf", e->vf, "vf_pci", e->vf_pci, "mac",
			 json_mac(e->mac), "address4", e->address4, "address6", e->address6, "joined", e->joined,
			 "sandbox_key", e->sandbox_key, "joined_at", (json_int_t)e->joined_at, "unjoined_at",
			 (json_int_t)e->unjoined_at, "sandbox_seen",
			 e->sandbox_seen, "saved", vf_config_to_json(&e->saved), "phase",
			 phase_names[e->phase >= EP_READY && e->phase <= EP_RELEASED ? e->phase : EP_READY]);
	/* only when set: a record of a sandbox never seen mounted keeps its shape */
	if (o && ((e->sandbox_mounted && json_object_set_new(o, "sandbox_mounted", json_true()) < 0) ||
		  (e->vf_driver[0] && json_object_set_new(o, "vf_driver", json_string(e->vf_driver)) < 0) ||
		  (e->vf_instance[0] && json_object_set_new(o, "vf_instance", json_string(e->vf_instance)) < 0) ||
		  (e->saved_mtu && json_object_set_new(json_object_get(o, "saved"), "mtu",
						       json_integer((json_int_t)e->saved_mtu)) < 0))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *state_to_json(const struct state *st)
{
	json_t *root = json_pack("{s:i, s:[], s:[]}", "version", STATE_VERSION, "networks", "endpoints");
	char *text = NULL;
	if (!root)
		return NULL;
	json_t *nets = json_object_get(root, "networks");
	json_t *eps = json_object_get(root, "endpoints");
	for (size_t i = 0; i < st->net_count; i++)
		if (json_array_append_new(nets, state_net_to_json(&st->nets[i])) < 0)
			goto out;
	for (size_t i = 0; i < st->ep_count; i++)
		if (json_array_append_new(eps, state_ep_to_json(&st->eps[i])) < 0)
			goto out;
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
out:
	json_decref(root);
	return text;
}

/* Readers: copy a string field into a fixed buffer; a missing or wrong-typed field is corruption. */
static int get_str(json_t *obj, const char *key, char *out, size_t size, const char *what, sr_error *err)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	if (!json_is_string(v))
		return sr_error_set(err, EINVAL, "%s: field %s missing or not a string", what, key);
	s = json_string_value(v);
	if (strlen(s) >= size)
		return sr_error_set(err, EINVAL, "%s: field %s too long", what, key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int get_uint(json_t *obj, const char *key, unsigned *out, const char *what, sr_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0x7fffffff)
		return sr_error_set(err, EINVAL, "%s: field %s missing or not a number", what, key);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int get_bool(json_t *obj, const char *key, bool *out, const char *what, sr_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_boolean(v))
		return sr_error_set(err, EINVAL, "%s: field %s missing or not a boolean", what, key);
	*out = json_is_true(v);
	return 0;
}

static int get_mac(json_t *obj, const char *key, uint8_t mac[6], const char *what, sr_error *err)
{
	char text[32];
	if (get_str(obj, key, text, sizeof(text), what, err) < 0)
		return -1;
	if (nlk_mac_parse(text, mac) < 0)
		return sr_error_set(err, EINVAL, "%s: field %s is not a MAC address", what, key);
	return 0;
}

int state_net_from_json(json_t *o, struct net_record *n, sr_error *err)
{
	const char *w = "network";
	json_t *c = json_object_get(o, "config");
	struct net_config *cfg = &n->cfg;
	unsigned link_state = 0;
	char vfs[1024] = "";
	memset(n, 0, sizeof(*n));
	if (!json_is_object(o) || !json_is_object(c))
		return sr_error_set(err, EINVAL, "network entry is not an object with a config");
	if (get_str(o, "id", n->id, sizeof(n->id), w, err) < 0 || get_str(o, "pf_pci", n->pf_pci[0], sizeof(n->pf_pci[0]), w, err) < 0 ||
	    get_str(o, "pf_spec", cfg->pf_spec[0], sizeof(cfg->pf_spec[0]), w, err) < 0 ||
	    get_bool(o, "internal", &n->internal, w, err) < 0 ||
	    get_str(o, "gateway4", n->gateway4, sizeof(n->gateway4), w, err) < 0 ||
	    get_str(o, "gateway6", n->gateway6, sizeof(n->gateway6), w, err) < 0 ||
	    get_str(o, "pool4", n->pool4, sizeof(n->pool4), w, err) < 0 ||
	    get_str(o, "pool6", n->pool6, sizeof(n->pool6), w, err) < 0 ||
	    get_uint(c, "vlan", &cfg->vlan, w, err) < 0 || get_uint(c, "qos", &cfg->qos, w, err) < 0 ||
	    get_uint(c, "vlan_proto", &cfg->vlan_proto, w, err) < 0 ||
	    get_bool(c, "spoofchk", &cfg->spoofchk, w, err) < 0 || get_bool(c, "trust", &cfg->trust, w, err) < 0 ||
	    get_bool(c, "link_state_set", &cfg->link_state_set, w, err) < 0 ||
	    get_uint(c, "link_state", &link_state, w, err) < 0 || get_bool(c, "rate_set", &cfg->rate_set, w, err) < 0 ||
	    get_uint(c, "min_tx_rate", &cfg->min_tx_rate, w, err) < 0 ||
	    get_uint(c, "max_tx_rate", &cfg->max_tx_rate, w, err) < 0 || get_uint(c, "mtu", &cfg->mtu, w, err) < 0 ||
	    get_uint(c, "numvfs", &cfg->numvfs, w, err) < 0 || get_bool(c, "vfs_set", &cfg->vfs_set, w, err) < 0 ||
	    get_str(c, "vfs", vfs, sizeof(vfs), w, err) < 0 ||
	    get_str(c, "prefix", cfg->prefix, sizeof(cfg->prefix), w, err) < 0)
		return -1;
	cfg->link_state = (int)link_state;
	/* optional: absent = sriov (files of older versions) */
	json_t *mode = json_object_get(c, "mode");
	if (mode && (!json_is_string(mode) || (strcmp(json_string_value(mode), "passthrough") != 0 &&
					       strcmp(json_string_value(mode), "sriov") != 0)))
		return sr_error_set(err, EINVAL, "network %s: config.mode is not \"sriov\" or \"passthrough\"", n->id);
	cfg->mode = mode && !strcmp(json_string_value(mode), "passthrough") ? NET_MODE_PASSTHROUGH : NET_MODE_SRIOV;
	json_t *host_nic = json_object_get(c, "host_nic");
	if (host_nic && (!json_is_string(host_nic) || strcmp(json_string_value(host_nic), "allow") != 0))
		return sr_error_set(err, EINVAL, "network %s: config.host_nic is not \"allow\"", n->id);
	cfg->host_nic_allow = host_nic != NULL;
	if (cfg->vfs_set && net_config_parse_vf_list(vfs, cfg->vfs_mask, err) < 0)
		return -1;
	if (state_pfs_from_json(o, n, err) < 0)
		return -1;
	if (!spec_id_valid(n->id))
		return sr_error_set(err, EINVAL, "network id '%s' is not valid", n->id);
	return 0;
}

static int vf_config_from_json(json_t *o, struct nlk_vf_config *v, sr_error *err)
{
	const char *w = "saved VF settings";
	unsigned link_state = 0;
	if (!json_is_object(o))
		return sr_error_set(err, EINVAL, "%s: not an object", w);
	if (get_mac(o, "mac", v->mac, w, err) < 0 || get_uint(o, "vlan", &v->vlan, w, err) < 0 ||
	    get_uint(o, "qos", &v->qos, w, err) < 0 || get_uint(o, "vlan_proto", &v->vlan_proto, w, err) < 0 ||
	    get_bool(o, "spoofchk", &v->spoofchk, w, err) < 0 || get_bool(o, "trust", &v->trust, w, err) < 0 ||
	    get_uint(o, "link_state", &link_state, w, err) < 0 ||
	    get_uint(o, "min_tx_rate", &v->min_tx_rate, w, err) < 0 ||
	    get_uint(o, "max_tx_rate", &v->max_tx_rate, w, err) < 0 ||
	    get_bool(o, "has_spoofchk", &v->has_spoofchk, w, err) < 0 ||
	    get_bool(o, "has_trust", &v->has_trust, w, err) < 0 ||
	    get_bool(o, "has_link_state", &v->has_link_state, w, err) < 0 ||
	    get_bool(o, "has_rate", &v->has_rate, w, err) < 0)
		return -1;
	v->link_state = (int)link_state;
	return 0;
}

/* "kind" absent or "vf": a VF's record; "nic": a passthrough one, with its "host" settings. */
static int nic_from_json(json_t *o, struct ep_record *e, sr_error *err)
{
	const char *w = "passthrough endpoint's host settings";
	json_t *kind = json_object_get(o, "kind"), *host = json_object_get(o, "host");
	if (!kind || (json_is_string(kind) && !strcmp(json_string_value(kind), "vf")))
		return 0;
	if (!json_is_string(kind) || strcmp(json_string_value(kind), "nic") != 0)
		return sr_error_set(err, EINVAL, "endpoint: field kind is not \"vf\" or \"nic\"");
	e->passthrough = true;
	if (!json_is_object(host))
		return sr_error_set(err, EINVAL, "%s: field host missing or not an object", w);
	if (get_str(host, "name", e->host.name, sizeof(e->host.name), w, err) < 0 ||
	    get_mac(host, "mac", e->host.mac, w, err) < 0 || get_uint(host, "mtu", &e->host.mtu, w, err) < 0 ||
	    get_bool(host, "up", &e->host.up, w, err) < 0 || state_ipconf_from_json(host, &e->host.ip, err) < 0)
		return -1;
	if (!nlk_ifname_valid(e->host.name))
		return sr_error_set(err, EINVAL, "%s: name '%s' is not an interface name", w, e->host.name);
	return 0;
}

int state_ep_from_json(json_t *o, struct ep_record *e, sr_error *err)
{
	const char *w = "endpoint";
	char phase[16] = "";
	unsigned vf = 0;
	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return sr_error_set(err, EINVAL, "endpoint entry is not an object");
	if (nic_from_json(o, e, err) < 0)
		return -1;
	if (get_str(o, "id", e->id, sizeof(e->id), w, err) < 0 ||
	    get_str(o, "network_id", e->network_id, sizeof(e->network_id), w, err) < 0 ||
	    get_str(o, "pf_pci", e->pf_pci, sizeof(e->pf_pci), w, err) < 0 ||
	    (!e->passthrough && get_uint(o, "vf", &vf, w, err) < 0) ||
	    get_str(o, "vf_pci", e->vf_pci, sizeof(e->vf_pci), w, err) < 0 || get_mac(o, "mac", e->mac, w, err) < 0 ||
	    get_str(o, "address4", e->address4, sizeof(e->address4), w, err) < 0 ||
	    get_str(o, "address6", e->address6, sizeof(e->address6), w, err) < 0 ||
	    get_bool(o, "joined", &e->joined, w, err) < 0 ||
	    get_str(o, "sandbox_key", e->sandbox_key, sizeof(e->sandbox_key), w, err) < 0 ||
	    vf_config_from_json(json_object_get(o, "saved"), &e->saved, err) < 0 ||
	    get_str(o, "phase", phase, sizeof(phase), w, err) < 0)
		return -1;
	/* optional (absent in files written before they existed) */
	json_t *joined_at = json_object_get(o, "joined_at"), *seen = json_object_get(o, "sandbox_seen");
	json_t *unjoined_at = json_object_get(o, "unjoined_at"), *mounted = json_object_get(o, "sandbox_mounted");
	if ((joined_at && !json_is_integer(joined_at)) || (seen && !json_is_boolean(seen)) ||
	    (unjoined_at && !json_is_integer(unjoined_at)) || (mounted && !json_is_boolean(mounted)))
		return sr_error_set(err, EINVAL,
				    "endpoint %s: joined_at, unjoined_at, sandbox_seen or sandbox_mounted of the wrong type",
				    e->id);
	e->joined_at = joined_at ? (long long)json_integer_value(joined_at) : 0;
	/* an older file: the orphan grace (reconcile.c) starts now, never in the past */
	e->unjoined_at = unjoined_at ? (long long)json_integer_value(unjoined_at) : (long long)time(NULL);
	e->sandbox_seen = seen && json_is_true(seen);
	e->sandbox_mounted = e->sandbox_seen && mounted && json_is_true(mounted);
	if (json_object_get(o, "vf_driver") && get_str(o, "vf_driver", e->vf_driver, sizeof(e->vf_driver), w, err) < 0)
		return -1;
	if (json_object_get(o, "vf_instance") &&
	    get_str(o, "vf_instance", e->vf_instance, sizeof(e->vf_instance), w, err) < 0)
		return -1;
	if (json_object_get(json_object_get(o, "saved"), "mtu") &&
	    get_uint(json_object_get(o, "saved"), "mtu", &e->saved_mtu, "saved VF settings", err) < 0)
		return -1;
	e->phase = -1;
	for (int i = EP_READY; i <= EP_RELEASED; i++)
		if (!strcmp(phase, phase_names[i]))
			e->phase = i;
	if (e->phase < 0)
		return sr_error_set(err, EINVAL, "endpoint %s: unknown phase '%s'", e->id, phase);
	e->vf = e->passthrough ? -1 : (int)vf;
	e->saved.vf = e->vf;
	if (!spec_id_valid(e->id))
		return sr_error_set(err, EINVAL, "endpoint id '%s' is not valid", e->id);
	return 0;
}
