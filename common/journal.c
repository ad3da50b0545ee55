/* journal: commits (group commit), switching files, compaction, close. The file format is
 * journal_format.c, reading and creating files journal_files.c. */
#include "journal_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"

#define IDLE_MAX_S 10.0 /* the active file is compacted at the latest this long after its first commit */

/* A commit written and waiting to be durable: on its thread's stack, listed under mu. */
struct journal_waiter {
	uint64_t end;
	bool done;
	int err; /* 0: durable; else the errno of the sync that failed it */
	struct journal_waiter *next;
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* <state dir>/<name> */
static int state_path(const struct journal *j, const char *name, char *out, size_t size, sr_error *err)
{
	if (snprintf(out, size, "%s/%s", j->state_dir, name) >= (int)size)
		return sr_error_set(err, ENAMETOOLONG, "%s/%s: path too long", j->state_dir, name);
	return 0;
}

static void fault(struct journal *j, const char *point)
{
	if (j->cfg.fault)
		j->cfg.fault(j->cfg.ctx, point);
}

int journal_open(const struct journal_config *cfg, struct journal **out, sr_error *err)
{
	struct journal *j = calloc(1, sizeof(*j));
	*out = NULL;
	if (!j)
		return sr_error_set_errno(err, ENOMEM, "journal");
	j->cfg = *cfg;
	j->fd = j->spare_fd = -1;
	j->guard_on = cfg->guard_is_on;
	j->file_size = cfg->file_size ? cfg->file_size : JOURNAL_FILE_SIZE;
	if (j->file_size < JOURNAL_HEADER_SIZE)
		j->file_size = JOURNAL_HEADER_SIZE;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	pthread_mutex_init(&j->compact_mu, NULL);
	if (snprintf(j->state_dir, sizeof(j->state_dir), "%s", cfg->state_dir) >= (int)sizeof(j->state_dir) ||
	    snprintf(j->dir, sizeof(j->dir), "%s/%s", cfg->state_dir, JOURNAL_DIR) >= (int)sizeof(j->dir)) {
		journal_free(j);
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", cfg->state_dir);
	}
	j->next_seq = 1;
	if (journal_load_files(j, err) < 0) {
		journal_free(j);
		return -1;
	}
	*out = j;
	return 0;
}

size_t journal_replayed(const struct journal *j)
{
	return j->replayed;
}

void journal_folder_images(const struct journal *j, const char *folder, const struct obj_dir_image **images, size_t *n)
{
	*images = NULL;
	*n = 0;
	for (size_t i = 0; j && i < j->n_folders; i++)
		if (!strcmp(j->folders[i].name, folder)) {
			*images = j->folders[i].images;
			*n = j->folders[i].n;
		}
}

const char *journal_file_image(const struct journal *j, const char *name)
{
	for (size_t i = 0; j && j->file_texts && j->cfg.files && j->cfg.files[i]; i++)
		if (!strcmp(j->cfg.files[i], name))
			return j->file_texts[i];
	return NULL;
}

void journal_images_free(struct journal *j)
{
	for (size_t i = 0; i < j->n_folders; i++)
		free(j->folders[i].images);
	free(j->folders);
	free(j->file_texts);
	for (size_t i = 0; i < j->n_strings; i++)
		free(j->strings[i]);
	free(j->strings);
	j->folders = NULL;
	j->n_folders = 0;
	j->file_texts = NULL;
	j->strings = NULL;
	j->n_strings = j->cap_strings = 0;
}

/* ---- commits ---- */

/* Half the preallocated room used (at least 32 KiB of commits, for a file without room). */
static bool half_full(const struct journal *j)
{
	uint64_t room = j->size > JOURNAL_HEADER_SIZE ? j->size - JOURNAL_HEADER_SIZE : 0;
	return j->tail - JOURNAL_HEADER_SIZE >= (room / 2 > 32768 ? room / 2 : 32768);
}

/* A commit that puts texts needs room for their files later, each rounded up to a block; the
 * files it removes give theirs back first (compaction unlinks before it writes). */
static int check_room(struct journal *j, const struct journal_txn *t, sr_error *err)
{
	struct statvfs sv;
	struct journal_commit view = {.payload = t->buf + JOURNAL_HEAD_SIZE, .payload_len = t->len - JOURNAL_HEAD_SIZE};
	struct journal_entry e;
	size_t at = 0;
	uint64_t block, room, need = 0;
	if (t->puts == 0 || statvfs(j->state_dir, &sv) < 0)
		return 0; /* a removal needs none; a file system that cannot say lets the write tell */
	block = sv.f_frsize ? sv.f_frsize : 4096;
	room = (uint64_t)(geteuid() == 0 ? sv.f_bfree : sv.f_bavail) * block;
	while (journal_entry_next(&view, &at, &e)) {
		char path[PATH_MAX + JOURNAL_PATH_MAX + 2];
		struct stat sb;
		if (e.text)
			need += (e.text_len + block - 1) / block * block;
		else if (snprintf(path, sizeof(path), "%s/%.*s", j->state_dir, (int)e.path_len, e.path) < (int)sizeof(path) &&
			 lstat(path, &sb) == 0)
			room += (uint64_t)sb.st_blocks * 512;
	}
	if (room < need)
		return sr_error_set_errno(err, ENOSPC, "%s: %llu bytes free, the files of this change need %llu",
					  j->state_dir, (unsigned long long)room, (unsigned long long)need);
	return 0;
}

static int write_at(int fd, const unsigned char *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (errno = EIO, -1);
		done += (size_t)n;
	}
	return 0;
}

