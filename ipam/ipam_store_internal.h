/* ipam_store_internal: the store's layout, shared by ipam_store.c (the
 * IpamDriver operations) and ipam_store_file.c (ipam.json load and save).
 * Not part of the public API. */
#ifndef IPAM_STORE_INTERNAL_H
#define IPAM_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ipam.h"
#include "ipam_pool.h"

struct ipam_store_entry {
	char id[IPAM_POOL_ID_MAX + 1];
	char *address_space;
	struct ipam_pool *pool;
	char request_sub[IPAM_CIDR_MAX]; /* as requested, to recognise a replayed RequestPool */
	long long granted_at_ms;         /* CLOCK_MONOTONIC; 0 = loaded from disk */
};

struct ipam_store {
	char *path;     /* <dir>/ipam.json */
	char *tmp_path; /* <dir>/ipam.json.tmp */
	struct ipam_prefix *defaults;
	size_t n_defaults;
	struct ipam_store_entry **entries; /* in request order */
	size_t n_entries, cap_entries;
	uint64_t next_id; /* pool IDs are never reused */
	bool loaded;      /* ipam.json existed at open */
	bool dirty;       /* memory holds releases the last save could not write */
};

/* Appends an entry (takes ownership of it on success). */
int ipam_store_append(struct ipam_store *store, struct ipam_store_entry *entry, sr_error *err);
void ipam_store_entry_free(struct ipam_store_entry *entry);

/* Reads store->path into the empty store; a missing file is an empty store.
 * A file that cannot be read or understood is an error naming it and why. */
int ipam_store_load(struct ipam_store *store, sr_error *err);
/* Writes the whole store to store->path atomically (atomic_file_write:
 * <path>.tmp, fsync, rename, fsync of the directory). */
int ipam_store_save(struct ipam_store *store, sr_error *err);

#endif
