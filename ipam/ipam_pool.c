#include "ipam_pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BITS 4096u
#define CHUNK_WORDS (CHUNK_BITS / 64u)

struct ipam_pool {
	struct ipam_prefix prefix;
	struct ipam_prefix sub;
	bool has_sub;
	ipam_u128 last;      /* offset of the pool's last address */
	ipam_u128 win_start; /* pool offset of window index 0 */
	uint64_t win_size;   /* addresses in the dynamic window, >= 1 */

	size_t n_chunks;
	uint64_t **chunks;     /* NULL = chunk all free */
	uint32_t *chunk_used;  /* bits set per chunk */
	size_t chunks_live;    /* non-NULL chunks, for accounting */
	uint64_t win_allocated;
	/* Pool offset below which the window has no address a dynamic endpoint
	 * request could get: every one is taken, reserved or excluded. Without
	 * it, filling a /8 would rescan from the start each time (quadratic). */
	ipam_u128 dyn_hint;

	ipam_u128 *extra; /* sorted pool offsets allocated outside the window */
	size_t n_extra, cap_extra;

	struct ipam_range *excl; /* sorted, merged */
	size_t n_excl;
	char *exclude_spec;
};

/* ---- window bitmap ---- */

static uint64_t chunk_capacity(const struct ipam_pool *p, size_t c)
{
	uint64_t start = (uint64_t)c * CHUNK_BITS;
	uint64_t left = p->win_size - start;

	return left < CHUNK_BITS ? left : CHUNK_BITS;
}

static bool bit_get(const struct ipam_pool *p, uint64_t i)
{
	const uint64_t *chunk = p->chunks[i / CHUNK_BITS];
	uint64_t b = i % CHUNK_BITS;

	return chunk && (chunk[b / 64] >> (b % 64)) & 1u;
}

/* Sets a bit known to be clear. */
static int bit_set(struct ipam_pool *p, uint64_t i, sr_error *err)
{
	size_t c = (size_t)(i / CHUNK_BITS);
	uint64_t b = i % CHUNK_BITS;

	if (!p->chunks[c]) {
		p->chunks[c] = calloc(CHUNK_WORDS, sizeof(uint64_t));
		if (!p->chunks[c])
			return sr_error_set_errno(err, ENOMEM, "allocation bitmap");
		p->chunks_live++;
	}
	p->chunks[c][b / 64] |= (uint64_t)1 << (b % 64);
	p->chunk_used[c]++;
	p->win_allocated++;
	return 0;
}

/* Clears a bit known to be set; frees the chunk when it empties. */
static void bit_clear(struct ipam_pool *p, uint64_t i)
{
	size_t c = (size_t)(i / CHUNK_BITS);
	uint64_t b = i % CHUNK_BITS;

	p->chunks[c][b / 64] &= ~((uint64_t)1 << (b % 64));
	p->win_allocated--;
	if (--p->chunk_used[c] == 0) {
		free(p->chunks[c]);
		p->chunks[c] = NULL;
		p->chunks_live--;
	}
}

/* Lowest window index in [from, to] whose bit equals want_set. */
static bool bit_find(const struct ipam_pool *p, uint64_t from, uint64_t to, bool want_set, uint64_t *found)
{
	size_t c;

	for (c = (size_t)(from / CHUNK_BITS); c < p->n_chunks && (uint64_t)c * CHUNK_BITS <= to; c++) {
		uint64_t base = (uint64_t)c * CHUNK_BITS;
		uint64_t start = from > base ? from - base : 0;
		const uint64_t *chunk = p->chunks[c];
		size_t w;

		if (!chunk) {
			if (want_set)
				continue;
			*found = base + start;
			return *found <= to;
		}
		if (!want_set && p->chunk_used[c] == chunk_capacity(p, c))
			continue;
		for (w = (size_t)(start / 64); w < CHUNK_WORDS; w++) {
			uint64_t word = want_set ? chunk[w] : ~chunk[w];

			if (w == start / 64)
				word &= ~(uint64_t)0 << (start % 64);
			if (word) {
				*found = base + w * 64 + (uint64_t)__builtin_ctzll(word);
				return *found <= to && *found < p->win_size;
			}
		}
	}
	return false;
}

