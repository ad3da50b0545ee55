#include "state.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/atomic_file.h"
#include "../../common/journal.h"
#include "../../common/obj_dir.h"
#include "json_mac.h"
#include "state_ipconf.h"
#include "state_pfs.h"

#define STATE_VERSION 1   /* the whole state in state.json */
#define STATE_VERSION_DIRS 2 /* state.json a marker, one file per record in networks/ and endpoints/ */
#define STATE_VERSION_JOURNAL 3 /* the same, with journal/ replayed over them (state_journal.h) */

enum { LAYOUT_NONE = 0, LAYOUT_ONE_FILE = 1, LAYOUT_DIRS = 2 };
#define COMPARE_MAX 64 /* touched records read back before a save; more are written unread */

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

/* Written before a conversion touches the folders, removed once the marker replaced the old
 * file: records found there beside a version 1 state.json are the conversion's only with it. */
static int conversion_note_path(const char *dir, char *out, size_t size, sr_error *err)
{
	if (snprintf(out, size, "%s/state.json.converting", dir) >= (int)size)
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

static int sub_path(const char *dir, const char *name, char *out, size_t size, sr_error *err)
{
	if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	return 0;
}

static void clear_touched(struct state *st)
{
	if (st->net_count)
		memset(st->net_touched, 0, st->net_count);
	if (st->ep_count)
		memset(st->ep_touched, 0, st->ep_count);
}

struct load_ctx {
	struct state *st;
	bool ep;
};

static int net_from_json(json_t *o, struct net_record *n, sr_error *err);
static int ep_from_json(json_t *o, struct ep_record *e, sr_error *err);
static int check_unique(const struct state *st, sr_error *err);

/* One record's file: the record, whose ID must be the file's name. */
static int load_record(void *ctx, const char *id, const char *path, const char *text, sr_error *err)
{
	struct load_ctx *c = ctx;
	json_error_t jerr;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	int rc = -1;
	if (!o)
		return sr_error_set(err, EINVAL, "load %s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
	if (c->ep) {
		struct ep_record e;
		if (ep_from_json(o, &e, err) < 0)
			goto out;
		if (strcmp(e.id, id) != 0) {
			sr_error_set(err, EINVAL, "endpoint %s is in the file of %s", e.id, id);
			goto out;
		}
		if (!state_add_ep(c->st, &e, err))
			goto out;
	} else {
		struct net_record n;
		if (net_from_json(o, &n, err) < 0)
			goto out;
		if (strcmp(n.id, id) != 0) {
			sr_error_set(err, EINVAL, "network %s is in the file of %s", n.id, id);
			goto out;
		}
		if (!state_add_net(c->st, &n, err))
			goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc < 0 ? sr_error_wrap(err, "load %s", path) : 0;
}

static int load_dirs(const char *dir, struct state *st, const struct journal *replay, sr_error *err)
{
	static const char *const names[] = {"networks", "endpoints"};
	char sub[600];
	for (int i = 0; i < 2; i++) {
		struct load_ctx ctx = {st, i == 1};
		size_t objects;
		if (sub_path(dir, names[i], sub, sizeof(sub), err) < 0)
			return -1;
		int have = obj_dir_probe(sub, &objects, err);
		if (have < 0)
			return sr_error_wrap(err, "state dir %s", dir);
		if (!have)
			return sr_error_set(err, ENOENT,
					    "state dir %s: state.json says the state is in %s/ but %s is missing; restore "
					    "it (is the state disk mounted?), or start with --init to abandon the saved state",
					    dir, names[i], sub);
		const struct obj_dir_image *images;
		size_t n_images;
		journal_folder_images(replay, names[i], &images, &n_images);
		if (obj_dir_load_over(sub, images, n_images, load_record, &ctx, err) < 0)
			return -1;
	}
	/* every touched flag set by state_add_* above: nothing to write at the next save */
	clear_touched(st);
	return check_unique(st, err) < 0 ? sr_error_wrap(err, "load %s", dir) : 0;
}

/* No state.json: records left in the folders mean the marker was lost, not a fresh start. */
static int check_no_orphans(const char *dir, sr_error *err)
{
	static const char *const names[] = {"networks", "endpoints"};
	char sub[600];
	for (int i = 0; i < 2; i++) {
		size_t objects;
		if (sub_path(dir, names[i], sub, sizeof(sub), err) < 0)
			return -1;
		int have = obj_dir_probe(sub, &objects, err);
		if (have < 0)
			return sr_error_wrap(err, "state dir %s", dir);
		if (objects)
			return sr_error_set(err, ENOENT,
					    "state dir %s: state.json is missing but %s holds %zu records; restore it (is the "
					    "state disk mounted?), or start with --init to abandon the saved state",
					    dir, sub, objects);
	}
	return 0;
}

/* A version 1 state.json is converted by rewriting both folders whole: only when they hold
 * no records, or only an interrupted conversion's. Records there without its note were
 * written under a version 2 marker (an older state.json restored over newer state, or an
 * upgrade after a downgrade): which one is current cannot be told, and the conversion would
 * delete them. A symlink in place of a folder is refused (never emptied through). */
static int check_convertible(const char *dir, sr_error *err)
{
	static const char *const names[] = {"networks", "endpoints"};
	char sub[600], note[600];
	if (conversion_note_path(dir, note, sizeof(note), err) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		size_t objects;
		if (sub_path(dir, names[i], sub, sizeof(sub), err) < 0)
			return -1;
		int unclaimed = obj_dir_unclaimed(sub, note, &objects, err);
		if (unclaimed < 0)
			return sr_error_wrap(err, "state dir %s", dir);
		if (unclaimed)
			return sr_error_set(err, EEXIST,
					    "state dir %s: state.json is a version 1 file (the whole state) but %s holds "
					    "%zu records of the newer layout (an older state.json restored, or an upgrade "
					    "after a downgrade); converting would delete them. If the folders are current, "
					    "put back a version 2 state.json ({\"version\": 2}); if state.json is, move "
					    "networks/ and endpoints/ aside; or start with --init",
					    dir, sub, objects);
	}
	return 0;
}

static int version_of(const char *text)
{
	json_t *root = json_loads(text, 0, NULL);
	json_t *v = json_object_get(root, "version");
	int version = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	json_decref(root);
	return version;
}

int state_open(const char *dir, struct state *st, sr_error *err)
{
	return state_open_over(dir, st, NULL, err);
}

int state_open_over(const char *dir, struct state *st, const struct journal *replay, sr_error *err)
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
			return check_no_orphans(dir, err);
		}
		return -1;
	}
	int version = version_of(text);
	if (version == STATE_VERSION_DIRS || version == STATE_VERSION_JOURNAL) {
		rc = load_dirs(dir, st, replay, err);
		st->journal_marker = version == STATE_VERSION_JOURNAL;
		st->layout = LAYOUT_DIRS;
		/* a finished conversion's note (the crash came after the marker's rename) */
		if (rc == 0 && conversion_note_path(dir, path, sizeof(path), NULL) == 0)
			(void)unlink(path);
	} else {
		rc = state_from_json(text, st, err);
		if (rc < 0)
			sr_error_wrap(err, "load %s", path);
		else
			rc = check_convertible(dir, err);
		/* an older version's file: converted by the next save (state_dir_open flushes it) */
		st->layout = LAYOUT_ONE_FILE;
		st->dirty = true;
	}
	free(text);
	if (rc < 0) {
		state_free(st);
		return -1;
	}
	st->loaded = true;
	return 0;
}