/* Zeros over [from, to) of the active file, best effort; whether they got there. */
static bool zero_range(struct journal *j, uint64_t from, uint64_t to)
{
	static const unsigned char zeros[4096];
	bool ok = true;
	for (uint64_t off = from; off < to; off += sizeof(zeros)) {
		size_t n = to - off < sizeof(zeros) ? (size_t)(to - off) : sizeof(zeros);
		ok = write_at(j->fd, zeros, n, off) == 0 && ok;
	}
	return ok;
}

/* A commit's write failed part way: whatever of it landed goes, so nothing replays it. Left
 * there (the disk refuses even that), it is a commit whose checksum fails: replay stops before it,
 * and the next commit is written over it. Under mu. */
static void undo_write(struct journal *j, uint64_t off, size_t len)
{
	struct stat sb;
	uint64_t end = off + len;
	bool wiped = true;
	int e = 0;
	if (fstat(j->fd, &sb) == 0 && (uint64_t)sb.st_size > j->size && (uint64_t)sb.st_size > off &&
	    ftruncate(j->fd, (off_t)(j->size > off ? j->size : off)) < 0) {
		e = errno;
		wiped = false;
	}
	if (end > j->size)
		end = j->size > off ? j->size : off;
	if (!zero_range(j, off, end) && wiped) {
		e = errno;
		wiped = false;
	}
	if (!wiped)
		journal_log(j, SR_LOG_WARN, "journal %s/%llu.log: the failed commit at offset %llu could not be wiped (%s); "
			    "replay drops it as a torn commit", j->dir, (unsigned long long)j->epoch,
			    (unsigned long long)off, strerror(e));
}

/* The file that takes appends now: the spare when it is newer than every file so far, else
 * a new one made here (the spare was not ready). Under mu. */
static int activate(struct journal *j, sr_error *err)
{
	int fd;
	uint64_t size, epoch;
	if (j->spare_fd >= 0 && j->spare_epoch > j->last_active_epoch) {
		fd = j->spare_fd;
		size = j->spare_size;
		epoch = j->spare_epoch;
		j->spare_fd = -1;
	} else {
		epoch = ++j->max_epoch;
		if (journal_create_file(j, epoch, false, &fd, &size, err) < 0)
			return sr_error_wrap(err, "journal");
	}
	j->fd = fd;
	j->epoch = j->last_active_epoch = epoch;
	j->tail = j->synced = JOURNAL_HEADER_SIZE;
	j->size = size;
	j->active_commits = 0;
	return 0;
}

/* A failed fdatasync: what it covered may or may not be on disk. Those commits are refused,
 * so they must not come back: zeroed and synced again; if even that fails, the file takes no
 * more appends (its valid part is compacted, a new file takes the next commit). Under mu. */
