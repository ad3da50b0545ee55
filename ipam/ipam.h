/* ipam: address pools for the IpamDriver API, IPv4 and IPv6.
 *
 * Pure address arithmetic (ipam_addr.c) plus an allocator (a bitmap per pool,
 * so a /16 costs kilobytes) and its store, persisted after every change and
 * loaded at open, so no address is handed out twice across restarts of the
 * plugin or dockerd: one file per pool, <state_dir>/pools/<id>.json, and
 * <state_dir>/ipam.json for next_id, each replaced atomically (write, fsync,
 * rename), so a change costs the same however many pools are held
 * (ipam_store_file.c; a version 1 ipam.json holding every pool is converted);
 * or, with the state dir's journal attached (ipam_store_use_journal), one
 * commit of it per change, written into those files by its compaction.
 * No HTTP, no JSON of the API here: plugin/handlers_ipam.c speaks the protocol.
 * Not thread-safe: the daemon holds its lock around every call. */
#ifndef IPAM_H
#define IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/sr_error.h"

#define IPAM_CIDR_MAX 64
#define IPAM_POOL_ID_MAX 128

struct ipam_store;

/* Opens (creating if absent) the store in state_dir. default_pools is a
 * comma-separated list of CIDRs handed out when RequestPool names none
 * (NULL = the built-in list: 10.200.0.0/16 .. 10.215.0.0/16 and
 * fd5e:2f0a:70c5:0::/64 .. fd5e:2f0a:70c5:f::/64). A state file that cannot be
 * read or understood is an error naming the file and the reason; it is never
 * silently reset; a symlink, FIFO or device there (or in pools/, or pools/ itself) is
 * refused, and so is ipam.json missing while pools/ holds pools, or a version 1 ipam.json
 * beside a pools/ holding pools no conversion wrote (dropping them would grant their
 * prefixes again). Nothing is written at open: a store whose file was absent
 * (ipam_store_loaded false), or a version 1 ipam.json, is pending (ipam_store_flush
 * writes it). Pools are validated: required fields (address_space included), IDs that
 * can name their file, no two overlapping prefixes in one address space. */
int ipam_store_open(const char *state_dir, const char *default_pools, struct ipam_store **out, sr_error *err);
/* The same, with the journal's newer texts of ipam.json and pools/ (journal.h) read over the files. */
struct journal;
int ipam_store_open_over(const char *state_dir, const char *default_pools, const struct journal *replay,
			 struct ipam_store **out, sr_error *err);
/* From now on a save is one commit of j, compacted into the files in the background (j must
 * outlive the store). Only a store already in the per-pool layout takes it (returns whether it did). */
bool ipam_store_use_journal(struct ipam_store *store, struct journal *j);
void ipam_store_close(struct ipam_store *store);
bool ipam_store_loaded(const struct ipam_store *store);
/* Writes pending changes (releases whose save failed, or a store never written); 0 when none. */
int ipam_store_flush(struct ipam_store *store, sr_error *err);
bool ipam_store_pending(const struct ipam_store *store);

struct ipam_pool_request {
	const char *address_space; /* may be "" */
	const char *pool;          /* CIDR or "" = choose a default pool */
	const char *sub_pool;      /* CIDR or "" (--ip-range) */
	const char *exclude;       /* "IP,IP-IP,..." (--ipam-opt exclude=) or NULL; inside the pool */
	bool v6;
};
struct ipam_pool_result {
	char pool_id[IPAM_POOL_ID_MAX + 1];
	char pool[IPAM_CIDR_MAX]; /* CIDR */
};
/* pool given: error if it overlaps a pool held in the same address space
 * ("pool 10.1.0.0/16 overlaps pool 10.1.0.0/16 already in use"), except for a
 * replay: the same pool, sub-pool and exclusions in the same space, granted in
 * the last IPAM_REPLAY_WINDOW_S seconds and with no address handed out yet
 * (dockerd asks for the gateway at once, so a pool with none is one whose
 * answer dockerd never got and asks again for): its PoolID is answered again. pool "":
 * the first default pool of the family overlapping no held pool (in any
 * space), so dockerd, which holds the pools it rejects while asking again,
 * gets a different one each time, then "no free default pool (tried: ...)".
 * pool_id is "sriov-<n>-<cidr>" ('/' -> '_', ':' -> '-'), n never reused; once n reached
 * 2^63 - 1 (what ipam.json can hold: only a hand-edited file gets there), ENOSPC. */
int ipam_request_pool(struct ipam_store *store, const struct ipam_pool_request *req,
		      struct ipam_pool_result *out, sr_error *err);
#define IPAM_REPLAY_WINDOW_S 60

/* An unknown pool_id is success (Docker repeats releases). Releases are never retried by
 * Docker: when the save fails the release still holds in memory (pending, written by
 * ipam_store_flush) and the error says so. */
int ipam_release_pool(struct ipam_store *store, const char *pool_id, sr_error *err);

/* address: plain IP to reserve that exact one, or "" for the lowest free one
 * within the sub-pool (or pool). is_gateway: the request carried
 * RequestAddressType=com.docker.network.gateway (the gateway may lie outside
 * the sub-pool). out: "ip/poolLen".
 * A static address may be anywhere in the pool (also outside the sub-pool),
 * but not excluded, reserved (network/broadcast, IPv6 anycast) or taken
 * ("address X already allocated in pool P"). A gateway with address "" gets
 * the lowest free usable address of the whole pool (.1); an explicit gateway
 * may be an excluded address (the explicit gateway wins). Exhaustion:
 * "pool S (in P): no free address". Unknown pool_id: ENOENT.
 * ReleaseAddress of an unknown pool or an unallocated address is success. */
int ipam_request_address(struct ipam_store *store, const char *pool_id, const char *address,
			 bool is_gateway, char out[IPAM_CIDR_MAX], sr_error *err);
int ipam_release_address(struct ipam_store *store, const char *pool_id, const char *address, sr_error *err);

/* For the `status` command: the pool's CIDR, its sub-pool ("" when none),
 * the addresses handed out and those a dynamic request could still get.
 * Any output pointer may be NULL. Unknown pool_id: -1, ENOENT. */
int ipam_pool_info(struct ipam_store *store, const char *pool_id, char pool_cidr[IPAM_CIDR_MAX],
		   char sub_pool[IPAM_CIDR_MAX], size_t *allocated, size_t *free_count, sr_error *err);
/* Pools held, and the ID of the index-th one (in request order; NULL past the end). */
size_t ipam_store_count(const struct ipam_store *store);
const char *ipam_store_pool_id(const struct ipam_store *store, size_t index);

#endif