void state_free(struct state *st)
{
	free(st->nets);
	free(st->eps);
	free(st->net_touched);
	free(st->ep_touched);
	free(st->gone);
	st->nets = NULL;
	st->eps = NULL;
	st->net_touched = st->ep_touched = NULL;
	st->gone = NULL;
	st->net_count = st->net_cap = st->ep_count = st->ep_cap = st->gone_count = st->gone_cap = 0;
}

void state_mark_released(struct state *st, struct ep_record *rec)
{
	rec->phase = EP_RELEASED;
	rec->joined = false;
	rec->sandbox_key[0] = '\0';
	rec->sandbox_seen = false;
	rec->sandbox_mounted = false;
	state_touch_ep(st, rec);
}

void state_touch_ep(struct state *st, const struct ep_record *rec)
{
	if (st->ep_touched && rec >= st->eps && rec < st->eps + st->ep_count)
		st->ep_touched[rec - st->eps] = 1;
}

/* A removed record's file goes at the next save. Without memory for the note the
 * next save writes everything (a full rewrite drops every file not in memory). */
static void note_gone(struct state *st, bool ep, const char *id)
{
	if (st->gone_count == st->gone_cap) {
		size_t cap = st->gone_cap ? st->gone_cap * 2 : 8;
		struct state_gone *p = realloc(st->gone, cap * sizeof(*p));
		if (!p) {
			if (st->layout == LAYOUT_DIRS)
				st->layout = LAYOUT_ONE_FILE;
			return;
		}
		st->gone = p;
		st->gone_cap = cap;
	}
	st->gone[st->gone_count].ep = ep;
	snprintf(st->gone[st->gone_count].id, sizeof(st->gone[0].id), "%s", id);
	st->gone_count++;
}

