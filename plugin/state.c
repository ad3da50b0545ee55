#include "state.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/atomic_file.h"

#define STATE_VERSION 1

static int ensure_dir(const char *dir, sr_error *err)
{
	char path[512];
	size_t len;
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	len = strlen(path);
	/* mkdir -p, so a fresh host (or a tmpfs /var/lib) needs no set-up */
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return sr_error_set_errno(err, errno, "create state dir %s", path);
		path[i] = saved;
	}
	return 0;
}

static int state_file_path(const char *dir, char *out, size_t size, sr_error *err)
{
	if (snprintf(out, size, "%s/state.json", dir) >= (int)size)
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	return 0;
}

int state_dir_check(const char *dir, bool *tightened, sr_error *err)
{
	struct stat sb;
	*tightened = false;
	if (ensure_dir(dir, err) < 0)
		return -1;
	if (stat(dir, &sb) < 0)
		return sr_error_set_errno(err, errno, "state dir %s", dir);
	if (!S_ISDIR(sb.st_mode))
		return sr_error_set(err, ENOTDIR, "state dir %s is not a directory", dir);
	/* someone else could have planted or replaced state: nothing in it can be trusted */
	if (sb.st_uid != geteuid() || (sb.st_mode & 022))
		return sr_error_set(err, EPERM,
				    "state dir %s is mode %04o owned by uid %u; it must be 0700 and owned by uid %u "
				    "(others could plant or replace state): check its files, then chown %u %s && "
				    "chmod 700 %s",
				    dir, (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid, (unsigned)geteuid(),
				    (unsigned)geteuid(), dir, dir);
	/* only readable by others (an older install's 0755): ours, nothing planted; tighten it */
	if (sb.st_mode & 077) {
		if (chmod(dir, 0700) < 0)
			return sr_error_set_errno(err, errno, "state dir %s is mode %04o; chmod 700", dir,
						  (unsigned)(sb.st_mode & 07777));
		*tightened = true;
	}
	return 0;
}

int state_open(const char *dir, struct state *st, sr_error *err)
{
	bool tightened;
	char path[600];
	char *text = NULL;
	size_t len;
	int rc;
	memset(st, 0, sizeof(*st));
	if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >= (int)sizeof(st->dir))
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	if (state_dir_check(dir, &tightened, err) < 0 || state_file_path(dir, path, sizeof(path), err) < 0)
		return -1;
	if (atomic_file_read(path, &text, &len, err) < 0) {
		if (err && err->code == ENOENT) {
			sr_error_clear(err);
			return 0;
		}
		return -1;
	}
	rc = state_from_json(text, st, err);
	free(text);
	if (rc < 0) {
		state_free(st);
		return sr_error_wrap(err, "load %s", path);
	}
	st->loaded = true;
	return 0;
}

void state_free(struct state *st)
{
	free(st->nets);
	free(st->eps);
	st->nets = NULL;
	st->eps = NULL;
	st->net_count = st->net_cap = st->ep_count = st->ep_cap = 0;
}

struct net_record *state_find_net(struct state *st, const char *id)
{
	for (size_t i = 0; i < st->net_count; i++)
		if (!strcmp(st->nets[i].id, id))
			return &st->nets[i];
	return NULL;
}

struct ep_record *state_find_ep(struct state *st, const char *id)
{
	for (size_t i = 0; i < st->ep_count; i++)
		if (!strcmp(st->eps[i].id, id))
			return &st->eps[i];
	return NULL;
}

struct ep_record *state_find_vf_owner(struct state *st, const char *pf_pci, int vf)
{
	for (size_t i = 0; i < st->ep_count; i++)
		if (st->eps[i].vf == vf && !strcmp(st->eps[i].pf_pci, pf_pci))
			return &st->eps[i];
	return NULL;
}