static void fail_unsynced(struct journal *j, int e)
{
	bool cleared = zero_range(j, j->synced, j->tail) && fdatasync(j->fd) == 0;
	for (struct journal_waiter *w = j->waiters; w; w = w->next)
		if (!w->done) {
			w->done = true;
			w->err = e;
		}
	j->tail = j->synced;
	journal_log(j, SR_LOG_ERROR, "journal %s/%llu.log: fdatasync failed (%s): the changes it covered are refused%s",
		    j->dir, (unsigned long long)j->epoch, strerror(e),
		    cleared ? "" : "; they could not be wiped either and may come back after a crash");
	if (!cleared && journal_retire(j, j->epoch, j->synced, false, j->active_commits) == 0) {
		close(j->fd);
		j->fd = -1;
	}
}

/* Until w (written) is durable or refused: the first waiter to find no sync running runs one for every
 * commit written so far (group commit), the others wait for it. Under mu. */
static void wait_durable(struct journal *j, struct journal_waiter *w)
{
	/* listed only while this call runs: taken off below, before the caller's frame goes */
	w->next = j->waiters;
	j->waiters = w;
	while (!w->done) {
		uint64_t target;
		int fd, rc, e;
		if (j->syncing) {
			pthread_cond_wait(&j->cv, &j->mu);
			continue;
		}
		j->syncing = true;
		target = j->tail;
		fd = j->fd;
		pthread_mutex_unlock(&j->mu);
		rc = fdatasync(fd);
		e = errno;
		pthread_mutex_lock(&j->mu);
		j->syncing = false;
		j->stats.syncs++;
		if (rc == 0) {
			j->synced = target;
			for (struct journal_waiter *x = j->waiters; x; x = x->next)
				if (!x->done && x->end <= target)
					x->done = true;
		} else
			fail_unsynced(j, e);
		pthread_cond_broadcast(&j->cv);
	}
	for (struct journal_waiter **p = &j->waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	if (!j->waiters)
		pthread_cond_broadcast(&j->cv); /* a switch may be waiting for the last one */
}

/* The commit's bytes at the tail; a torn write when the test asks for one. Under mu. */
static int append(struct journal *j, struct journal_txn *t, size_t len, uint64_t off)
{
	if (j->cfg.fault) {
		size_t half = len / 2;
		if (write_at(j->fd, t->buf, half, off) < 0)
			return -1;
		fault(j, "torn");
		return write_at(j->fd, t->buf + half, len - half, off + half);
	}
	return write_at(j->fd, t->buf, len, off);
}

int journal_commit(struct journal *j, struct journal_txn *t, sr_error *err)
{
	struct journal_waiter w = {0};
	size_t len;
	uint64_t off;
	bool wake;
	if (t->entries == 0 && !t->failed)
		return 0;
	if (t->failed)
		return sr_error_set_errno(err, ENOMEM, "journal: build the commit");
	struct journal_commit view = {.payload = t->buf + JOURNAL_HEAD_SIZE, .payload_len = t->len - JOURNAL_HEAD_SIZE};
	struct journal_entry e;
	size_t at = 0;
	while (journal_entry_next(&view, &at, &e))
		if (!journal_path_ok(j, e.path, e.path_len))
			return sr_error_set(err, EINVAL, "journal: %.*s names no record's file", (int)e.path_len, e.path);
	if (check_room(j, t, err) < 0)
		return -1;
	len = journal_txn_finish(t); /* the payload's CRC, outside the lock */
	if (len == 0)
		return sr_error_set(err, EFBIG, "journal: a commit of %zu bytes is too large", t->len);
	pthread_mutex_lock(&j->mu);
	while (j->switching)
		pthread_cond_wait(&j->cv, &j->mu);
	if (!j->guard_on) {
		char path[PATH_MAX];
		/* before the first commit: from now on the folders alone are not the state */
		if (state_path(j, j->cfg.guard, path, sizeof(path), err) < 0 ||
		    atomic_file_write(path, j->cfg.guard_on, strlen(j->cfg.guard_on), err) < 0) {
			pthread_mutex_unlock(&j->mu);
			return sr_error_wrap(err, "journal");
		}
		j->guard_on = true;
		fault(j, "guard");
	}
	if (j->fd < 0 && activate(j, err) < 0) {
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	journal_txn_seal(t, j->next_seq);
	off = j->tail;
	if (off + len > JOURNAL_FILE_MAX) {
		pthread_mutex_unlock(&j->mu);
		return sr_error_set_errno(err, ENOSPC, "journal %s/%llu.log is full (%llu MiB): its compaction into the "
					  "record files is behind", j->dir, (unsigned long long)j->epoch,
					  (unsigned long long)(JOURNAL_FILE_MAX >> 20));
	}
	if (append(j, t, len, off) < 0) {
		int saved = errno;
		undo_write(j, off, len);
		pthread_mutex_unlock(&j->mu);
		return sr_error_set_errno(err, saved, "journal: write %s/%llu.log", j->dir, (unsigned long long)j->epoch);
	}
	fault(j, "append");
	j->next_seq++;
	j->tail = off + len;
	if (j->active_commits++ == 0)
		j->active_since = mono_s();
	j->used = true;
	j->idle_checked = false;
	wake = half_full(j);
	w.end = j->tail;
	wait_durable(j, &w);
	if (!w.err)
		j->stats.commits++;
	else if (j->active_commits)
		j->active_commits--; /* wiped (or its file retired with its count: harmless) */
	pthread_mutex_unlock(&j->mu);
	if (w.err)
		return sr_error_set_errno(err, w.err, "journal: fdatasync %s/%llu.log", j->dir, (unsigned long long)j->epoch);
	fault(j, "synced");
	if (wake && j->cfg.wake)
		j->cfg.wake(j->cfg.ctx);
	return 0;
}

/* ---- switch and compaction ---- */

/* The active file retired (its commits all durable: the switch waits for the sync in flight,
 * and new commits wait for the switch); the spare, if ready, takes the next appends. Under mu. */
static int switch_file(struct journal *j, sr_error *err)
{
	int rc = 0;
	j->switching = true;
	while (j->waiters || j->syncing)
		pthread_cond_wait(&j->cv, &j->mu);
	if (journal_retire(j, j->epoch, j->tail, false, j->active_commits) < 0)
		rc = sr_error_set_errno(err, ENOMEM, "journal: retire %s/%llu.log", j->dir, (unsigned long long)j->epoch);
	else {
		close(j->fd);
		j->fd = -1;
		j->active_commits = 0;
		j->stats.switches++;
		if (j->spare_fd >= 0 && j->spare_epoch > j->last_active_epoch) {
			j->fd = j->spare_fd;
			j->spare_fd = -1;
			j->epoch = j->last_active_epoch = j->spare_epoch;
			j->tail = j->synced = JOURNAL_HEADER_SIZE;
			j->size = j->spare_size;
		}
	}
	j->switching = false;
	pthread_cond_broadcast(&j->cv);
	return rc;
}

/* One record's newest change in a retired file (pointers into the file's bytes). */
struct change {
	const char *path;
	size_t path_len;
	const char *text; /* NULL: removed */
	size_t text_len;
	size_t order;
};

static int by_path_order(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c = memcmp(x->path, y->path, n);
	if (!c)
		c = (x->path_len > y->path_len) - (x->path_len < y->path_len);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Every change of the file's commits, in order. */
static int collect(const unsigned char *buf, size_t end, struct change **out, size_t *count, const char *path,
		   sr_error *err)
{
	struct change *v = NULL;
	size_t n = 0, cap = 0, pos = JOURNAL_HEADER_SIZE;
	while (pos < end) {
		struct journal_commit c;
		struct journal_entry e;
		const char *why = "";
		size_t at = 0;
		if (journal_scan(buf + pos, end - pos, &c, &why) != JOURNAL_COMMIT) {
			free(v);
			return sr_error_set(err, EIO, "journal %s: offset %zu: %s (the file changed since it was read)", path,
					    pos, why);
		}
		while (journal_entry_next(&c, &at, &e)) {
			if (n == cap) {
				size_t new_cap = cap ? cap * 2 : 64;
				struct change *p = realloc(v, new_cap * sizeof(*p));
				if (!p) {
					free(v);
					return sr_error_set_errno(err, ENOMEM, "compact %s", path);
				}
				v = p;
				cap = new_cap;
			}
			v[n] = (struct change){e.path, e.path_len, e.text, e.text_len, n};
			n++;
		}
		pos += c.size;
	}
	*out = v;
	*count = n;
	return 0;
}

/* The newest change of each path whose record lives in folder ("" = a top-level file), as
 * obj_dir changes (ids and texts NUL-terminated copies, freed by free_batch). -1: no memory. */
static void free_batch(struct obj_dir_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)c[i].id);
		free((char *)c[i].text);
	}
}