static size_t net_index(const struct state *st, const char *id)
{
	size_t i = 0;
	while (i < st->net_count && strcmp(st->nets[i].id, id) != 0)
		i++;
	return i;
}

static size_t ep_index(const struct state *st, const char *id)
{
	size_t i = 0;
	while (i < st->ep_count && strcmp(st->eps[i].id, id) != 0)
		i++;
	return i;
}

const struct net_record *state_find_net(const struct state *st, const char *id)
{
	size_t i = net_index(st, id);
	return i < st->net_count ? &st->nets[i] : NULL;
}

const struct ep_record *state_find_ep(const struct state *st, const char *id)
{
	size_t i = ep_index(st, id);
	return i < st->ep_count ? &st->eps[i] : NULL;
}

const struct ep_record *state_find_vf_owner(const struct state *st, const char *pf_pci, int vf)
{
	for (size_t i = 0; i < st->ep_count; i++)
		if (st->eps[i].vf == vf && !strcmp(st->eps[i].pf_pci, pf_pci))
			return &st->eps[i];
	return NULL;
}

/* Marked: the next save compares the record with its file (a copy, state_copy, has no flags). */
struct ep_record *state_ep_for_change(struct state *st, const char *id)
{
	size_t i = ep_index(st, id);
	if (i == st->ep_count)
		return NULL;
	if (st->ep_touched)
		st->ep_touched[i] = 1;
	return &st->eps[i];
}

bool state_net_set_delete_pending(struct state *st, const char *id, bool pending)
{
	size_t i = net_index(st, id);
	if (i == st->net_count)
		return false;
	st->nets[i].delete_pending = pending; /* memory only: no file to compare, nothing marked */
	return true;
}

