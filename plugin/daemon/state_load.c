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

/* Loading a state dir (state_open) and what it checks before any record is believed: the dir's
 * owner and mode, each file's record against its name, no record twice, no VF owned twice, no
 * endpoint of an unknown network, and no records the marker does not account for. */

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

/* No network or endpoint twice, no VF owned twice, no endpoint (but a released one) of an
 * unknown network. */
static int check_unique(const struct state *st, sr_error *err);

struct load_ctx {
	struct state *st;
	bool ep;
};

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
		if (state_ep_from_json(o, &e, err) < 0)
			goto out;
		if (strcmp(e.id, id) != 0) {
			sr_error_set(err, EINVAL, "endpoint %s is in the file of %s", e.id, id);
			goto out;
		}
		if (!state_add_ep(c->st, &e, err))
			goto out;
	} else {
		struct net_record n;
		if (state_net_from_json(o, &n, err) < 0)
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
		if (state_sub_path(dir, names[i], sub, sizeof(sub), err) < 0)
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
	state_clear_touched(st);
	return check_unique(st, err) < 0 ? sr_error_wrap(err, "load %s", dir) : 0;
}

/* No state.json: records left in the folders mean the marker was lost, not a fresh start. */
static int check_no_orphans(const char *dir, sr_error *err)
{
	static const char *const names[] = {"networks", "endpoints"};
	char sub[600];
	for (int i = 0; i < 2; i++) {
		size_t objects;
		if (state_sub_path(dir, names[i], sub, sizeof(sub), err) < 0)
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
	if (state_sub_path(dir, STATE_CONVERSION_NOTE, note, sizeof(note), err) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		size_t objects;
		if (state_sub_path(dir, names[i], sub, sizeof(sub), err) < 0)
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
	if (state_dir_check(dir, &tightened, err) < 0 || state_sub_path(dir, STATE_FILE, path, sizeof(path), err) < 0)
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
		if (rc == 0 && state_sub_path(dir, STATE_CONVERSION_NOTE, path, sizeof(path), NULL) == 0)
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
		if (state_net_from_json(item, &n, err) < 0 || !state_add_net(st, &n, err))
			goto out;
	}
	json_array_foreach(eps, i, item) {
		struct ep_record e;
		if (state_ep_from_json(item, &e, err) < 0 || !state_add_ep(st, &e, err))
			goto out;
	}
	rc = check_unique(st, err);
out:
	json_decref(root);
	return rc;
}
