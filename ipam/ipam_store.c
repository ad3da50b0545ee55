/* ipam_store: the IpamDriver operations over all pools.
 *
 * Every change is saved before it is answered; if the save fails the change
 * is undone in memory and the caller gets the error, so memory and disk never
 * disagree about what was handed out. Pool IDs are "sriov-<n>-<cidr>" with
 * '/' written '_' and ':' written '-' (e.g. "sriov-1-10.9.0.0_16",
 * "sriov-2-fd00--_64"); n is never reused, even across restarts. */
#include "ipam_store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_FILE "ipam.json"
#define POOLS_DIR "pools"
#define DEFAULT_V4_FIRST 200 /* 10.200.0.0/16 ... 10.215.0.0/16 */
#define DEFAULT_COUNT 16     /* and fd5e:2f0a:70c5:0::/64 ... fd5e:2f0a:70c5:f::/64 */

/* ---- entries ---- */

void ipam_store_entry_free(struct ipam_store_entry *entry)
{
	if (!entry)
		return;
	ipam_pool_destroy(entry->pool);
	free(entry->address_space);
	free(entry);
}

unsigned long long ipam_store_id_number(const char *id)
{
	unsigned long long n;
	return sscanf(id, "sriov-%llu-", &n) == 1 ? n : ~0ULL;
}

static struct ipam_store_key key_of(const struct ipam_store_entry *e)
{
	return (struct ipam_store_key){*ipam_pool_prefix(e->pool), ipam_store_id_number(e->id), false};
}

int ipam_store_append(struct ipam_store *store, struct ipam_store_entry *entry, sr_error *err)
{
	if (store->n_entries == store->cap_entries) {
		size_t cap = store->cap_entries ? store->cap_entries * 2 : 8;
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers; the element is a pointer */
		struct ipam_store_entry **grown = realloc(store->entries, cap * sizeof(*grown));
		struct ipam_store_key *keys;

		if (!grown)
			return sr_error_set_errno(err, ENOMEM, "pool list");
		store->entries = grown;
		keys = realloc(store->keys, cap * sizeof(*keys));
		if (!keys)
			return sr_error_set_errno(err, ENOMEM, "pool list");
		store->keys = keys;
		store->cap_entries = cap;
	}
	store->keys[store->n_entries] = key_of(entry);
	store->entries[store->n_entries++] = entry;
	return 0;
}

void ipam_store_rekey(struct ipam_store *store)
{
	for (size_t i = 0; i < store->n_entries; i++) {
		bool dirty = store->keys[i].dirty;
		store->keys[i] = key_of(store->entries[i]);
		store->keys[i].dirty = dirty;
	}
}

size_t ipam_store_find(const struct ipam_store *store, const char *pool_id)
{
	unsigned long long number;

	if (!pool_id)
		return store->n_entries;
	number = ipam_store_id_number(pool_id);
	for (size_t i = 0; i < store->n_entries; i++)
		if (store->keys[i].number == number && strcmp(store->entries[i]->id, pool_id) == 0)
			return i;
	return store->n_entries;
}

static struct ipam_store_entry *find_entry(const struct ipam_store *store, const char *pool_id)
{
	size_t i = ipam_store_find(store, pool_id);

	return i < store->n_entries ? store->entries[i] : NULL;
}

static void remove_at(struct ipam_store *store, size_t i)
{
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers; the element is a pointer */
	memmove(store->entries + i, store->entries + i + 1, (store->n_entries - i - 1) * sizeof(*store->entries));
	memmove(store->keys + i, store->keys + i + 1, (store->n_entries - i - 1) * sizeof(*store->keys));
	store->n_entries--;
}

/* ---- open / close ---- */

static int parse_defaults(struct ipam_store *store, const char *list, sr_error *err)
{
	char *copy = strdup(list), *save = NULL, *tok;
	size_t n = 1;
	const char *c;
	int rc = -1;

	if (!copy)
		return sr_error_set_errno(err, ENOMEM, "default pools");
	for (c = list; *c; c++)
		n += *c == ',';
	store->defaults = calloc(n, sizeof(*store->defaults));
	if (!store->defaults) {
		sr_error_set_errno(err, ENOMEM, "default pools");
		goto out;
	}
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (ipam_prefix_parse(tok, &store->defaults[store->n_defaults], err) < 0) {
			sr_error_wrap(err, "default pools");
			goto out;
		}
		store->n_defaults++;
	}
	if (store->n_defaults == 0) {
		sr_error_set(err, EINVAL, "default pools: empty list");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int builtin_defaults(struct ipam_store *store, sr_error *err)
{
	char list[DEFAULT_COUNT * 2 * 32];
	size_t len = 0;
	int i;

	for (i = 0; i < DEFAULT_COUNT; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "10.%d.0.0/16,", DEFAULT_V4_FIRST + i);
	for (i = 0; i < DEFAULT_COUNT; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "fd5e:2f0a:70c5:%x::/64,", i);
	return parse_defaults(store, list, err);
}

static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);

	if (path)
		snprintf(path, n, "%s/%s", dir, name);
	return path;
}