/* Room for one more record in array and its touched flags (both of capacity *cap). */
static int grow(void **array, unsigned char **touched, size_t *cap, size_t count, size_t elem)
{
	size_t new_cap;
	void *p;
	unsigned char *t;
	if (count < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 8;
	p = realloc(*array, new_cap * elem);
	if (!p)
		return -1;
	*array = p;
	t = realloc(*touched, new_cap);
	if (!t)
		return -1; /* *cap unchanged: the next add tries again; the array only got bigger */
	*touched = t;
	*cap = new_cap;
	return 0;
}

/* A copy of rec (elem bytes) appended to array, marked touched; NULL when out of memory. */
static void *append_record(void **array, unsigned char **touched, size_t *cap, size_t *count, size_t elem,
			   const void *rec)
{
	char *slot;
	if (grow(array, touched, cap, *count, elem) < 0)
		return NULL;
	slot = (char *)*array + *count * elem;
	memcpy(slot, rec, elem);
	(*touched)[(*count)++] = 1;
	return slot;
}

struct net_record *state_add_net(struct state *st, const struct net_record *rec, sr_error *err)
{
	void *array = st->nets;
	struct net_record *added =
		append_record(&array, &st->net_touched, &st->net_cap, &st->net_count, sizeof(*rec), rec);
	st->nets = array;
	if (!added)
		sr_error_set_errno(err, ENOMEM, "add network %s", rec->id);
	return added;
}

struct ep_record *state_add_ep(struct state *st, const struct ep_record *rec, sr_error *err)
{
	void *array = st->eps;
	struct ep_record *added = append_record(&array, &st->ep_touched, &st->ep_cap, &st->ep_count, sizeof(*rec), rec);
	st->eps = array;
	if (!added)
		sr_error_set_errno(err, ENOMEM, "add endpoint %s", rec->id);
	return added;
}

/* Record i (elem bytes) taken out of array and its touched flags. */
static void remove_record(void *array, unsigned char *touched, size_t *count, size_t elem, size_t i)
{
	char *base = array;
	memmove(base + i * elem, base + (i + 1) * elem, (*count - i - 1) * elem);
	memmove(&touched[i], &touched[i + 1], *count - i - 1);
	(*count)--;
}

void state_remove_net(struct state *st, const char *id)
{
	size_t i = net_index(st, id);
	if (i == st->net_count)
		return;
	note_gone(st, false, st->nets[i].id);
	remove_record(st->nets, st->net_touched, &st->net_count, sizeof(st->nets[0]), i);
}

void state_remove_ep(struct state *st, const char *id)
{
	size_t i = ep_index(st, id);
	if (i == st->ep_count)
		return;
	note_gone(st, true, st->eps[i].id);
	remove_record(st->eps, st->ep_touched, &st->ep_count, sizeof(st->eps[0]), i);
}

/* ---- JSON ---- */

static json_t *net_common_to_json(const struct net_record *n);

static json_t *net_to_json(const struct net_record *n)
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

static json_t *ep_to_json(const struct ep_record *e)
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
	return st->dirty || st->later ? state_save(st, err) : 0;
}

void state_save_later(struct state *st)
{
	st->later = true;
}

/* The changes of one save, for one folder at a time (the texts are ours); with a journal,
 * every folder's changes go into one commit instead. */
struct batch {
	struct obj_dir_change *c;
	size_t n;
	struct journal_txn *txn;
};

/* json_dumps' text comes from jansson's allocator (json_set_alloc_funcs): freed by its free */
static void text_free(const char *text)
{
	json_free_t json_free_fn;
	json_get_alloc_funcs(NULL, &json_free_fn);
	json_free_fn((char *)text);
}

static void batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		text_free(b->c[i].text);
	b->n = 0;
}

static char *record_text(json_t *o)
{
	char *text = o ? json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return text;
}

/* Queues rec's text when it differs from its file (or always, when all). */
static int queue_write(struct batch *b, const char *sub, const char *id, json_t *o, bool all, sr_error *err)
{
	char *text = record_text(o), *on_disk = NULL;
	int have;
	if (!text)
		return sr_error_set_errno(err, ENOMEM, "encode %s", id);
	if (!all) {
		have = obj_dir_read(sub, id, &on_disk, err);
		if (have < 0) {
			text_free(text);
			return -1;
		}
		bool same = have == 0 && !strcmp(on_disk, text);
		free(on_disk);
		if (same) {
			text_free(text);
			return 0;
		}
	}
	b->c[b->n++] = (struct obj_dir_change){id, text};
	return 0;
}