static int batch_for(const struct change *v, size_t n, const char *folder, bool puts, struct obj_dir_change *out,
		     size_t *count)
{
	size_t k = 0, flen = strlen(folder);
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct change *c = &v[i];
		bool newest = i + 1 == n || c->path_len != v[i + 1].path_len || memcmp(c->path, v[i + 1].path, c->path_len) != 0;
		bool here = flen ? c->path_len > flen + 1 && !memcmp(c->path, folder, flen) && c->path[flen] == '/'
				 : memchr(c->path, '/', c->path_len) == NULL;
		if (!newest || !here || puts != (c->text != NULL))
			continue;
		const char *id = flen ? c->path + flen + 1 : c->path;
		size_t id_len = flen ? c->path_len - flen - 1 - 5 : c->path_len; /* without ".json" */
		out[k].id = strndup(id, id_len);
		out[k].text = c->text ? strndup(c->text, c->text_len) : NULL;
		k++;
		if (!out[k - 1].id || (c->text && !out[k - 1].text)) {
			free_batch(out, k);
			return -1;
		}
	}
	*count = k;
	return 0;
}

/* A top-level file replaced (or removed) as compaction finds it in the journal. */
static int apply_file(struct journal *j, const struct obj_dir_change *c, sr_error *err)
{
	char file[PATH_MAX];
	if (state_path(j, c->id, file, sizeof(file), err) < 0)
		return -1;
	if (c->text)
		return atomic_file_write(file, c->text, strlen(c->text), err) < 0 ? -1 : 0;
	if (unlink(file) < 0 && errno != ENOENT)
		return sr_error_set_errno(err, errno, "remove %s", file);
	return 0;
}

