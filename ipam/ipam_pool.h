/* ipam_pool: one address pool and its allocator, in memory, no I/O.
 *
 * A pool is a prefix, an optional sub-pool inside it (--ip-range) and the
 * set of addresses handed out. Dynamic requests take the lowest free address
 * of the allocatable range (the sub-pool if set, else the pool); a dynamic
 * gateway request takes the lowest free address of the whole pool (Docker's
 * convention: .1). Static requests may name any address of the pool.
 *
 * Allocation state lives in a bitmap over the dynamic window: the allocatable
 * range, capped to its first 2^24 addresses for IPv4 (so every IPv4 pool of
 * /8 or longer is covered whole) and its first 2^20 for IPv6 (an IPv6 /64
 * hands out only fd00::1 .. fd00::f:ffff dynamically; static requests may
 * still name any address of it). The bitmap is split into 4096-bit chunks
 * allocated on first use and freed when empty: an empty /16 costs a few
 * hundred bytes, a full one about 8 KiB, a full /8 about 2 MiB. Addresses
 * taken outside the window (a gateway outside the sub-pool, a static address
 * far into an IPv6 pool) sit in a small sorted array.
 *
 * Never handed out: the network and broadcast addresses of an IPv4 pool of
 * length <= 30 (/31 and /32 use every address, RFC 3021), the subnet-router
 * anycast address (offset 0) of an IPv6 pool of length <= 126, and the
 * excluded addresses (exclude=IP,IP-IP,...), except that an explicit gateway
 * request for an excluded address succeeds: the explicit gateway wins. */
#ifndef IPAM_POOL_H
#define IPAM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipam_addr.h"

#define IPAM_WINDOW_MAX_V4 ((uint64_t)1 << 24)
#define IPAM_WINDOW_MAX_V6 ((uint64_t)1 << 20)
/* "IP" or "IP-IP" */
#define IPAM_RANGE_STR_MAX (2 * IPAM_ADDR_STR_MAX + 2)

struct ipam_pool;

/* Inclusive range of offsets from the pool base. */
struct ipam_range {
	ipam_u128 lo, hi;
};

/* pool: CIDR; sub_pool: CIDR inside pool, or NULL/""; exclude: "IP,IP-IP,..." or NULL/"". */
int ipam_pool_create(const char *pool, const char *sub_pool, const char *exclude, struct ipam_pool **out,
		     sr_error *err);
void ipam_pool_destroy(struct ipam_pool *pool);

/* address: plain IP or ""/NULL for dynamic. On success *out is the address taken. */
int ipam_pool_request(struct ipam_pool *pool, const char *address, bool is_gateway, struct ipam_addr *out,
		      sr_error *err);
/* Frees address if allocated (*released says whether it was); an address not
 * allocated or outside the pool is no error. Junk text is. */
int ipam_pool_release(struct ipam_pool *pool, const char *address, bool *released, sr_error *err);

/* For loading and rollback: mark every address of [lo, hi] (pool offsets)
 * allocated, bypassing the exclusion check (a loaded gateway may be excluded). */
int ipam_pool_mark_range(struct ipam_pool *pool, const struct ipam_range *range, sr_error *err);
/* For rollback: free one address; true if it was allocated. */
bool ipam_pool_unmark(struct ipam_pool *pool, const struct ipam_addr *addr);

/* "IP" or "IP-IP" inside the pool -> offsets (lo <= hi). */
int ipam_pool_parse_range(const struct ipam_pool *pool, const char *item, struct ipam_range *out, sr_error *err);
void ipam_pool_format_range(const struct ipam_pool *pool, const struct ipam_range *range,
			    char out[IPAM_RANGE_STR_MAX]);
/* The next run of consecutive allocated addresses at or after offset from. */
bool ipam_pool_next_run(const struct ipam_pool *pool, ipam_u128 from, struct ipam_range *run);

const struct ipam_prefix *ipam_pool_prefix(const struct ipam_pool *pool);
/* NULL when the pool has no sub-pool. */
const struct ipam_prefix *ipam_pool_sub_prefix(const struct ipam_pool *pool);
/* Normalized exclusion list ("" when none), e.g. "10.0.0.5,10.0.0.10-10.0.0.20". */
const char *ipam_pool_exclude_spec(const struct ipam_pool *pool);
/* Addresses handed out (dynamic window and outside it). */
size_t ipam_pool_allocated(const struct ipam_pool *pool);
/* Addresses a dynamic request could still get (usable, not excluded, free, in the window). */
size_t ipam_pool_free_count(const struct ipam_pool *pool);
/* Bytes of heap this pool holds (own accounting). */
size_t ipam_pool_memory(const struct ipam_pool *pool);
/* "P" or "S (in P)", the pool as named in messages. */
void ipam_pool_describe(const struct ipam_pool *pool, char *out, size_t size);

#endif