static int apply(const char *sub, struct batch *b, sr_error *err)
{
	int rc;
	if (!b->txn)
		rc = obj_dir_apply(sub, b->c, b->n, err);
	else /* entries named by the folder's name in the state dir */
		rc = journal_txn_add_records(b->txn, strrchr(sub, '/') + 1, b->c, b->n) < 0
			     ? sr_error_set_errno(err, ENOMEM, "save state")
			     : 0;
	batch_clear(b);
	return rc;
}

/* Every record (the first save of this layout: a fresh dir or a version 1 state.json). The
 * folders are not the state until the marker says so: a note says that what is in them is this
 * rewrite's (check_convertible), then every record is written and only then what memory does
 * not hold removed, in the order of save_changes, so the folders never hold less than memory. */
static int save_all(struct state *st, const char *nets_dir, const char *eps_dir, struct batch *b, sr_error *err)
{
	char path[600], note[600];
	const char *marker = STATE_MARKER_DIRS;
	const char *note_text = "a conversion of state.json to networks/ and endpoints/ is under way: their records "
				"are its own until state.json says version 2\n";
	const char **net_ids = calloc(st->net_count + 1, sizeof(*net_ids));
	const char **ep_ids = calloc(st->ep_count + 1, sizeof(*ep_ids));
	int rc = -1;
	if (!net_ids || !ep_ids) {
		sr_error_set_errno(err, ENOMEM, "save state");
		goto out;
	}
	for (size_t i = 0; i < st->net_count; i++)
		net_ids[i] = st->nets[i].id;
	for (size_t i = 0; i < st->ep_count; i++)
		ep_ids[i] = st->eps[i].id;
	if (conversion_note_path(st->dir, note, sizeof(note), err) < 0 ||
	    state_file_path(st->dir, path, sizeof(path), err) < 0 ||
	    atomic_file_write(note, note_text, strlen(note_text), err) < 0)
		goto out;
	if ((mkdir(nets_dir, 0700) < 0 && errno != EEXIST) || (mkdir(eps_dir, 0700) < 0 && errno != EEXIST)) {
		sr_error_set_errno(err, errno, "create the folders of %s", st->dir);
		goto out;
	}
	for (size_t i = 0; i < st->net_count; i++)
		if (queue_write(b, nets_dir, st->nets[i].id, net_to_json(&st->nets[i]), true, err) < 0)
			goto out;
	if (apply(nets_dir, b, err) < 0 || obj_dir_keep_only(eps_dir, ep_ids, st->ep_count, err) < 0)
		goto out;
	for (size_t i = 0; i < st->ep_count; i++)
		if (queue_write(b, eps_dir, st->eps[i].id, ep_to_json(&st->eps[i]), true, err) < 0)
			goto out;
	if (apply(eps_dir, b, err) < 0 || obj_dir_keep_only(nets_dir, net_ids, st->net_count, err) < 0)
		goto out;
	/* one rename switches the dir over: before it a version 1 state.json (or nothing) is the state */
	if (atomic_file_write(path, marker, strlen(marker), err) < 0)
		goto out;
	(void)unlink(note); /* one left by a crash here goes at the next start */
	st->layout = LAYOUT_DIRS;
	rc = 0;
out:
	free(net_ids);
	free(ep_ids);
	return rc;
}

static bool gone_back(struct state *st, const struct state_gone *g)
{
	/* re-added since (a failed save undone): its touched flag writes it */
	if (g->ep) {
		for (size_t i = 0; i < st->ep_count; i++)
			if (!strcmp(st->eps[i].id, g->id))
				return true;
	} else {
		for (size_t i = 0; i < st->net_count; i++)
			if (!strcmp(st->nets[i].id, g->id))
				return true;
	}
	return false;
}