/* Each folder's removals or writes (puts), in cfg's folder order. */
static int apply_folders(struct journal *j, const struct change *v, size_t n, bool puts, struct obj_dir_change *batch,
			 sr_error *err)
{
	for (const char *const *d = j->cfg.folders; d && *d; d++) {
		char folder[PATH_MAX];
		size_t k;
		int applied;
		if (batch_for(v, n, *d, puts, batch, &k) < 0)
			return sr_error_set_errno(err, ENOMEM, "compact");
		if (k == 0)
			continue;
		applied = state_path(j, *d, folder, sizeof(folder), err) < 0 ? -1 : obj_dir_apply(folder, batch, k, err);
		free_batch(batch, k);
		if (applied < 0)
			return -1;
		fault(j, "compact"); /* some records in their files, the others not yet */
	}
	return 0;
}

/* A retired file written into the folders (retire_done then removes or reuses it). Removals first: on a full disk they make the room the writes need, as the
 * per-record saves did; then top-level files (ipam.json's next_id before the pools it names),
 * then each folder's writes. Which order is not about a crash: until the file is gone, a
 * restart replays it whole. */
static int compact(struct journal *j, const struct journal_retired *r, sr_error *err)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len, n = 0, k;
	struct change *v = NULL;
	struct obj_dir_change *batch = NULL;
	bool failed = false;
	int rc = -1;
	if (journal_file_path(j, r->epoch, "", path, sizeof(path), err) < 0 ||
	    atomic_file_read(path, (char **)&buf, &len, err) < 0)
		return -1;
	if (len < r->end) {
		sr_error_set(err, EIO, "journal %s: shorter than its commits (%zu < %llu)", path, len,
			     (unsigned long long)r->end);
		goto out;
	}
	if (collect(buf, (size_t)r->end, &v, &n, path, err) < 0)
		goto out;
	if (n)
		qsort(v, n, sizeof(*v), by_path_order);
	batch = calloc(n + 1, sizeof(*batch));
	if (!batch) {
		sr_error_set_errno(err, ENOMEM, "compact %s", path);
		goto out;
	}
	if (apply_folders(j, v, n, false, batch, err) < 0)
		goto fail;
	if (batch_for(v, n, "", true, batch, &k) < 0) {
		sr_error_set_errno(err, ENOMEM, "compact");
		goto fail;
	}
	for (size_t i = 0; i < k && !failed; i++)
		failed = apply_file(j, &batch[i], err) < 0;
	free_batch(batch, k);
	if (failed || apply_folders(j, v, n, true, batch, err) < 0)
		goto fail;
	fault(j, "compacted"); /* every record in place: the file is not needed any more */
	rc = 0;
	goto out;