static void *grow(void *array, size_t *cap, size_t count, size_t elem)
{
	size_t new_cap;
	void *p;
	if (count < *cap)
		return array;
	new_cap = *cap ? *cap * 2 : 8;
	p = realloc(array, new_cap * elem);
	if (p)
		*cap = new_cap;
	return p;
}

struct net_record *state_add_net(struct state *st, const struct net_record *rec, sr_error *err)
{
	struct net_record *p = grow(st->nets, &st->net_cap, st->net_count, sizeof(*p));
	if (!p) {
		sr_error_set_errno(err, ENOMEM, "add network %s", rec->id);
		return NULL;
	}
	st->nets = p;
	p[st->net_count] = *rec;
	return &p[st->net_count++];
}

struct ep_record *state_add_ep(struct state *st, const struct ep_record *rec, sr_error *err)
{
	struct ep_record *p = grow(st->eps, &st->ep_cap, st->ep_count, sizeof(*p));
	if (!p) {
		sr_error_set_errno(err, ENOMEM, "add endpoint %s", rec->id);
		return NULL;
	}
	st->eps = p;
	p[st->ep_count] = *rec;
	return &p[st->ep_count++];
}

void state_remove_net(struct state *st, const char *id)
{
	struct net_record *rec = state_find_net(st, id);
	if (!rec)
		return;
	size_t i = (size_t)(rec - st->nets);
	memmove(&st->nets[i], &st->nets[i + 1], (st->net_count - i - 1) * sizeof(*rec));
	st->net_count--;
}

void state_remove_ep(struct state *st, const char *id)
{
	struct ep_record *rec = state_find_ep(st, id);
	if (!rec)
		return;
	size_t i = (size_t)(rec - st->eps);
	memmove(&st->eps[i], &st->eps[i + 1], (st->ep_count - i - 1) * sizeof(*rec));
	st->ep_count--;
}

/* ---- JSON ---- */

static json_t *mac_json(const uint8_t mac[6])
{
	char text[18];
	nlk_mac_format(mac, text);
	return json_string(text);
}

static json_t *net_to_json(const struct net_record *n)
{
	char vfs[1024] = "";
	const struct net_config *c = &n->cfg;
	if (c->vfs_set)
		net_config_format_vf_list(c->vfs_mask, vfs, sizeof(vfs));
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:b, s:b, s:b, s:I, s:b, "
			 "s:I, s:I, s:I, s:I, s:b, s:s, s:s}}",
			 "id", n->id, "pf_pci", n->pf_pci, "pf_spec", c->pf_spec, "internal", n->internal,
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
			 mac_json(v->mac), "vlan", (json_int_t)v->vlan, "qos", (json_int_t)v->qos, "vlan_proto",
			 (json_int_t)v->vlan_proto, "spoofchk", v->spoofchk, "trust", v->trust, "link_state",
			 (json_int_t)v->link_state, "min_tx_rate", (json_int_t)v->min_tx_rate, "max_tx_rate",
			 (json_int_t)v->max_tx_rate, "has_spoofchk", v->has_spoofchk, "has_trust", v->has_trust,
			 "has_link_state", v->has_link_state, "has_rate", v->has_rate);
}

static const char *const phase_names[] = {"ready", "creating", "deleting", "released"};

static json_t *ep_to_json(const struct ep_record *e)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:s, s:s, s:b, s:s, s:I, s:b, s:o, s:s}", "id", e->id,
			 "network_id",
			 e->network_id, "pf_pci", e->pf_pci, "vf", e->vf, "vf_pci", e->vf_pci, "mac",
			 mac_json(e->mac), "address4", e->address4, "address6", e->address6, "joined", e->joined,
			 "sandbox_key", e->sandbox_key, "joined_at", (json_int_t)e->joined_at, "sandbox_seen",
			 e->sandbox_seen, "saved", vf_config_to_json(&e->saved), "phase",
			 phase_names[e->phase >= EP_READY && e->phase <= EP_RELEASED ? e->phase : EP_READY]);
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
		if (json_array_append_new(nets, net_to_json(&st->nets[i])) < 0)
			goto out;
	for (size_t i = 0; i < st->ep_count; i++)
		if (json_array_append_new(eps, ep_to_json(&st->eps[i])) < 0)
			goto out;
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
out:
	json_decref(root);
	return text;
}