static int queue_removals(struct state *st, bool ep, struct batch *b)
{
	for (size_t i = 0; i < st->gone_count; i++)
		if (st->gone[i].ep == ep && !gone_back(st, &st->gone[i]))
			b->c[b->n++] = (struct obj_dir_change){st->gone[i].id, NULL};
	return 0;
}

/* Only what changed, in an order whose every prefix loads: networks written, endpoints
 * removed (before a new owner of their VF is written), endpoints written, networks removed. */
static size_t count_touched(const struct state *st)
{
	size_t touched = 0;
	for (size_t i = 0; i < st->net_count; i++)
		touched += st->net_touched[i];
	for (size_t i = 0; i < st->ep_count; i++)
		touched += st->ep_touched[i];
	return touched;
}

static int save_changes(struct state *st, const char *nets_dir, const char *eps_dir, struct batch *b, sr_error *err)
{
	bool blind;
	/* Reading each file back spares a rewrite to records only looked at; a bulk change (a
	 * start-up sweep marking thousands of sandboxes seen) changed them all: just write. With a
	 * journal the file may be older than the journal's copy: every touched record goes in. */
	blind = b->txn || count_touched(st) > COMPARE_MAX;
	for (size_t i = 0; i < st->net_count; i++)
		if (st->net_touched[i] && queue_write(b, nets_dir, st->nets[i].id, net_to_json(&st->nets[i]), blind, err) < 0)
			return -1;
	if (apply(nets_dir, b, err) < 0)
		return -1;
	queue_removals(st, true, b);
	if (apply(eps_dir, b, err) < 0)
		return -1;
	for (size_t i = 0; i < st->ep_count; i++)
		if (st->ep_touched[i] && queue_write(b, eps_dir, st->eps[i].id, ep_to_json(&st->eps[i]), blind, err) < 0)
			return -1;
	if (apply(eps_dir, b, err) < 0)
		return -1;
	queue_removals(st, false, b);
	return apply(nets_dir, b, err);
}

int state_save(struct state *st, sr_error *err)
{
	char nets_dir[600], eps_dir[600];
	/* room for every change this save can make (not for every record, unless it writes them all) */
	size_t most = (st->layout == LAYOUT_DIRS ? count_touched(st) : st->net_count + st->ep_count) + st->gone_count;
	struct journal_txn txn;
	struct batch b = {calloc(most ? most : 1, sizeof(*b.c)), 0, NULL};
	int rc = -1;
	journal_txn_init(&txn);
	if (st->journal && st->layout == LAYOUT_DIRS)
		b.txn = &txn; /* state_journal.h: one commit, compacted into the files later */
	if (!b.c) {
		sr_error_set_errno(err, ENOMEM, "save state");
		goto out;
	}
	if (sub_path(st->dir, "networks", nets_dir, sizeof(nets_dir), err) < 0 ||
	    sub_path(st->dir, "endpoints", eps_dir, sizeof(eps_dir), err) < 0)
		goto out;
	rc = st->layout == LAYOUT_DIRS ? save_changes(st, nets_dir, eps_dir, &b, err)
				       : save_all(st, nets_dir, eps_dir, &b, err);
	if (rc == 0 && b.txn)
		rc = journal_commit(st->journal, &txn, err);
out:
	journal_txn_free(&txn);
	if (b.c)
		batch_clear(&b);
	free(b.c);
	st->dirty = rc < 0;
	if (rc < 0)
		return sr_error_wrap(err, "save state");
	/* the flags are cleared only now: a failed save leaves every change pending */
	clear_touched(st);
	st->later = false;
	st->gone_count = 0;
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

static int ep_from_json(json_t *o, struct ep_record *e, sr_error *err)
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
	/* every endpoint's network, looked up in the sorted list; a released record outlives its
	 * network (DeleteNetwork keeps the proof that a VF not home yet is ours) */
	for (size_t i = 0; i < st->ep_count; i++) {
		struct net_record wanted;
		const struct net_key key = {&wanted};
		if (st->eps[i].phase == EP_RELEASED)
			continue;
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