fail:
	sr_error_wrap(err, "compact %s", path);
out:
	free(batch);
	free(v);
	free(buf);
	return rc;
}

/* The spare slot filled (under mu) with a file made without mu; false: it came too late (a
 * commit made a newer file meanwhile, which this one would replay before) and is removed. */
static bool offer_spare(struct journal *j, int fd, uint64_t epoch, uint64_t size)
{
	char path[PATH_MAX];
	bool taken;
	pthread_mutex_lock(&j->mu);
	taken = j->spare_fd < 0 && epoch > j->last_active_epoch;
	if (taken) {
		j->spare_fd = fd;
		j->spare_epoch = epoch;
		j->spare_size = size;
	}
	pthread_mutex_unlock(&j->mu);
	if (!taken) {
		close(fd);
		if (journal_file_path(j, epoch, "", path, sizeof(path), NULL) == 0)
			unlink(path);
	}
	return taken;
}

static uint64_t next_epoch(struct journal *j)
{
	uint64_t epoch;
	pthread_mutex_lock(&j->mu);
	epoch = ++j->max_epoch;
	pthread_mutex_unlock(&j->mu);
	return epoch;
}

/* A spare is wanted: while running, once the journal is used or its active file holds commits
 * (from before a restart) to switch out; at a close, only when no file would be left for the
 * next start. */
static bool need_spare(struct journal *j, bool closing)
{
	bool need;
	pthread_mutex_lock(&j->mu);
	need = j->spare_fd < 0 && (closing ? j->fd < 0 : j->used || j->active_commits > 0);
	pthread_mutex_unlock(&j->mu);
	return need;
}

/* A new spare, made without mu (appends go on meanwhile). */
static void create_spare(struct journal *j)
{
	uint64_t epoch, size;
	int fd;
	sr_error err = {0};
	if (!need_spare(j, false))
		return;
	if (!j->leftovers_removed) {
		journal_remove_leftovers(j);
		j->leftovers_removed = true;
	}
	epoch = next_epoch(j);
	if (journal_create_file(j, epoch, true, &fd, &size, &err) == 0)
		offer_spare(j, fd, epoch, size);
	else
		journal_log(j, SR_LOG_DEBUG, "journal: no spare file yet: %s", err.msg);
}

/* A compacted file is done with: the next spare when one is wanted (its blocks reused, so the
 * journal's room on disk stays what it is), else removed; kept aside when damage hid commits. */
