/* The store on disk: <dir>/ipam.json and one file per pool, <dir>/pools/<id>.json.
 *
 * ipam.json: { "version": 2, "next_id": 3, "layout": "pools/<id>.json" }
 * pools/sriov-1-10.9.0.0_16.json:
 *     { "id": "sriov-1-10.9.0.0_16", "address_space": "local",
 *       "pool": "10.9.0.0/16", "sub_pool": "10.9.1.0/24",
 *       "exclude": "10.9.1.5,10.9.1.10-10.9.1.20",
 *       "allocated": ["10.9.0.1", "10.9.1.0-10.9.1.41"] }
 *
 * "allocated" lists runs of consecutive handed-out addresses, so a full /16
 * is one string and the file stays readable. "sub_pool" and "exclude" are ""
 * when unset. A change rewrites only its pool's file (and ipam.json when
 * next_id moved), each replaced whole (tmp file, fsync, rename, fsync of the
 * folder), so a crash leaves either the old or the new version of each.
 *
 * Version 1 (older plugins) held every pool in ipam.json itself ("pools": [...]):
 * loaded as it is, then converted by the next save: the pool files are written
 * and made durable first, then the version 2 ipam.json replaces the old one in
 * one rename, so a crash at any point leaves a dir that loads. */
#include "ipam_store_internal.h"

#include "../common/atomic_file.h"
#include "../common/journal.h"
#include "../common/obj_dir.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IPAM_FILE_VERSION 1      /* every pool in ipam.json */
#define IPAM_FILE_VERSION_DIRS 2 /* ipam.json holds next_id; the pools are in pools/ */

/* ---- save ---- */

static json_t *pool_to_json(const struct ipam_store_entry *e)
{
	const struct ipam_prefix *sub = ipam_pool_sub_prefix(e->pool);
	char pool_text[IPAM_CIDR_MAX], sub_text[IPAM_CIDR_MAX] = "";
	json_t *obj = json_object(), *allocated = json_array();
	struct ipam_range run;
	ipam_u128 from = 0;

	if (!obj || !allocated)
		goto fail;
	ipam_prefix_format(ipam_pool_prefix(e->pool), pool_text);
	if (sub)
		ipam_prefix_format(sub, sub_text);
	while (ipam_pool_next_run(e->pool, from, &run)) {
		char text[IPAM_RANGE_STR_MAX];

		ipam_pool_format_range(e->pool, &run, text);
		if (json_array_append_new(allocated, json_string(text)) < 0)
			goto fail;
		if (run.hi == ipam_prefix_last_offset(ipam_pool_prefix(e->pool)))
			break;
		from = run.hi + 1;
	}
	if (json_object_set_new(obj, "id", json_string(e->id)) < 0 ||
	    json_object_set_new(obj, "address_space", json_string(e->address_space)) < 0 ||
	    json_object_set_new(obj, "pool", json_string(pool_text)) < 0 ||
	    json_object_set_new(obj, "sub_pool", json_string(sub_text)) < 0 ||
	    json_object_set_new(obj, "exclude", json_string(ipam_pool_exclude_spec(e->pool))) < 0)
		goto fail; /* allocated is still ours here */
	/* set_new steals the reference even on failure */
	if (json_object_set_new(obj, "allocated", allocated) < 0) {
		allocated = NULL;
		goto fail;
	}
	return obj;
fail:
	json_decref(allocated);
	json_decref(obj);
	return NULL;
}

char *ipam_store_pool_text(const struct ipam_store_entry *e)
{
	json_t *obj = pool_to_json(e);
	char *text = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(obj);
	return text;
}

/* json_dumps' text comes from jansson's allocator (json_set_alloc_funcs): freed by its free */
static void free_texts(struct obj_dir_change *c, size_t n)
{
	json_free_t json_free_fn;

	json_get_alloc_funcs(NULL, &json_free_fn);
	for (size_t i = 0; i < n; i++)
		json_free_fn((char *)c[i].text);
}