int state_flush(struct state *st, sr_error *err)
{
	return st->dirty ? state_save(st, err) : 0;
}

int state_save(struct state *st, sr_error *err)
{
	char path[600];
	char *text;
	int rc;
	if (state_file_path(st->dir, path, sizeof(path), err) < 0)
		return -1;
	text = state_to_json(st);
	if (!text) {
		st->dirty = true;
		return sr_error_set_errno(err, ENOMEM, "encode state");
	}
	rc = atomic_file_write(path, text, strlen(text), err);
	free(text);
	st->dirty = rc < 0;
	if (rc < 0)
		return sr_error_wrap(err, "save state");
	return 0;
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

static int net_from_json(json_t *o, struct net_record *n, sr_error *err)
{
	const char *w = "network";
	json_t *c = json_object_get(o, "config");
	struct net_config *cfg = &n->cfg;
	unsigned link_state = 0;
	char vfs[1024] = "";
	memset(n, 0, sizeof(*n));
	if (!json_is_object(o) || !json_is_object(c))
		return sr_error_set(err, EINVAL, "network entry is not an object with a config");
	if (get_str(o, "id", n->id, sizeof(n->id), w, err) < 0 || get_str(o, "pf_pci", n->pf_pci, sizeof(n->pf_pci), w, err) < 0 ||
	    get_str(o, "pf_spec", cfg->pf_spec, sizeof(cfg->pf_spec), w, err) < 0 ||
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
	if (cfg->vfs_set && net_config_parse_vf_list(vfs, cfg->vfs_mask, err) < 0)
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

static int ep_from_json(json_t *o, struct ep_record *e, sr_error *err)
{
	const char *w = "endpoint";
	char phase[16] = "";
	unsigned vf = 0;
	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return sr_error_set(err, EINVAL, "endpoint entry is not an object");
	if (get_str(o, "id", e->id, sizeof(e->id), w, err) < 0 ||
	    get_str(o, "network_id", e->network_id, sizeof(e->network_id), w, err) < 0 ||
	    get_str(o, "pf_pci", e->pf_pci, sizeof(e->pf_pci), w, err) < 0 || get_uint(o, "vf", &vf, w, err) < 0 ||
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
	if ((joined_at && !json_is_integer(joined_at)) || (seen && !json_is_boolean(seen)))
		return sr_error_set(err, EINVAL, "endpoint %s: joined_at or sandbox_seen of the wrong type", e->id);
	e->joined_at = joined_at ? (long long)json_integer_value(joined_at) : 0;
	e->sandbox_seen = seen && json_is_true(seen);
	e->phase = -1;
	for (int i = EP_READY; i <= EP_RELEASED; i++)
		if (!strcmp(phase, phase_names[i]))
			e->phase = i;
	if (e->phase < 0)
		return sr_error_set(err, EINVAL, "endpoint %s: unknown phase '%s'", e->id, phase);
	e->vf = (int)vf;
	e->saved.vf = e->vf;
	if (!spec_id_valid(e->id))
		return sr_error_set(err, EINVAL, "endpoint id '%s' is not valid", e->id);
	return 0;
}

/* Duplicate checks by sorting (O(N log N)): a start with thousands of endpoints must not
 * compare every pair. Ties keep file order, so messages name the earlier entry first. */
struct ep_key {
	const struct ep_record *e;
	size_t index;
};

static int by_id(const void *a, const void *b)
{
	const struct ep_key *x = a, *y = b;
	int c = strcmp(x->e->id, y->e->id);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int by_vf(const void *a, const void *b)
{
	const struct ep_key *x = a, *y = b;
	int c = strcmp(x->e->pf_pci, y->e->pf_pci);
	if (!c)
		c = (x->e->vf > y->e->vf) - (x->e->vf < y->e->vf);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

struct net_key {
	const struct net_record *n;
};

static int by_net_id(const void *a, const void *b)
{
	const struct net_key *x = a, *y = b;
	return strcmp(x->n->id, y->n->id);
}

static int check_unique(const struct state *st, sr_error *err)
{
	struct ep_key *keys = calloc(st->ep_count ? st->ep_count : 1, sizeof(*keys));
	struct net_key *nets = calloc(st->net_count ? st->net_count : 1, sizeof(*nets));
	int rc = -1;
	if (!keys || !nets) {
		sr_error_set_errno(err, ENOMEM, "check state");
		goto out;
	}
	for (size_t i = 0; i < st->net_count; i++)
		nets[i].n = &st->nets[i];
	qsort(nets, st->net_count, sizeof(*nets), by_net_id);
	for (size_t i = 1; i < st->net_count; i++)
		if (!strcmp(nets[i - 1].n->id, nets[i].n->id)) {
			sr_error_set(err, EINVAL, "network %s is listed twice", nets[i].n->id);
			goto out;
		}
	for (size_t i = 0; i < st->ep_count; i++)
		keys[i] = (struct ep_key){&st->eps[i], i};
	qsort(keys, st->ep_count, sizeof(*keys), by_id);
	for (size_t i = 1; i < st->ep_count; i++)
		if (!strcmp(keys[i - 1].e->id, keys[i].e->id)) {
			sr_error_set(err, EINVAL, "endpoint %s is listed twice", keys[i].e->id);
			goto out;
		}
	/* VF ownership is derived from the endpoints: two owners would hand one VF out twice */
	qsort(keys, st->ep_count, sizeof(*keys), by_vf);
	for (size_t i = 1; i < st->ep_count; i++) {
		const struct ep_record *a = keys[i - 1].e, *b = keys[i].e;
		if (a->vf == b->vf && !strcmp(a->pf_pci, b->pf_pci)) {
			sr_error_set(err, EINVAL, "endpoints %s and %s both own VF %d of %s", a->id, b->id, b->vf,
				     b->pf_pci);
			goto out;
		}
	}
	/* every endpoint's network, looked up in the sorted list */
	for (size_t i = 0; i < st->ep_count; i++) {
		struct net_record wanted;
		const struct net_key key = {&wanted};
		memcpy(wanted.id, st->eps[i].network_id, sizeof(wanted.id));
		if (!bsearch(&key, nets, st->net_count, sizeof(*nets), by_net_id)) {
			sr_error_set(err, EINVAL, "endpoint %s names unknown network %s", st->eps[i].id,
				     st->eps[i].network_id);
			goto out;
		}
	}
	rc = 0;
out:
	free(keys);
	free(nets);
	return rc;
}

int state_from_json(const char *text, struct state *st, sr_error *err)
{
	json_error_t jerr;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	json_t *nets, *eps, *item;
	size_t i;
	int rc = -1;
	if (!root)
		return sr_error_set(err, EINVAL, "invalid JSON at line %d: %s", jerr.line, jerr.text);
	nets = json_object_get(root, "networks");
	eps = json_object_get(root, "endpoints");
	if (!json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != STATE_VERSION || !json_is_array(nets) ||
	    !json_is_array(eps)) {
		sr_error_set(err, EINVAL, "not a version %d state file", STATE_VERSION);
		goto out;
	}
	json_array_foreach(nets, i, item) {
		struct net_record n;
		if (net_from_json(item, &n, err) < 0 || !state_add_net(st, &n, err))
			goto out;
	}
	json_array_foreach(eps, i, item) {
		struct ep_record e;
		if (ep_from_json(item, &e, err) < 0 || !state_add_ep(st, &e, err))
			goto out;
	}
	rc = check_unique(st, err);
out:
	json_decref(root);
	return rc;
}