static int retire_done(struct journal *j, const struct journal_retired *r, bool closing, sr_error *err)
{
	char path[PATH_MAX], target[PATH_MAX + 16];
	uint64_t size;
	int fd;
	if (journal_file_path(j, r->epoch, "", path, sizeof(path), err) < 0)
		return -1;
	if (r->keep) {
		snprintf(target, sizeof(target), "%s.damaged", path);
		if (rename(path, target) < 0)
			return sr_error_set_errno(err, errno, "rename %s to %s", path, target);
		journal_log(j, SR_LOG_WARN, "journal: %s compacted; kept as %s for inspection", path, target);
		return 0;
	}
	if (need_spare(j, closing)) {
		uint64_t epoch = next_epoch(j);
		if (journal_recycle_file(j, r->epoch, r->end, epoch, &fd, &size, err) == 0) {
			offer_spare(j, fd, epoch, size);
			return 0;
		}
		journal_log(j, SR_LOG_DEBUG, "journal: %s not reused: %s", path, err->msg);
		sr_error_clear(err);
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return sr_error_set_errno(err, errno, "remove %s", path);
	return 0;
}

/* Every retired file compacted, oldest first; stops at the first failure. */
static int compact_retired(struct journal *j, bool closing, sr_error *err)
{
	for (;;) {
		struct journal_retired r;
		bool any;
		pthread_mutex_lock(&j->mu);
		any = j->n_retired > 0;
		if (any)
			r = j->retired[0];
		pthread_mutex_unlock(&j->mu);
		if (!any)
			return 0;
		if (compact(j, &r, err) < 0 || retire_done(j, &r, closing, err) < 0)
			return -1;
		pthread_mutex_lock(&j->mu);
		memmove(j->retired, j->retired + 1, (j->n_retired - 1) * sizeof(*j->retired));
		j->n_retired--;
		j->stats.compactions++;
		pthread_mutex_unlock(&j->mu);
		journal_log(j, SR_LOG_DEBUG, "journal: %zu commits of %s/%llu.log written into the record files",
			    r.commits, j->dir, (unsigned long long)r.epoch);
	}
}

/* Retired files first (one becomes the spare), then the active file when it is time and the
 * spare can take over (at a close, always), then that one. */
static int maintain(struct journal *j, bool all, bool closing, sr_error *err)
{
	bool switched = false;
	int rc;
	pthread_mutex_lock(&j->compact_mu);
	rc = compact_retired(j, closing, err);
	if (rc == 0 && !closing)
		create_spare(j);
	pthread_mutex_lock(&j->mu);
	if (rc == 0 && j->fd >= 0 && j->active_commits > 0 && (j->spare_fd >= 0 || closing) &&
	    (all || j->idle_checked || mono_s() - j->active_since >= IDLE_MAX_S || half_full(j))) {
		rc = switch_file(j, err);
		switched = rc == 0;
	}
	j->idle_checked = true;
	pthread_mutex_unlock(&j->mu);
	if (switched) {
		fault(j, "switch");
		rc = compact_retired(j, closing, err);
	}
	if (rc < 0 && !j->compact_failing)
		journal_log(j, SR_LOG_WARN, "journal %s: compaction failed (%s); retried, the journal keeps every change "
			    "meanwhile", j->dir, err ? err->msg : "");
	else if (rc == 0 && j->compact_failing)
		journal_log(j, SR_LOG_INFO, "journal %s: compaction works again", j->dir);
	j->compact_failing = rc < 0;
	pthread_mutex_unlock(&j->compact_mu);
	return rc;
}

int journal_maintain(struct journal *j, bool all, sr_error *err)
{
	return maintain(j, all, false, err);
}

size_t journal_pending(struct journal *j)
{
	size_t n;
	pthread_mutex_lock(&j->mu);
	n = j->active_commits;
	for (size_t i = 0; i < j->n_retired; i++)
		n += j->retired[i].commits;
	pthread_mutex_unlock(&j->mu);
	return n;
}

int journal_close(struct journal *j, sr_error *err)
{
	char path[PATH_MAX];
	if (maintain(j, true, true, err) < 0)
		return -1;
	pthread_mutex_lock(&j->mu);
	if (j->spare_fd >= 0 && j->fd >= 0) { /* one empty file is enough for the next start */
		close(j->spare_fd);
		j->spare_fd = -1;
		if (journal_file_path(j, j->spare_epoch, "", path, sizeof(path), NULL) == 0)
			unlink(path);
	}
	bool empty = j->n_retired == 0 && j->active_commits == 0;
	pthread_mutex_unlock(&j->mu);
	if (!empty || !j->guard_on)
		return 0;
	fault(j, "close");
	if (state_path(j, j->cfg.guard, path, sizeof(path), err) < 0 ||
	    atomic_file_write(path, j->cfg.guard_off, strlen(j->cfg.guard_off), err) < 0)
		return sr_error_wrap(err, "journal");
	j->guard_on = false;
	return 0;
}

void journal_free(struct journal *j)
{
	if (!j)
		return;
	journal_images_free(j);
	if (j->fd >= 0)
		close(j->fd);
	if (j->spare_fd >= 0)
		close(j->spare_fd);
	free(j->retired);
	pthread_mutex_destroy(&j->compact_mu);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

void journal_get_stats(struct journal *j, struct journal_stats *out)
{
	pthread_mutex_lock(&j->mu);
	*out = j->stats;
	pthread_mutex_unlock(&j->mu);
}
