/* ipam_store_journal: a save of the IPAM store as one commit of the state dir's journal
 * (common/journal.h): released pools removed, ipam.json when next_id moved, changed pools,
 * each whole. Compaction writes them into ipam.json and pools/ in the background (ipam.json
 * first: next_id before the pool named by it). */
#include "ipam_store_internal.h"

#include <errno.h>
#include <stdio.h>

#include "../common/journal.h"

bool ipam_store_use_journal(struct ipam_store *store, struct journal *j)
{
	if (!store->per_pool)
		return false; /* a version 1 ipam.json is converted by writing files first */
	store->journal = j;
	return true;
}

static void add_text(struct journal_txn *t, const char *path, char *text)
{
	if (!text)
		t->failed = true;
	else
		journal_txn_add(t, path, text);
	ipam_store_text_free(text);
}

int ipam_store_save_journal(struct ipam_store *store, sr_error *err)
{
	struct journal_txn t;
	char path[IPAM_POOL_ID_MAX + 16];
	int rc;
	journal_txn_init(&t);
	for (size_t i = 0; i < store->n_gone; i++)
		if (ipam_store_find(store, store->gone[i]) == store->n_entries) {
			snprintf(path, sizeof(path), "pools/%s.json", store->gone[i]);
			journal_txn_add(&t, path, NULL);
		}
	if (store->meta_dirty)
		add_text(&t, "ipam.json", ipam_store_marker_text(store));
	for (size_t i = 0; i < store->n_entries; i++)
		if (store->keys[i].dirty) {
			snprintf(path, sizeof(path), "pools/%s.json", store->entries[i]->id);
			add_text(&t, path, ipam_store_pool_text(store->entries[i]));
		}
	rc = journal_commit(store->journal, &t, err);
	journal_txn_free(&t);
	return rc;
}