int ipam_store_open(const char *state_dir, const char *default_pools, struct ipam_store **out, sr_error *err)
{
	return ipam_store_open_over(state_dir, default_pools, NULL, out, err);
}

int ipam_store_open_over(const char *state_dir, const char *default_pools, const struct journal *replay,
			 struct ipam_store **out, sr_error *err)
{
	struct ipam_store *store = calloc(1, sizeof(*store));

	if (!store)
		return sr_error_set_errno(err, ENOMEM, "IPAM store");
	store->next_id = 1;
	store->path = join_path(state_dir, STATE_FILE);
	store->tmp_path = join_path(state_dir, STATE_FILE ".tmp");
	store->pools_dir = join_path(state_dir, POOLS_DIR);
	store->note_path = join_path(state_dir, STATE_FILE ".converting");
	if (!store->path || !store->tmp_path || !store->pools_dir || !store->note_path) {
		sr_error_set_errno(err, ENOMEM, "IPAM store");
		goto fail;
	}
	if (default_pools ? parse_defaults(store, default_pools, err) : builtin_defaults(store, err))
		goto fail;
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		sr_error_set_errno(err, errno, "IPAM state directory %s", state_dir);
		goto fail;
	}
	/* A tmp file left by a crash mid-save is a save that never happened. */
	if (unlink(store->tmp_path) < 0 && errno != ENOENT) {
		sr_error_set_errno(err, errno, "remove stale %s", store->tmp_path);
		goto fail;
	}
	store->replay = replay;
	if (ipam_store_load(store, err) < 0)
		goto fail;
	store->replay = NULL;
	/* Nothing is written here: a start with a full disk must still serve what it has. A
	 * version 1 ipam.json is pending: the caller's flush converts it. */
	store->dirty = !store->loaded || !store->per_pool;
	*out = store;
	return 0;
fail:
	ipam_store_close(store);
	return -1;
}

bool ipam_store_loaded(const struct ipam_store *store)
{
	return store->loaded;
}

bool ipam_store_pending(const struct ipam_store *store)
{
	return store->dirty;
}

int ipam_store_flush(struct ipam_store *store, sr_error *err)
{
	return store->dirty ? ipam_store_save(store, err) : 0;
}

void ipam_store_close(struct ipam_store *store)
{
	size_t i;

	if (!store)
		return;
	for (i = 0; i < store->n_entries; i++)
		ipam_store_entry_free(store->entries[i]);
	free(store->entries);
	free(store->keys);
	free(store->defaults);
	free(store->path);
	free(store->tmp_path);
	free(store->pools_dir);
	free(store->note_path);
	free(store->gone);
	free(store);
}

/* ---- pools ---- */

static const struct ipam_store_entry *overlapping(const struct ipam_store *store, const struct ipam_prefix *p,
						  const char *address_space)
{
	size_t i;

	for (i = 0; i < store->n_entries; i++) {
		const struct ipam_store_entry *e;

		if (!ipam_prefix_overlaps(&store->keys[i].prefix, p))
			continue;
		e = store->entries[i];
		if (!address_space || strcmp(e->address_space, address_space) == 0)
			return e;
	}
	return NULL;
}

/* The first default pool of the family overlapping no pool held in any
 * address space: dockerd holds the pools it rejected (host route overlap)
 * while asking again, so each call gets a different one. */
