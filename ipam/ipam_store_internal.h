/* ipam_store_internal: the store's layout, shared by ipam_store.c (the
 * IpamDriver operations) and ipam_store_file.c (load and save: ipam.json and
 * pools/<id>.json). Not part of the public API. */
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

/* What a lookup or a save looks at for each entry, in one array beside entries[] (same index):
 * scanning it touches neither the entries nor their pools, so a request over 10 000 pools
 * costs what one over 10 costs, give or take a sequential read of this array. */
struct ipam_store_key {
	struct ipam_prefix prefix;
	unsigned long long number; /* n of "sriov-<n>-..."; ~0 for an ID not of that form */
	bool dirty;                /* changed since its file was written */
};

/* The largest next_id: ipam.json holds it as a JSON integer (signed 64 bits). */
#define IPAM_NEXT_ID_MAX ((uint64_t)INT64_MAX)

struct ipam_store {
	char *path;      /* <dir>/ipam.json: next_id, and (version 2) a marker: the pools are in pools/ */
	char *tmp_path;  /* <dir>/ipam.json.tmp */
	char *pools_dir; /* <dir>/pools: one <id>.json per pool */
	char *note_path; /* <dir>/ipam.json.converting: while a conversion rewrites pools/ (obj_dir_unclaimed) */
	struct ipam_prefix *defaults;
	size_t n_defaults;
	struct ipam_store_entry **entries; /* in request order */
	struct ipam_store_key *keys;       /* keys[i] is entries[i]'s */
	size_t n_entries, cap_entries;
	uint64_t next_id; /* pool IDs are never reused */
	bool loaded;      /* ipam.json existed at open */
	bool dirty;       /* memory holds releases the last save could not write */
	bool per_pool;    /* the dir holds pools/ (else: nothing yet, or a version 1 ipam.json) */
	bool meta_dirty;  /* next_id changed since ipam.json was written */
	char (*gone)[IPAM_POOL_ID_MAX + 1]; /* pools released since the last save */
	size_t n_gone, cap_gone;
	const struct journal *replay; /* while loading: newer texts than the files */
	struct journal *journal;      /* set: a save is one commit (ipam_store_journal.c) */
};

/* Appends an entry (takes ownership of it on success); it is saved next. */
int ipam_store_append(struct ipam_store *store, struct ipam_store_entry *entry, sr_error *err);
/* The index of the pool with this ID, or n_entries. */
size_t ipam_store_find(const struct ipam_store *store, const char *pool_id);
/* Rebuilds keys[] after entries[] was reordered in place. */
void ipam_store_rekey(struct ipam_store *store);
/* n of "sriov-<n>-...", ~0 for any other ID. */
unsigned long long ipam_store_id_number(const char *id);
void ipam_store_entry_free(struct ipam_store_entry *entry);

/* A pool's file text, and ipam.json's (next_id, the marker of pools/); NULL when out of memory.
 * Freed by ipam_store_text_free (jansson's allocator). */
char *ipam_store_pool_text(const struct ipam_store_entry *e);
char *ipam_store_marker_text(const struct ipam_store *store);
void ipam_store_text_free(char *text);
/* The changes of a save as one commit of store->journal. */
int ipam_store_save_journal(struct ipam_store *store, sr_error *err);

/* Notes a pool gone from memory (released, or an undone request): its file goes at the next save. */
void ipam_store_note_gone(struct ipam_store *store, const char *id);

/* Reads the store into the empty store; a missing ipam.json is an empty store (and
 * refused when pools/ holds pools). A file that cannot be read or understood is an
 * error naming it and why. A version 1 ipam.json (all pools in it) loads and leaves
 * the store pending: the next save converts it. */
int ipam_store_load(struct ipam_store *store, sr_error *err);
/* Writes what changed: removed pools' files unlinked, then ipam.json when next_id
 * changed, then changed pools' files (obj_dir.h: tmp, fsync, rename; one fsync of
 * the folder). The first save in a dir without pools/ writes every pool, then
 * ipam.json as the marker, in one rename. Clears `dirty` on success, sets it on failure. */
int ipam_store_save(struct ipam_store *store, sr_error *err);

#endif