/* ---- addresses outside the window ---- */

/* Index of the first extra >= off. */
static size_t extra_lower_bound(const struct ipam_pool *p, ipam_u128 off)
{
	size_t lo = 0, hi = p->n_extra;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->extra[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool extra_has(const struct ipam_pool *p, ipam_u128 off)
{
	size_t i = extra_lower_bound(p, off);

	return i < p->n_extra && p->extra[i] == off;
}

static int extra_insert(struct ipam_pool *p, ipam_u128 off, sr_error *err)
{
	size_t i = extra_lower_bound(p, off);

	if (p->n_extra == p->cap_extra) {
		size_t cap = p->cap_extra ? p->cap_extra * 2 : 4;
		ipam_u128 *grown = realloc(p->extra, cap * sizeof(*grown));

		if (!grown)
			return sr_error_set_errno(err, ENOMEM, "allocation list");
		p->extra = grown;
		p->cap_extra = cap;
	}
	memmove(p->extra + i + 1, p->extra + i, (p->n_extra - i) * sizeof(*p->extra));
	p->extra[i] = off;
	p->n_extra++;
	return 0;
}

static void extra_remove(struct ipam_pool *p, ipam_u128 off)
{
	size_t i = extra_lower_bound(p, off);

	if (i < p->n_extra && p->extra[i] == off) {
		memmove(p->extra + i, p->extra + i + 1, (p->n_extra - i - 1) * sizeof(*p->extra));
		if (--p->n_extra == 0) { /* an empty pool holds no more than a fresh one */
			free(p->extra);
			p->extra = NULL;
			p->cap_extra = 0;
		}
	}
}

/* ---- offsets: window, reserved, excluded ---- */

static bool in_window(const struct ipam_pool *p, ipam_u128 off)
{
	return off >= p->win_start && off - p->win_start < p->win_size;
}

static bool is_taken(const struct ipam_pool *p, ipam_u128 off)
{
	return in_window(p, off) ? bit_get(p, (uint64_t)(off - p->win_start)) : extra_has(p, off);
}

static int take(struct ipam_pool *p, ipam_u128 off, sr_error *err)
{
	if (in_window(p, off))
		return bit_set(p, (uint64_t)(off - p->win_start), err);
	return extra_insert(p, off, err);
}

static void untake(struct ipam_pool *p, ipam_u128 off)
{
	if (in_window(p, off)) {
		bit_clear(p, (uint64_t)(off - p->win_start));
		if (off < p->dyn_hint)
			p->dyn_hint = off;
	} else
		extra_remove(p, off);
}

/* Why an offset is never handed out, or NULL. */
static const char *reserved_reason(const struct ipam_pool *p, ipam_u128 off)
{
	if (p->prefix.base.family == AF_INET && p->prefix.len <= 30) {
		if (off == 0)
			return "the network address";
		if (off == p->last)
			return "the broadcast address";
	}
	if (p->prefix.base.family == AF_INET6 && p->prefix.len <= 126 && off == 0)
		return "the subnet-router anycast address";
	return NULL;
}

static const struct ipam_range *exclusion_of(const struct ipam_pool *p, ipam_u128 off)
{
	size_t lo = 0, hi = p->n_excl;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->excl[mid].hi < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n_excl && p->excl[lo].lo <= off ? &p->excl[lo] : NULL;
}

/* Lowest offset in [lo, hi] that is usable, not excluded and free. */
static bool lowest_free(const struct ipam_pool *p, ipam_u128 lo, ipam_u128 hi, ipam_u128 *out)
{
	ipam_u128 off = lo;

	while (off <= hi) {
		const struct ipam_range *ex = exclusion_of(p, off);

		if (ex) {
			if (ex->hi >= hi)
				return false;
			off = ex->hi + 1;
		} else if (reserved_reason(p, off) || (!in_window(p, off) && extra_has(p, off))) {
			if (off == hi)
				return false;
			off++;
		} else if (!in_window(p, off)) {
			*out = off;
			return true;
		} else {
			ipam_u128 win_last = p->win_start + p->win_size - 1;
			uint64_t to = (uint64_t)((hi < win_last ? hi : win_last) - p->win_start);
			uint64_t idx = (uint64_t)(off - p->win_start), found;

			if (bit_find(p, idx, to, false, &found)) {
				if (found == idx) {
					*out = off;
					return true;
				}
				off = p->win_start + found; /* re-check reserved/excluded there */
			} else {
				if (p->win_start + to >= hi)
					return false;
				off = p->win_start + to + 1;
			}
		}
	}
	return false;
}

/* ---- parsing exclusions and ranges ---- */

int ipam_pool_parse_range(const struct ipam_pool *pool, const char *item, struct ipam_range *out, sr_error *err)
{
	char text[IPAM_RANGE_STR_MAX];
	char pool_text[IPAM_CIDR_MAX];
	struct ipam_addr a, b;
	char *dash;

	ipam_prefix_format(&pool->prefix, pool_text);
	size_t item_len = strlen(item);

	if (item_len >= sizeof(text))
		return sr_error_set(err, EINVAL, "%.64s: too long", item);
	memcpy(text, item, item_len + 1);
	dash = strchr(text, '-');
	if (dash)
		*dash = '\0';
	if (ipam_addr_parse(text, &a, err) < 0)
		return -1;
	b = a;
	if (dash && ipam_addr_parse(dash + 1, &b, err) < 0)
		return -1;
	if (!ipam_prefix_contains(&pool->prefix, &a) || !ipam_prefix_contains(&pool->prefix, &b))
		return sr_error_set(err, EINVAL, "%s: not in pool %s", item, pool_text);
	if (b.value < a.value)
		return sr_error_set(err, EINVAL, "%s: range end before its start", item);
	out->lo = ipam_prefix_offset(&pool->prefix, &a);
	out->hi = ipam_prefix_offset(&pool->prefix, &b);
	return 0;
}

void ipam_pool_format_range(const struct ipam_pool *pool, const struct ipam_range *range,
			    char out[IPAM_RANGE_STR_MAX])
{
	char a[IPAM_ADDR_STR_MAX], b[IPAM_ADDR_STR_MAX];
	struct ipam_addr lo = ipam_prefix_addr_at(&pool->prefix, range->lo);
	struct ipam_addr hi = ipam_prefix_addr_at(&pool->prefix, range->hi);

	ipam_addr_format(&lo, a);
	if (range->lo == range->hi) {
		snprintf(out, IPAM_RANGE_STR_MAX, "%s", a);
		return;
	}
	ipam_addr_format(&hi, b);
	snprintf(out, IPAM_RANGE_STR_MAX, "%s-%s", a, b);
}

static int range_cmp(const void *x, const void *y)
{
	const struct ipam_range *a = x, *b = y;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* Parses "IP,IP-IP,..." into sorted merged ranges and the normalized spec. */
static int parse_exclusions(struct ipam_pool *p, const char *exclude, sr_error *err)
{
	char *copy = NULL, *save = NULL, *tok, *spec = NULL;
	size_t n = 1, i, out, len = 0;
	const char *c;
	int rc = -1;

	if (!exclude || !exclude[0]) {
		p->exclude_spec = strdup("");
		return p->exclude_spec ? 0 : sr_error_set_errno(err, ENOMEM, "exclude");
	}
	for (c = exclude; *c; c++)
		n += *c == ',';
	copy = strdup(exclude);
	p->excl = calloc(n, sizeof(*p->excl));
	spec = malloc(n * IPAM_RANGE_STR_MAX);
	if (!copy || !p->excl || !spec) {
		sr_error_set_errno(err, ENOMEM, "exclude");
		goto out;
	}
	/* strtok_r would skip empty items silently; an empty item is a typo. */
	for (tok = copy, i = 0; tok; tok = save, i++) {
		char *item;

		save = strchr(tok, ',');
		if (save)
			*save++ = '\0';
		item = trim(tok);
		if (!item[0]) {
			sr_error_set(err, EINVAL, "exclude %.128s: empty item", exclude);
			goto out;
		}
		if (ipam_pool_parse_range(p, item, &p->excl[i], err) < 0) {
			sr_error_wrap(err, "exclude");
			goto out;
		}
	}
	qsort(p->excl, n, sizeof(*p->excl), range_cmp);
	for (i = 1, out = 0; i < n; i++) {
		if (p->excl[i].lo <= p->excl[out].hi + 1) {
			if (p->excl[i].hi > p->excl[out].hi)
				p->excl[out].hi = p->excl[i].hi;
		} else {
			p->excl[++out] = p->excl[i];
		}
	}
	p->n_excl = out + 1;
	spec[0] = '\0';
	for (i = 0; i < p->n_excl; i++) {
		char item[IPAM_RANGE_STR_MAX];

		ipam_pool_format_range(p, &p->excl[i], item);
		len += (size_t)snprintf(spec + len, n * IPAM_RANGE_STR_MAX - len, "%s%s", i ? "," : "", item);
	}
	p->exclude_spec = spec;
	spec = NULL;
	rc = 0;
out:
	free(copy);
	free(spec);
	return rc;
}

/* ---- pool life ---- */

int ipam_pool_create(const char *pool_text, const char *sub_text, const char *exclude, struct ipam_pool **out,
		     sr_error *err)
{
	struct ipam_pool *p = calloc(1, sizeof(*p));
	char pool_name[IPAM_CIDR_MAX];
	const struct ipam_prefix *range;
	ipam_u128 range_last;
	uint64_t window_max;

	if (!p)
		return sr_error_set_errno(err, ENOMEM, "pool");
	if (ipam_prefix_parse(pool_text, &p->prefix, err) < 0) {
		sr_error_wrap(err, "pool");
		goto fail;
	}
	ipam_prefix_format(&p->prefix, pool_name);
	p->last = ipam_prefix_last_offset(&p->prefix);
	if (sub_text && sub_text[0]) {
		if (ipam_prefix_parse(sub_text, &p->sub, err) < 0) {
			sr_error_wrap(err, "sub-pool");
			goto fail;
		}
		if (!ipam_prefix_contains_prefix(&p->prefix, &p->sub)) {
			sr_error_set(err, EINVAL, "sub-pool %s is not inside pool %s", sub_text, pool_name);
			goto fail;
		}
		p->has_sub = true;
	}
	range = p->has_sub ? &p->sub : &p->prefix;
	p->win_start = ipam_prefix_offset(&p->prefix, &range->base);
	range_last = ipam_prefix_last_offset(range);
	window_max = p->prefix.base.family == AF_INET6 ? IPAM_WINDOW_MAX_V6 : IPAM_WINDOW_MAX_V4;
	p->win_size = range_last >= window_max - 1 ? window_max : (uint64_t)range_last + 1;
	p->dyn_hint = p->win_start;
	p->n_chunks = (size_t)((p->win_size + CHUNK_BITS - 1) / CHUNK_BITS);
	p->chunks = calloc(p->n_chunks, sizeof(*p->chunks));
	p->chunk_used = calloc(p->n_chunks, sizeof(*p->chunk_used));
	if (!p->chunks || !p->chunk_used) {
		sr_error_set_errno(err, ENOMEM, "pool %s bitmap", pool_name);
		goto fail;
	}
	if (parse_exclusions(p, exclude, err) < 0) {
		sr_error_wrap(err, "pool %s", pool_name);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	ipam_pool_destroy(p);
	return -1;
}

void ipam_pool_destroy(struct ipam_pool *pool)
{
	size_t c;

	if (!pool)
		return;
	for (c = 0; pool->chunks && c < pool->n_chunks; c++)
		free(pool->chunks[c]);
	free(pool->chunks);
	free(pool->chunk_used);
	free(pool->extra);
	free(pool->excl);
	free(pool->exclude_spec);
	free(pool);
}

/* ---- requests ---- */

void ipam_pool_describe(const struct ipam_pool *pool, char *out, size_t size)
{
	char a[IPAM_CIDR_MAX], b[IPAM_CIDR_MAX];

	ipam_prefix_format(&pool->prefix, a);
	if (!pool->has_sub) {
		snprintf(out, size, "%s", a);
		return;
	}
	ipam_prefix_format(&pool->sub, b);
	snprintf(out, size, "%s (in %s)", b, a);
}

/* "address X <relation> pool P"; the pool is formatted only on this error path. */
static int refuse(const struct ipam_pool *p, sr_error *err, int code, const char *address, const char *relation)
{
	char name[IPAM_CIDR_MAX];

	ipam_prefix_format(&p->prefix, name);
	return sr_error_set(err, code, "address %s %s pool %s", address, relation, name);
}

int ipam_pool_request(struct ipam_pool *p, const char *address, bool is_gateway, struct ipam_addr *out,
		      sr_error *err)
{
	char relation[64];
	const char *why;
	struct ipam_addr a;
	ipam_u128 off;
	bool address_given = address && address[0];

	if (!address_given) {
		/* max(): dyn_hint wraps to 0 past the last IPv6 address; start over then. */
		ipam_u128 lo = is_gateway ? 0 : p->dyn_hint > p->win_start ? p->dyn_hint : p->win_start;
		ipam_u128 hi = is_gateway ? p->last : p->win_start + p->win_size - 1;

		if (lo > hi || !lowest_free(p, lo, hi, &off)) {
			char name[2 * IPAM_CIDR_MAX + 8];

			if (is_gateway)
				ipam_prefix_format(&p->prefix, name);
			else
				ipam_pool_describe(p, name, sizeof(name));
			return sr_error_set(err, ENOSPC, "pool %s: no free address", name);
		}
	} else {
		if (ipam_addr_parse(address, &a, err) < 0)
			return -1;
		if (!ipam_prefix_contains(&p->prefix, &a))
			return refuse(p, err, EINVAL, address, "is not in");
		off = ipam_prefix_offset(&p->prefix, &a);
		why = reserved_reason(p, off);
		if (why) {
			snprintf(relation, sizeof(relation), "is %s of", why);
			return refuse(p, err, EINVAL, address, relation);
		}
		if (!is_gateway && exclusion_of(p, off))
			return refuse(p, err, EINVAL, address, "is excluded in");
		if (is_taken(p, off))
			return refuse(p, err, EEXIST, address, "already allocated in");
	}
	if (take(p, off, err) < 0)
		return -1;
	if (!address_given && !is_gateway)
		p->dyn_hint = off + 1; /* off was the lowest one a dynamic request could get */
	*out = ipam_prefix_addr_at(&p->prefix, off);
	return 0;
}

int ipam_pool_release(struct ipam_pool *p, const char *address, bool *released, sr_error *err)
{
	struct ipam_addr a;

	*released = false;
	if (ipam_addr_parse(address, &a, err) < 0)
		return -1;
	*released = ipam_pool_unmark(p, &a);
	return 0;
}

bool ipam_pool_unmark(struct ipam_pool *p, const struct ipam_addr *addr)
{
	ipam_u128 off;

	if (!ipam_prefix_contains(&p->prefix, addr))
		return false;
	off = ipam_prefix_offset(&p->prefix, addr);
	if (!is_taken(p, off))
		return false;
	untake(p, off);
	return true;
}

int ipam_pool_mark_range(struct ipam_pool *p, const struct ipam_range *range, sr_error *err)
{
	ipam_u128 off;

	if (range->hi > p->last || range->lo > range->hi)
		return sr_error_set(err, EINVAL, "range outside the pool");
	for (off = range->lo;; off++) {
		const char *why = reserved_reason(p, off);

		if (why) {
			struct ipam_addr a = ipam_prefix_addr_at(&p->prefix, off);
			char text[IPAM_ADDR_STR_MAX];

			ipam_addr_format(&a, text);
			return sr_error_set(err, EINVAL, "address %s is %s", text, why);
		}
		if (!is_taken(p, off) && take(p, off, err) < 0)
			return -1;
		if (off == range->hi)
			break;
	}
	return 0;
}

/* ---- inspection ---- */

static bool next_allocated(const struct ipam_pool *p, ipam_u128 from, ipam_u128 *found)
{
	size_t i = extra_lower_bound(p, from);
	bool have = false;
	uint64_t bit;

	if (i < p->n_extra) {
		*found = p->extra[i];
		have = true;
	}
	if (from < p->win_start || in_window(p, from)) {
		uint64_t idx = from < p->win_start ? 0 : (uint64_t)(from - p->win_start);

		if (bit_find(p, idx, p->win_size - 1, true, &bit) && (!have || p->win_start + bit < *found)) {
			*found = p->win_start + bit;
			have = true;
		}
	}
	return have;
}

bool ipam_pool_next_run(const struct ipam_pool *pool, ipam_u128 from, struct ipam_range *run)
{
	ipam_u128 end;

	if (!next_allocated(pool, from, &run->lo))
		return false;
	end = run->lo;
	while (end < pool->last && is_taken(pool, end + 1))
		end++;
	run->hi = end;
	return true;
}

const struct ipam_prefix *ipam_pool_prefix(const struct ipam_pool *pool)
{
	return &pool->prefix;
}

const struct ipam_prefix *ipam_pool_sub_prefix(const struct ipam_pool *pool)
{
	return pool->has_sub ? &pool->sub : NULL;
}

const char *ipam_pool_exclude_spec(const struct ipam_pool *pool)
{
	return pool->exclude_spec;
}

size_t ipam_pool_allocated(const struct ipam_pool *pool)
{
	return (size_t)pool->win_allocated + pool->n_extra;
}

size_t ipam_pool_free_count(const struct ipam_pool *p)
{
	ipam_u128 win_last = p->win_start + p->win_size - 1;
	uint64_t blocked = 0, taken_blocked = 0;
	ipam_u128 off;
	size_t i;

	/* Excluded addresses inside the window, and those among them handed out
	 * anyway (an explicit gateway), so they are not subtracted twice. */
	for (i = 0; i < p->n_excl; i++) {
		ipam_u128 lo = p->excl[i].lo > p->win_start ? p->excl[i].lo : p->win_start;
		ipam_u128 hi = p->excl[i].hi < win_last ? p->excl[i].hi : win_last;

		for (off = lo; lo <= hi; off++) {
			blocked++;
			taken_blocked += bit_get(p, (uint64_t)(off - p->win_start));
			if (off == hi)
				break;
		}
	}
	/* Reserved addresses (never allocated) inside the window, unless excluded. */
	if (in_window(p, 0) && reserved_reason(p, 0) && !exclusion_of(p, 0))
		blocked++;
	if (p->last != 0 && in_window(p, p->last) && reserved_reason(p, p->last) && !exclusion_of(p, p->last))
		blocked++;
	return (size_t)(p->win_size - blocked - (p->win_allocated - taken_blocked));
}

size_t ipam_pool_memory(const struct ipam_pool *p)
{
	return sizeof(*p) + p->n_chunks * (sizeof(*p->chunks) + sizeof(*p->chunk_used)) +
	       p->chunks_live * CHUNK_WORDS * sizeof(uint64_t) + p->cap_extra * sizeof(*p->extra) +
	       p->n_excl * sizeof(*p->excl) + strlen(p->exclude_spec) + 1;
}