void ipam_store_text_free(char *text)
{
	free_texts(&(struct obj_dir_change){"", text}, 1);
}

char *ipam_store_marker_text(const struct ipam_store *store)
{
	json_t *root = json_pack("{s:i, s:I, s:s}", "version", IPAM_FILE_VERSION_DIRS, "next_id",
				 (json_int_t)store->next_id, "layout", "pools/<id>.json");
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return text;
}

static int write_marker(struct ipam_store *store, sr_error *err)
{
	char *text = ipam_store_marker_text(store);
	int rc;
	if (!text)
		return sr_error_set(err, ENOMEM, "save %s: cannot encode JSON", store->path);
	rc = atomic_file_write(store->path, text, strlen(text), err);
	ipam_store_text_free(text);
	return rc < 0 ? -1 : 0;
}

/* The pools marked dirty (or all), written in one batch. */
static int write_pools(struct ipam_store *store, bool all, struct obj_dir_change *c, sr_error *err)
{
	size_t n = 0;
	int rc;
	for (size_t i = 0; i < store->n_entries; i++) {
		const struct ipam_store_entry *e;
		if (!all && !store->keys[i].dirty)
			continue;
		e = store->entries[i];
		c[n].id = e->id;
		c[n].text = ipam_store_pool_text(e);
		if (!c[n++].text) {
			free_texts(c, n);
			return sr_error_set(err, ENOMEM, "save pool %s: cannot encode JSON", e->id);
		}
	}
	rc = obj_dir_apply(store->pools_dir, c, n, err);
	free_texts(c, n);
	return rc;
}

static bool held(const struct ipam_store *store, const char *id)
{
	return ipam_store_find(store, id) < store->n_entries;
}

static int save_changes(struct ipam_store *store, struct obj_dir_change *c, sr_error *err)
{
	size_t n = 0;
	/* released pools' files first: a new pool over the same prefix must never sit beside them */
	for (size_t i = 0; i < store->n_gone; i++)
		if (!held(store, store->gone[i]))
			c[n++] = (struct obj_dir_change){store->gone[i], NULL};
	if (obj_dir_apply(store->pools_dir, c, n, err) < 0)
		return -1;
	/* next_id before the pool named by it: a crash between leaves an unused number, never a reused one */
	if (store->meta_dirty && write_marker(store, err) < 0)
		return -1;
	return write_pools(store, false, c, err);
}

/* The first save of this layout (a fresh dir, or a version 1 ipam.json being converted).
 * pools/ is not the store until ipam.json says so: a note says that what is in it is this
 * rewrite's (check_convertible), the files of pools memory does not hold go (first, as in
 * save_changes: a pool must never sit beside another over its prefix), then every pool is
 * written, then the marker. */
static int save_all(struct ipam_store *store, struct obj_dir_change *c, sr_error *err)
{
	static const char note_text[] = "a conversion of ipam.json to pools/ is under way: its pools are "
					"its own until ipam.json says version 2\n";
	const char **ids = calloc(store->n_entries + 1, sizeof(*ids));
	int rc = -1;
	if (!ids)
		return sr_error_set_errno(err, ENOMEM, "save %s", store->path);
	for (size_t i = 0; i < store->n_entries; i++)
		ids[i] = store->entries[i]->id;
	if (atomic_file_write(store->note_path, note_text, strlen(note_text), err) >= 0 &&
	    obj_dir_keep_only(store->pools_dir, ids, store->n_entries, err) == 0 &&
	    write_pools(store, true, c, err) == 0 && write_marker(store, err) == 0) {
		(void)unlink(store->note_path); /* one left by a crash here goes at the next start */
		store->per_pool = true;
		rc = 0;
	}
	free(ids);
	return rc;
}