static int choose_default(const struct ipam_store *store, bool v6, char out[IPAM_CIDR_MAX], sr_error *err)
{
	char tried[SR_ERROR_MSG_MAX - 64] = "";
	int family = v6 ? AF_INET6 : AF_INET;
	size_t i, len = 0;

	for (i = 0; i < store->n_defaults; i++) {
		const struct ipam_prefix *d = &store->defaults[i];
		char text[IPAM_CIDR_MAX];

		if (d->base.family != family)
			continue;
		ipam_prefix_format(d, text);
		if (!overlapping(store, d, NULL)) {
			memcpy(out, text, IPAM_CIDR_MAX);
			return 0;
		}
		if (len < sizeof(tried)) {
			int n = snprintf(tried + len, sizeof(tried) - len, "%s%s", len ? ", " : "", text);

			len += n > 0 ? (size_t)n : 0;
		}
	}
	if (len == 0)
		return sr_error_set(err, ENOSPC, "no free default pool (no IPv%c default pools configured)",
				    v6 ? '6' : '4');
	return sr_error_set(err, ENOSPC, "no free default pool (tried: %s)", tried);
}

static void make_id(uint64_t n, const char *cidr, char id[IPAM_POOL_ID_MAX + 1])
{
	int len = snprintf(id, IPAM_POOL_ID_MAX + 1, "sriov-%llu-", (unsigned long long)n);
	size_t i;

	for (i = 0; cidr[i] && (size_t)len + i < IPAM_POOL_ID_MAX; i++)
		id[(size_t)len + i] = cidr[i] == '/' ? '_' : cidr[i] == ':' ? '-' : cidr[i];
	id[(size_t)len + i] = '\0';
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_replay(const struct ipam_store_entry *e, const struct ipam_prefix *p, const char *sub,
		      const char *exclude)
{
	const struct ipam_prefix *held = ipam_pool_prefix(e->pool);
	return e->granted_at_ms && now_ms() - e->granted_at_ms <= IPAM_REPLAY_WINDOW_S * 1000LL &&
	       held->len == p->len && ipam_prefix_overlaps(held, p) && !strcmp(e->request_sub, sub) &&
	       !strcmp(ipam_pool_exclude_spec(e->pool), exclude ? exclude : "") && ipam_pool_allocated(e->pool) == 0;
}

int ipam_request_pool(struct ipam_store *store, const struct ipam_pool_request *req, struct ipam_pool_result *out,
		      sr_error *err)
{
	const char *space = req->address_space ? req->address_space : "";
	const char *sub = req->sub_pool ? req->sub_pool : "";
	char chosen[IPAM_CIDR_MAX] = ""; /* "" for the analyzer: sr_error_set's -1 is in another file */
	struct ipam_store_entry *e = NULL;
	const struct ipam_store_entry *other;
	struct ipam_prefix prefix;
	uint64_t saved_next_id = store->next_id;

	if (!req->pool || !req->pool[0]) {
		if (sub[0])
			return sr_error_set(err, EINVAL, "sub-pool %s given without a pool", sub);
		if (choose_default(store, req->v6, chosen, err) < 0)
			return -1;
	} else {
		if (ipam_prefix_parse(req->pool, &prefix, err) < 0)
			return sr_error_wrap(err, "pool");
		if ((prefix.base.family == AF_INET6) != req->v6)
			return sr_error_set(err, EINVAL, "pool %s is IPv%c but V6 is %s", req->pool,
					    req->v6 ? '4' : '6', req->v6 ? "true" : "false");
		other = overlapping(store, &prefix, space);
		if (other && is_replay(other, &prefix, sub, req->exclude)) {
			memcpy(out->pool_id, other->id, sizeof(out->pool_id));
			ipam_prefix_format(&prefix, out->pool);
			return 0;
		}
		if (other) {
			char text[IPAM_CIDR_MAX];

			ipam_prefix_format(ipam_pool_prefix(other->pool), text);
			return sr_error_set(err, EEXIST, "pool %s overlaps pool %s already in use", req->pool, text);
		}
		ipam_prefix_format(&prefix, chosen);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return sr_error_set_errno(err, ENOMEM, "pool %s", chosen);
	e->address_space = strdup(space);
	if (!e->address_space) {
		sr_error_set_errno(err, ENOMEM, "pool %s", chosen);
		goto fail;
	}
	if (ipam_pool_create(chosen, sub, req->exclude, &e->pool, err) < 0)
		goto fail;
	snprintf(e->request_sub, sizeof(e->request_sub), "%s", sub);
	e->granted_at_ms = req->pool && req->pool[0] ? now_ms() : 0; /* a default pool is never a replay */
	do {
		/* never reached by requests (2^63 of them), only by a hand-edited ipam.json */
		if (store->next_id >= IPAM_NEXT_ID_MAX) {
			sr_error_set(err, ENOSPC, "no pool ID left: next_id %llu is the largest ipam.json can hold",
				     (unsigned long long)store->next_id);
			goto fail;
		}
		make_id(store->next_id++, chosen, e->id);
	} while (find_entry(store, e->id)); /* only after a hand-edited file */
	if (ipam_store_append(store, e, err) < 0)
		goto fail;
	store->keys[store->n_entries - 1].dirty = true;
	store->meta_dirty = true;
	if (ipam_store_save(store, err) < 0) {
		store->n_entries--;
		/* a save of several pending changes may have written this one before failing */
		ipam_store_note_gone(store, e->id);
		goto fail;
	}
	memcpy(out->pool_id, e->id, sizeof(out->pool_id));
	memcpy(out->pool, chosen, sizeof(out->pool));
	return 0;
fail:
	store->next_id = saved_next_id;
	ipam_store_entry_free(e);
	return -1;
}

int ipam_release_pool(struct ipam_store *store, const char *pool_id, sr_error *err)
{
	size_t i = ipam_store_find(store, pool_id);
	struct ipam_store_entry *e;

	if (i == store->n_entries)
		return 0; /* already gone: Docker repeats releases */
	e = store->entries[i];
	ipam_store_note_gone(store, e->id);
	remove_at(store, i);
	ipam_store_entry_free(e);
	/* Docker never retries a release: putting the pool back would leak it for good */
	if (ipam_store_save(store, err) < 0)
		return sr_error_wrap(err, "pool %s released, but not yet saved (pending, written as soon as the "
				     "disk allows)", pool_id);
	return 0;
}

/* ---- addresses ---- */

int ipam_request_address(struct ipam_store *store, const char *pool_id, const char *address, bool is_gateway,
			 char out[IPAM_CIDR_MAX], sr_error *err)
{
	size_t i = ipam_store_find(store, pool_id);
	struct ipam_store_entry *e = i < store->n_entries ? store->entries[i] : NULL;
	struct ipam_addr a;

	if (!e)
		return sr_error_set(err, ENOENT, "pool ID %.128s: no such pool", pool_id ? pool_id : "(null)");
	if (ipam_pool_request(e->pool, address, is_gateway, &a, err) < 0)
		return -1;
	store->keys[i].dirty = true;
	if (ipam_store_save(store, err) < 0) {
		ipam_pool_unmark(e->pool, &a);
		return -1;
	}
	ipam_addr_format_cidr(&a, ipam_pool_prefix(e->pool)->len, out);
	return 0;
}

int ipam_release_address(struct ipam_store *store, const char *pool_id, const char *address, sr_error *err)
{
	size_t i = ipam_store_find(store, pool_id);
	struct ipam_store_entry *e = i < store->n_entries ? store->entries[i] : NULL;
	bool released;

	if (!e)
		return 0; /* pool already released: nothing to free */
	if (ipam_pool_release(e->pool, address, &released, err) < 0)
		return -1;
	if (!released)
		return 0;
	store->keys[i].dirty = true;
	/* Docker never retries a release: keep it (pending) rather than leak the address for good.
	 * Handing it out again is safe: that request's own save writes this release too. */
	if (ipam_store_save(store, err) < 0)
		return sr_error_wrap(err, "address %s released, but not yet saved (pending, written as soon as the "
				     "disk allows)", address);
	return 0;
}

/* ---- inspection ---- */

int ipam_pool_info(struct ipam_store *store, const char *pool_id, char pool_cidr[IPAM_CIDR_MAX],
		   char sub_pool[IPAM_CIDR_MAX], size_t *allocated, size_t *free_count, sr_error *err)
{
	const struct ipam_store_entry *e = find_entry(store, pool_id);
	const struct ipam_prefix *sub;

	if (!e)
		return sr_error_set(err, ENOENT, "pool ID %.128s: no such pool", pool_id ? pool_id : "(null)");
	if (pool_cidr)
		ipam_prefix_format(ipam_pool_prefix(e->pool), pool_cidr);
	if (sub_pool) {
		sub = ipam_pool_sub_prefix(e->pool);
		if (sub)
			ipam_prefix_format(sub, sub_pool);
		else
			sub_pool[0] = '\0';
	}
	if (allocated)
		*allocated = ipam_pool_allocated(e->pool);
	if (free_count)
		*free_count = ipam_pool_free_count(e->pool);
	return 0;
}

size_t ipam_store_count(const struct ipam_store *store)
{
	return store->n_entries;
}

const char *ipam_store_pool_id(const struct ipam_store *store, size_t index)
{
	return index < store->n_entries ? store->entries[index]->id : NULL;
}
