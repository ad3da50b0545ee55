#include "state.h"
#include "state_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/atomic_file.h"
#include "../../common/journal.h"
#include "../../common/obj_dir.h"
#include "state_record.h"

/* The store: the records in memory, what changed since the last save, and the save that
 * writes only that (state.h). The records' JSON is state_record.c's; loading and its checks,
 * state_load.c's. */

#define COMPARE_MAX 64 /* touched records read back before a save; more are written unread */

int state_sub_path(const char *dir, const char *name, char *out, size_t size, sr_error *err)
{
	if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	return 0;
}

void state_clear_touched(struct state *st)
{
	if (st->net_count)
		memset(st->net_touched, 0, st->net_count);
	if (st->ep_count)
		memset(st->ep_touched, 0, st->ep_count);
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
struct save_batch {
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

static void batch_clear(struct save_batch *b)
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
static int queue_write(struct save_batch *b, const char *sub, const char *id, json_t *o, bool all, sr_error *err)
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

static int apply(const char *sub, struct save_batch *b, sr_error *err)
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
static int save_all(struct state *st, const char *nets_dir, const char *eps_dir, struct save_batch *b, sr_error *err)
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
	if (state_sub_path(st->dir, STATE_CONVERSION_NOTE, note, sizeof(note), err) < 0 ||
	    state_sub_path(st->dir, STATE_FILE, path, sizeof(path), err) < 0 ||
	    atomic_file_write(note, note_text, strlen(note_text), err) < 0)
		goto out;
	if ((mkdir(nets_dir, 0700) < 0 && errno != EEXIST) || (mkdir(eps_dir, 0700) < 0 && errno != EEXIST)) {
		sr_error_set_errno(err, errno, "create the folders of %s", st->dir);
		goto out;
	}
	for (size_t i = 0; i < st->net_count; i++)
		if (queue_write(b, nets_dir, st->nets[i].id, state_net_to_json(&st->nets[i]), true, err) < 0)
			goto out;
	if (apply(nets_dir, b, err) < 0 || obj_dir_keep_only(eps_dir, ep_ids, st->ep_count, err) < 0)
		goto out;
	for (size_t i = 0; i < st->ep_count; i++)
		if (queue_write(b, eps_dir, st->eps[i].id, state_ep_to_json(&st->eps[i]), true, err) < 0)
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

static int queue_removals(struct state *st, bool ep, struct save_batch *b)
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

static int save_changes(struct state *st, const char *nets_dir, const char *eps_dir, struct save_batch *b, sr_error *err)
{
	bool blind;
	/* Reading each file back spares a rewrite to records only looked at; a bulk change (a
	 * start-up sweep marking thousands of sandboxes seen) changed them all: just write. With a
	 * journal the file may be older than the journal's copy: every touched record goes in. */
	blind = b->txn || count_touched(st) > COMPARE_MAX;
	for (size_t i = 0; i < st->net_count; i++)
		if (st->net_touched[i] && queue_write(b, nets_dir, st->nets[i].id, state_net_to_json(&st->nets[i]), blind, err) < 0)
			return -1;
	if (apply(nets_dir, b, err) < 0)
		return -1;
	queue_removals(st, true, b);
	if (apply(eps_dir, b, err) < 0)
		return -1;
	for (size_t i = 0; i < st->ep_count; i++)
		if (st->ep_touched[i] && queue_write(b, eps_dir, st->eps[i].id, state_ep_to_json(&st->eps[i]), blind, err) < 0)
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
	struct save_batch b = {calloc(most ? most : 1, sizeof(*b.c)), 0, NULL};
	int rc = -1;
	journal_txn_init(&txn);
	if (st->journal && st->layout == LAYOUT_DIRS)
		b.txn = &txn; /* state_journal.h: one commit, compacted into the files later */
	if (!b.c) {
		sr_error_set_errno(err, ENOMEM, "save state");
		goto out;
	}
	if (state_sub_path(st->dir, "networks", nets_dir, sizeof(nets_dir), err) < 0 ||
	    state_sub_path(st->dir, "endpoints", eps_dir, sizeof(eps_dir), err) < 0)
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
	state_clear_touched(st);
	st->later = false;
	st->gone_count = 0;
	return 0;
}