int ipam_store_save(struct ipam_store *store, sr_error *err)
{
	size_t most = store->n_gone;
	struct obj_dir_change *c;
	int rc;

	/* room for what this save writes, not for every pool held */
	for (size_t i = 0; i < store->n_entries; i++)
		most += !store->per_pool || store->keys[i].dirty;
	c = calloc(most ? most : 1, sizeof(*c));

	if (!c)
		rc = sr_error_set_errno(err, ENOMEM, "save %s", store->path);
	else if (store->journal && store->per_pool)
		rc = ipam_store_save_journal(store, err);
	else
		rc = store->per_pool ? save_changes(store, c, err) : save_all(store, c, err);
	free(c);
	store->dirty = rc < 0;
	if (rc < 0)
		return sr_error_wrap(err, "save %s", store->path);
	/* cleared only now: a failed save leaves every change pending */
	for (size_t i = 0; i < store->n_entries; i++)
		store->keys[i].dirty = false;
	store->n_gone = 0;
	store->meta_dirty = false;
	return 0;
}

void ipam_store_note_gone(struct ipam_store *store, const char *id)
{
	if (store->n_gone == store->cap_gone) {
		size_t cap = store->cap_gone ? store->cap_gone * 2 : 8;
		char(*grown)[IPAM_POOL_ID_MAX + 1] = realloc(store->gone, cap * sizeof(*grown));
		if (!grown) {
			/* no room for the note: the next save rewrites pools/ whole, which drops it too */
			store->per_pool = false;
			return;
		}
		store->gone = grown;
		store->cap_gone = cap;
	}
	snprintf(store->gone[store->n_gone++], IPAM_POOL_ID_MAX + 1, "%s", id);
}

/* ---- load ---- */

static bool id_valid(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > IPAM_POOL_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* obj[key] as a string; optional keys missing give "". */
static int get_string(json_t *obj, const char *key, bool required, const char **out, sr_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			return sr_error_set(err, EINVAL, "%s: missing", key);
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return sr_error_set(err, EINVAL, "%s: not a string", key);
	*out = json_string_value(v);
	return 0;
}

static int load_allocated(struct ipam_pool *pool, json_t *allocated, sr_error *err)
{
	size_t i;
	json_t *item;

	/* required: a pool read without it would hand out every address again */
	if (!allocated)
		return sr_error_set(err, EINVAL, "allocated: missing");
	if (!json_is_array(allocated))
		return sr_error_set(err, EINVAL, "allocated: not an array");
	json_array_foreach(allocated, i, item) {
		struct ipam_range range;

		if (!json_is_string(item))
			return sr_error_set(err, EINVAL, "allocated[%zu]: not a string", i);
		if (ipam_pool_parse_range(pool, json_string_value(item), &range, err) < 0 ||
		    ipam_pool_mark_range(pool, &range, err) < 0)
			return sr_error_wrap(err, "allocated[%zu]", i);
	}
	return 0;
}

/* IDs are "sriov-<n>-...": next_id must stay above every n held, or a new pool could get the
 * ID of one dockerd still knows; at most IPAM_NEXT_ID_MAX, what ipam.json can hold (then
 * RequestPool refuses: no number is left). */
static void bump_next_id(struct ipam_store *store, const char *id)
{
	unsigned long long n;

	if (sscanf(id, "sriov-%llu-", &n) == 1 && n >= store->next_id)
		store->next_id = n < IPAM_NEXT_ID_MAX ? n + 1 : IPAM_NEXT_ID_MAX;
}

static int load_pool(struct ipam_store *store, json_t *obj, sr_error *err)
{
	/* set by get_string on success; initialised because the analyzer cannot see
	 * that sr_error_set (another file) always returns -1 */
	const char *id = "", *space = "", *pool_text = "", *sub_text = "", *exclude = "";
	struct ipam_store_entry *e = NULL;

	if (!json_is_object(obj))
		return sr_error_set(err, EINVAL, "not an object");
	if (get_string(obj, "id", true, &id, err) < 0 || get_string(obj, "address_space", true, &space, err) < 0 ||
	    get_string(obj, "pool", true, &pool_text, err) < 0 ||
	    get_string(obj, "sub_pool", false, &sub_text, err) < 0 ||
	    get_string(obj, "exclude", false, &exclude, err) < 0)
		return -1;
	if (!id_valid(id) || !obj_dir_id_ok(id))
		return sr_error_set(err, EINVAL, "id '%.64s': not a valid pool ID (one that can name its file)", id);
	e = calloc(1, sizeof(*e));
	if (!e)
		return sr_error_set_errno(err, ENOMEM, "pool %s", id);
	memcpy(e->id, id, strlen(id) + 1); /* id_valid: at most IPAM_POOL_ID_MAX chars */
	e->address_space = strdup(space);
	if (!e->address_space) {
		sr_error_set_errno(err, ENOMEM, "pool %s", id);
		goto fail;
	}
	if (ipam_pool_create(pool_text, sub_text, exclude, &e->pool, err) < 0 ||
	    load_allocated(e->pool, json_object_get(obj, "allocated"), err) < 0) {
		sr_error_wrap(err, "pool %s", id);
		goto fail;
	}
	if (ipam_store_append(store, e, err) < 0) {
		sr_error_wrap(err, "pool %s", id);
		goto fail;
	}
	bump_next_id(store, id);
	return 0;
fail:
	ipam_store_entry_free(e);
	return -1;
}

/* Checks over all pools by sorting (O(N log N)): a store of thousands of pools must not
 * compare every pair at each start. Ties keep file order: the later entry is named. */
struct pool_key {
	const struct ipam_store_entry *e;
	size_t index;
};

static int by_id(const void *a, const void *b)
{
	const struct pool_key *x = a, *y = b;
	int c = strcmp(x->e->id, y->e->id);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int by_prefix(const void *a, const void *b)
{
	const struct pool_key *x = a, *y = b;
	const struct ipam_prefix *p = ipam_pool_prefix(x->e->pool), *q = ipam_pool_prefix(y->e->pool);
	int c = strcmp(x->e->address_space, y->e->address_space);

	if (!c)
		c = (p->base.family > q->base.family) - (p->base.family < q->base.family);
	if (!c)
		c = (p->base.value > q->base.value) - (p->base.value < q->base.value);
	if (!c)
		c = (p->len > q->len) - (p->len < q->len);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int check_pools(const struct ipam_store *store, sr_error *err)
{
	struct pool_key *keys = calloc(store->n_entries ? store->n_entries : 1, sizeof(*keys));
	const struct pool_key *holder = NULL;
	ipam_u128 holder_end = 0;
	int rc = -1;
	size_t i;

	if (!keys)
		return sr_error_set_errno(err, ENOMEM, "check pools");
	for (i = 0; i < store->n_entries; i++)
		keys[i] = (struct pool_key){store->entries[i], i};
	qsort(keys, store->n_entries, sizeof(*keys), by_id);
	for (i = 1; i < store->n_entries; i++)
		if (!strcmp(keys[i - 1].e->id, keys[i].e->id)) {
			sr_error_set(err, EINVAL, "pools[%zu]: id %s: duplicate", keys[i].index, keys[i].e->id);
			goto out;
		}
	/* two pools over one prefix would hand its addresses out twice. Sorted by base, a
	 * prefix overlapping an earlier one lies inside the one reaching furthest so far. */
	qsort(keys, store->n_entries, sizeof(*keys), by_prefix);
	for (i = 0; i < store->n_entries; i++) {
		const struct ipam_prefix *p = ipam_pool_prefix(keys[i].e->pool);
		ipam_u128 end = p->base.value + ipam_prefix_last_offset(p);

		if (holder && !strcmp(holder->e->address_space, keys[i].e->address_space) &&
		    ipam_pool_prefix(holder->e->pool)->base.family == p->base.family && p->base.value <= holder_end) {
			const struct pool_key *later = holder->index > keys[i].index ? holder : &keys[i];
			const struct pool_key *earlier = later == holder ? &keys[i] : holder;
			char a[IPAM_CIDR_MAX], b[IPAM_CIDR_MAX];

			ipam_prefix_format(ipam_pool_prefix(later->e->pool), a);
			ipam_prefix_format(ipam_pool_prefix(earlier->e->pool), b);
			sr_error_set(err, EINVAL, "pools[%zu]: pool %s: %s overlaps pool %s (%s) in address space '%s'",
				     later->index, later->e->id, a, earlier->e->id, b, later->e->address_space);
			goto out;
		}
		if (!holder || strcmp(holder->e->address_space, keys[i].e->address_space) != 0 ||
		    ipam_pool_prefix(holder->e->pool)->base.family != p->base.family || end > holder_end) {
			holder = &keys[i];
			holder_end = end;
		}
	}
	rc = 0;
out:
	free(keys);
	return rc;
}

static int load_root(struct ipam_store *store, json_t *root, sr_error *err)
{
	json_t *version = json_object_get(root, "version");
	json_t *next_id = json_object_get(root, "next_id");
	json_t *pools = json_object_get(root, "pools");
	json_t *item;
	size_t i;

	if (!json_is_object(root))
		return sr_error_set(err, EINVAL, "not a JSON object");
	if (!json_is_integer(version) || json_integer_value(version) != IPAM_FILE_VERSION)
		return sr_error_set(err, EINVAL, "version: missing or not %d", IPAM_FILE_VERSION);
	if (!json_is_integer(next_id) || json_integer_value(next_id) < 1)
		return sr_error_set(err, EINVAL, "next_id: missing or not a positive integer");
	if (!json_is_array(pools))
		return sr_error_set(err, EINVAL, "pools: missing or not an array");
	store->next_id = (uint64_t)json_integer_value(next_id);
	json_array_foreach(pools, i, item) {
		if (load_pool(store, item, err) < 0)
			return sr_error_wrap(err, "pools[%zu]", i);
	}
	return check_pools(store, err);
}

/* Request order: by the number in "sriov-<n>-...", then by ID (hand-made IDs last). */
static int by_request(const void *a, const void *b)
{
	const struct ipam_store_entry *x = *(struct ipam_store_entry *const *)a;
	const struct ipam_store_entry *y = *(struct ipam_store_entry *const *)b;
	unsigned long long p = ipam_store_id_number(x->id), q = ipam_store_id_number(y->id);
	return p != q ? (p > q) - (p < q) : strcmp(x->id, y->id);
}

/* One pool's file: the pool, whose ID must be the file's name. */
static int load_pool_file(void *ctx, const char *id, const char *path, const char *text, sr_error *err)
{
	struct ipam_store *store = ctx;
	json_error_t jerr;
	json_t *obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!obj)
		return sr_error_set(err, EINVAL, "IPAM state %s: line %d: %s", path, jerr.line, jerr.text);
	rc = load_pool(store, obj, err);
	json_decref(obj);
	if (rc == 0 && strcmp(store->entries[store->n_entries - 1]->id, id) != 0)
		rc = sr_error_set(err, EINVAL, "pool %s is in the file of %s", store->entries[store->n_entries - 1]->id,
				  id);
	return rc < 0 ? sr_error_wrap(err, "IPAM state %s", path) : 0;
}

static int load_pools_dir(struct ipam_store *store, json_t *root, sr_error *err)
{
	json_t *next_id = json_object_get(root, "next_id");
	size_t objects;
	int have;

	if (!json_is_integer(next_id) || json_integer_value(next_id) < 1)
		return sr_error_set(err, EINVAL, "IPAM state %s: next_id: missing or not a positive integer",
				    store->path);
	store->next_id = (uint64_t)json_integer_value(next_id);
	have = obj_dir_probe(store->pools_dir, &objects, err);
	if (have < 0)
		return sr_error_wrap(err, "IPAM state");
	if (!have)
		return sr_error_set(err, ENOENT,
				    "IPAM state %s says the pools are in %s, which is missing; restore it (is the state "
				    "disk mounted?), or start with --init to abandon the saved state",
				    store->path, store->pools_dir);
	const struct obj_dir_image *images;
	size_t n_images;
	journal_folder_images(store->replay, "pools", &images, &n_images);
	if (obj_dir_load_over(store->pools_dir, images, n_images, load_pool_file, store, err) < 0)
		return -1;
	if (store->n_entries > 1)
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers; the element is a pointer */
		qsort(store->entries, store->n_entries, sizeof(*store->entries), by_request);
	ipam_store_rekey(store);
	store->per_pool = true;
	if (check_pools(store, err) < 0)
		return sr_error_wrap(err, "IPAM state %s", store->pools_dir);
	(void)unlink(store->note_path); /* a finished conversion's (the crash came after the marker) */
	return 0;
}

/* A version 1 ipam.json is converted by rewriting pools/ whole: only when it holds no pools, or
 * only an interrupted conversion's. Pools there without its note were written under a version 2
 * marker (an older ipam.json restored over newer state, an upgrade after a downgrade): dropping
 * them would let their prefixes be granted again. A symlink there is refused, never emptied. */
static int check_convertible(const struct ipam_store *store, sr_error *err)
{
	size_t objects;
	int unclaimed = obj_dir_unclaimed(store->pools_dir, store->note_path, &objects, err);
	if (unclaimed < 0)
		return sr_error_wrap(err, "IPAM state");
	if (unclaimed)
		return sr_error_set(err, EEXIST,
				    "IPAM state %s is a version 1 file (every pool in it) but %s holds %zu pools of the "
				    "newer layout (an older ipam.json restored, or an upgrade after a downgrade); "
				    "converting would drop them and grant their prefixes again. If pools/ is current, put "
				    "back a version 2 ipam.json ({\"version\": 2, \"next_id\": 1}); if ipam.json is, "
				    "move pools/ aside; or start with --init",
				    store->path, store->pools_dir, objects);
	return 0;
}

int ipam_store_load(struct ipam_store *store, sr_error *err)
{
	json_error_t jerr;
	json_t *root;
	char *text = NULL;
	size_t len = 0, objects = 0;
	int rc;

	/* the journal's newer text first; a regular file only: a dangling symlink (state disk not
	 * mounted) or a FIFO is an error */
	const char *newer = journal_file_image(store->replay, "ipam.json");
	if (newer) {
		text = strdup(newer);
		if (!text)
			return sr_error_set_errno(err, ENOMEM, "IPAM state");
		len = strlen(text);
	} else if (atomic_file_read(store->path, &text, &len, err) < 0) {
		if (err && err->code == ENOENT) {
			sr_error_clear(err);
			/* pools left in pools/ mean ipam.json was lost, not a fresh start */
			if (obj_dir_probe(store->pools_dir, &objects, err) < 0)
				return sr_error_wrap(err, "IPAM state");
			if (objects)
				return sr_error_set(err, ENOENT,
						    "IPAM state: %s is missing but %s holds %zu pools; restore it (is the "
						    "state disk mounted?), or start with --init to abandon the saved state",
						    store->path, store->pools_dir, objects);
			return 0;
		}
		return sr_error_wrap(err, "IPAM state");
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!root)
		return sr_error_set(err, EINVAL, "IPAM state %s: line %d: %s", store->path, jerr.line, jerr.text);
	store->loaded = true;
	if (json_is_object(root) && json_integer_value(json_object_get(root, "version")) == IPAM_FILE_VERSION_DIRS) {
		rc = load_pools_dir(store, root, err);
		json_decref(root);
		return rc;
	}
	rc = load_root(store, root, err);
	json_decref(root);
	if (rc < 0)
		return sr_error_wrap(err, "IPAM state %s", store->path);
	return check_convertible(store, err);
}
