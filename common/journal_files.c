/* journal_files: the journal's files: reading them all at open (the images loaders read, the
 * damage found, which file takes the next appends) and creating a new one. */
#include "journal_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "atomic_file.h"

#define MIN_FILE ((uint64_t)16 << 10) /* preallocation on a small file system, at least */

void journal_log(const struct journal *j, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!j->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sr_log_msg(j->cfg.log, level, "%s", msg);
}

int journal_file_path(const struct journal *j, uint64_t epoch, const char *suffix, char *out, size_t size,
		      sr_error *err)
{
	if (snprintf(out, size, "%s/%llu.log%s", j->dir, (unsigned long long)epoch, suffix) >= (int)size)
		return sr_error_set(err, ENAMETOOLONG, "%s: path too long", j->dir);
	return 0;
}

bool journal_path_ok(const struct journal *j, const char *path, size_t len)
{
	for (const char *const *f = j->cfg.files; f && *f; f++)
		if (strlen(*f) == len && !memcmp(*f, path, len))
			return true;
	for (const char *const *d = j->cfg.folders; d && *d; d++) {
		size_t n = strlen(*d);
		const char *id = path + n + 1;
		size_t id_len;
		if (len <= n + 1 + 5 || memcmp(path, *d, n) != 0 || path[n] != '/')
			continue;
		id_len = len - n - 1 - 5;
		if (memcmp(id + id_len, ".json", 5) != 0 || memchr(id, '/', id_len) ||
		    (id_len == 1 && id[0] == '.') || (id_len == 2 && id[0] == '.' && id[1] == '.'))
			return false;
		return true;
	}
	return false;
}

int journal_retire(struct journal *j, uint64_t epoch, uint64_t end, bool keep, size_t commits)
{
	if (j->n_retired == j->cap_retired) {
		size_t cap = j->cap_retired ? j->cap_retired * 2 : 4;
		struct journal_retired *p = realloc(j->retired, cap * sizeof(*p));
		if (!p)
			return -1;
		j->retired = p;
		j->cap_retired = cap;
	}
	j->retired[j->n_retired++] = (struct journal_retired){epoch, end, keep, commits};
	return 0;
}

/* ---- open: every file read, the images built ---- */

/* One record's newest text as read (before they are grouped by folder). */
struct image {
	char *path; /* NUL-terminated copies */
	char *text; /* NULL: removed */
	char *where;
	size_t order;
};

struct reading {
	struct image *v;
	size_t n, cap;
	uint64_t last_seq;
	size_t commits;
};

static int keep_string(struct journal *j, char *s)
{
	if (!s)
		return -1;
	if (j->n_strings == j->cap_strings) {
		size_t cap = j->cap_strings ? j->cap_strings * 2 : 64;
		char **p = realloc(j->strings, cap * sizeof(*p));
		if (!p) {
			free(s);
			return -1;
		}
		j->strings = p;
		j->cap_strings = cap;
	}
	j->strings[j->n_strings++] = s;
	return 0;
}

static int add_image(struct reading *r, const struct journal_entry *e, const char *file, uint64_t off)
{
	struct image *im;
	char where[PATH_MAX + 64];
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct image *p = realloc(r->v, cap * sizeof(*p));
		if (!p)
			return -1;
		r->v = p;
		r->cap = cap;
	}
	im = &r->v[r->n];
	snprintf(where, sizeof(where), "%s (commit at offset %llu)", file, (unsigned long long)off);
	im->path = strndup(e->path, e->path_len);
	im->text = e->text ? strndup(e->text, e->text_len) : NULL;
	im->where = strdup(where);
	im->order = r->n;
	if (!im->path || !im->where || (e->text && !im->text)) {
		free(im->path);
		free(im->text);
		free(im->where);
		return -1;
	}
	r->n++;
	return 0;
}

/* Commits after a damaged one that still look whole: said in the log, never applied (each may
 * depend on the one lost). */
static size_t count_later(const unsigned char *buf, size_t len, size_t from)
{
	size_t n = 0, pos = (from + 8) & ~(size_t)7;
	while (pos + JOURNAL_HEAD_SIZE <= len) {
		struct journal_commit c;
		const char *why;
		if (journal_scan(buf + pos, len - pos, &c, &why) == JOURNAL_COMMIT) {
			n++;
			pos += c.size;
		} else
			pos += 8;
	}
	return n;
}

/* Nothing but zeros from p on: a clean end (every file is zeros after its last commit). */
static bool zeros_to_end(const unsigned char *p, size_t n)
{
	static const unsigned char zeros[4096];
	for (size_t off = 0; off < n; off += sizeof(zeros)) {
		size_t k = n - off < sizeof(zeros) ? n - off : sizeof(zeros);
		if (memcmp(p + off, zeros, k) != 0)
			return false;
	}
	return true;
}

/* Every commit of one file, up to its clean end or its damage. */
static int read_file(struct journal *j, uint64_t epoch, bool last, struct reading *r, sr_error *err)
{
	char path[PATH_MAX];
	unsigned char *buf;
	size_t len, pos = JOURNAL_HEADER_SIZE, commits = 0;
	uint64_t header_epoch;
	const char *why = NULL;
	bool damaged = false;
	int rc = -1;
	if (journal_file_path(j, epoch, "", path, sizeof(path), err) < 0 ||
	    atomic_file_read(path, (char **)&buf, &len, err) < 0)
		return -1;
	if (journal_header_decode(buf, len, &header_epoch, &why) < 0 || header_epoch != epoch) {
		sr_error_set(err, EINVAL,
			     "journal file %s: %s; it may hold changes not in the record files: restore it, or move it "
			     "aside (losing them), or start with --init to abandon the saved state",
			     path, why ? why : "its header names another epoch");
		goto out;
	}
	for (;;) {
		struct journal_commit c;
		enum journal_scan s = journal_scan(buf + pos, len - pos, &c, &why);
		size_t at = 0;
		struct journal_entry e;
		if (s == JOURNAL_END && zeros_to_end(buf + pos, len - pos))
			break;
		if (s == JOURNAL_END) {
			/* a torn write whose head never landed, or damage: either way not a clean end */
			why = "no commit there, but data after it";
			s = JOURNAL_BAD;
		}
		if (s == JOURNAL_COMMIT && c.seq <= r->last_seq) {
			why = "a commit number not above the previous one";
			s = JOURNAL_BAD;
		}
		while (s == JOURNAL_COMMIT && journal_entry_next(&c, &at, &e))
			if (!journal_path_ok(j, e.path, e.path_len)) {
				why = "an entry naming no record's file";
				s = JOURNAL_BAD;
			}
		if (s == JOURNAL_BAD) {
			damaged = true;
			break;
		}
		at = 0;
		while (journal_entry_next(&c, &at, &e))
			if (add_image(r, &e, path, pos) < 0) {
				sr_error_set_errno(err, ENOMEM, "read %s", path);
				goto out;
			}
		r->last_seq = c.seq;
		commits++;
		pos += c.size;
	}
	if (damaged) {
		size_t later = count_later(buf, len, pos);
		if (later)
			journal_log(j, SR_LOG_ERROR,
				    "journal %s: commit at offset %zu is corrupt (%s): dropped, and with it %zu later "
				    "commits of this file (they may depend on it); the %zu commits before it are kept; "
				    "the file is kept as %s.damaged once compacted",
				    path, pos, why, later, commits, path);
		else
			journal_log(j, SR_LOG_WARN,
				    "journal %s: torn or corrupt tail at offset %zu (%s): dropped (a write the plugin "
				    "never acknowledged, or damage); the %zu commits before it are kept",
				    path, pos, why, commits);
		if (journal_retire(j, epoch, pos, later > 0, commits) < 0)
			goto nomem;
	} else if (last) {
		/* the newest file, whole: it takes the next appends */
		j->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (j->fd < 0) {
			sr_error_set_errno(err, errno, "open %s", path);
			goto out;
		}
		j->epoch = epoch;
		j->tail = j->synced = pos;
		j->size = len;
		j->active_commits = commits;
	} else if (journal_retire(j, epoch, pos, false, commits) < 0)
		goto nomem;
	r->commits += commits;
	rc = 0;
	goto out;
nomem:
	sr_error_set_errno(err, ENOMEM, "read %s", path);
out:
	free(buf);
	return rc;
}

static int by_path_then_order(const void *a, const void *b)
{
	const struct image *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct obj_dir_image *)a)->id, ((const struct obj_dir_image *)b)->id);
}

/* The newest image of each path, sorted into its folder (or top-level file). Takes the strings. */
static int build_images(struct journal *j, struct reading *r)
{
	size_t n_folders = 0, n_files = 0;
	int rc = 0;
	for (const char *const *d = j->cfg.folders; d && *d; d++)
		n_folders++;
	for (const char *const *f = j->cfg.files; f && *f; f++)
		n_files++;
	j->folders = calloc(n_folders + 1, sizeof(*j->folders));
	j->file_texts = calloc(n_files + 1, sizeof(*j->file_texts));
	if (!j->folders || !j->file_texts)
		return -1;
	j->n_folders = n_folders;
	for (size_t i = 0; i < n_folders; i++) {
		j->folders[i].name = j->cfg.folders[i];
		j->folders[i].images = calloc(r->n + 1, sizeof(*j->folders[i].images));
		if (!j->folders[i].images)
			return -1;
	}
	if (r->n)
		qsort(r->v, r->n, sizeof(*r->v), by_path_then_order);
	for (size_t i = 0; i < r->n; i++) {
		struct image *im = &r->v[i];
		bool newest = i + 1 == r->n || strcmp(im->path, r->v[i + 1].path) != 0;
		bool placed = false;
		for (size_t f = 0; newest && f < n_files; f++)
			if (!strcmp(im->path, j->cfg.files[f])) {
				j->file_texts[f] = im->text; /* a top-level file is never removed by a commit */
				placed = true;
			}
		for (size_t d = 0; newest && !placed && d < n_folders; d++) {
			size_t n = strlen(j->folders[d].name);
			if (strncmp(im->path, j->folders[d].name, n) != 0 || im->path[n] != '/')
				continue;
			struct journal_folder *fo = &j->folders[d];
			/* "<folder>/<id>.json" -> "<id>", in place */
			memmove(im->path, im->path + n + 1, strlen(im->path + n + 1) + 1);
			im->path[strlen(im->path) - 5] = '\0';
			fo->images[fo->n++] = (struct obj_dir_image){im->path, im->text, im->where};
		}
		/* every string kept until journal_images_free, whether it is the newest or not */
		if ((keep_string(j, im->path) | keep_string(j, im->where)) < 0 || (im->text && keep_string(j, im->text) < 0))
			rc = -1;
		im->path = im->text = im->where = NULL; /* the journal's now (or freed) */
	}
	for (size_t d = 0; d < n_folders; d++)
		if (j->folders[d].n)
			qsort(j->folders[d].images, j->folders[d].n, sizeof(*j->folders[d].images), by_id);
	return rc;
}

static bool parse_epoch(const char *name, uint64_t *epoch)
{
	char *end;
	unsigned long long v;
	if (name[0] < '1' || name[0] > '9')
		return false;
	errno = 0;
	v = strtoull(name, &end, 10);
	if (errno || strcmp(end, ".log") != 0)
		return false;
	*epoch = v;
	return true;
}

static int by_epoch(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

/* The epochs of <dir>/<epoch>.log, sorted; a spare never finished (.tmp) and a damaged file
 * kept aside are skipped, anything else is refused. */
static int list_epochs(struct journal *j, uint64_t **out, size_t *count, sr_error *err)
{
	struct stat sb;
	DIR *dp;
	struct dirent *de;
	uint64_t *v = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	if (lstat(j->dir, &sb) < 0)
		return errno == ENOENT ? 0 : sr_error_set_errno(err, errno, "stat %s", j->dir);
	if (S_ISLNK(sb.st_mode))
		return sr_error_set(err, ELOOP, "%s is a symbolic link; only a folder is accepted", j->dir);
	if (!S_ISDIR(sb.st_mode))
		return sr_error_set(err, ENOTDIR, "%s is not a folder", j->dir);
	dp = opendir(j->dir);
	if (!dp)
		return sr_error_set_errno(err, errno, "open %s", j->dir);
	while ((errno = 0, de = readdir(dp))) {
		uint64_t epoch;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || ends_with(de->d_name, ".log.tmp") ||
		    ends_with(de->d_name, ".log.damaged"))
			continue;
		if (!parse_epoch(de->d_name, &epoch)) {
			sr_error_set(err, EINVAL, "%s/%s: unexpected entry (only <number>.log files belong here)", j->dir,
				     de->d_name);
			goto fail;
		}
		if (n == cap) {
			size_t new_cap = cap ? cap * 2 : 8;
			uint64_t *p = realloc(v, new_cap * sizeof(*p));
			if (!p) {
				sr_error_set_errno(err, ENOMEM, "list %s", j->dir);
				goto fail;
			}
			v = p;
			cap = new_cap;
		}
		v[n++] = epoch;
	}
	if (errno) {
		sr_error_set_errno(err, errno, "read %s", j->dir);
		goto fail;
	}
	closedir(dp);
	if (n)
		qsort(v, n, sizeof(*v), by_epoch);
	*out = v;
	*count = n;
	return 0;
fail:
	free(v);
	closedir(dp);
	return -1;
}

int journal_load_files(struct journal *j, sr_error *err)
{
	struct reading r = {0};
	uint64_t *epochs;
	size_t n;
	int rc = -1;
	if (list_epochs(j, &epochs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (read_file(j, epochs[i], i + 1 == n, &r, err) < 0)
			goto out;
	if (n)
		j->max_epoch = j->last_active_epoch = epochs[n - 1];
	j->next_seq = r.last_seq + 1;
	j->replayed = r.commits;
	if (build_images(j, &r) < 0) {
		sr_error_set_errno(err, ENOMEM, "read %s", j->dir);
		goto out;
	}
	if (r.commits)
		journal_log(j, SR_LOG_INFO, "journal %s: %zu commits from %zu files to replay over the record files",
			    j->dir, r.commits, n);
	rc = 0;
out:
	for (size_t i = 0; i < r.n; i++) {
		free(r.v[i].path);
		free(r.v[i].text);
		free(r.v[i].where);
	}
	free(r.v);
	free(epochs);
	return rc;
}

/* ---- a new file ---- */

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The preallocation: cfg's size, but at most an eighth of the room left (none below 32 KiB). */
static uint64_t wanted_size(const struct journal *j)
{
	struct statvfs sv;
	uint64_t size = j->file_size, room;
	if (statvfs(j->state_dir, &sv) < 0)
		return size;
	room = (uint64_t)(geteuid() == 0 ? sv.f_bfree : sv.f_bavail) * (sv.f_frsize ? sv.f_frsize : 4096);
	if (room < 2 * MIN_FILE)
		return JOURNAL_HEADER_SIZE;
	if (size > room / 8)
		size = room / 8 < MIN_FILE ? MIN_FILE : room / 8;
	return size & ~(uint64_t)4095;
}

int journal_create_file(struct journal *j, uint64_t epoch, bool spare, int *fd_out, uint64_t *size_out, sr_error *err)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	unsigned char header[JOURNAL_HEADER_SIZE];
	uint64_t size = wanted_size(j);
	struct stat sb;
	int fd;
	if (journal_file_path(j, epoch, ".tmp", tmp, sizeof(tmp), err) < 0 ||
	    journal_file_path(j, epoch, "", path, sizeof(path), err) < 0)
		return -1;
	if (mkdir(j->dir, 0700) == 0)
		(void)sync_dir(j->state_dir); /* the folder's own entry, before anything counts on it */
	else if (errno != EEXIST)
		return sr_error_set_errno(err, errno, "create %s", j->dir);
	if (unlink(tmp) < 0 && errno != ENOENT)
		return sr_error_set_errno(err, errno, "remove stale %s", tmp);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "create %s", tmp);
	journal_header_encode(epoch, header);
	if (pwrite(fd, header, sizeof(header), 0) != (ssize_t)sizeof(header)) {
		sr_error_set_errno(err, errno ? errno : EIO, "write %s", tmp);
		goto fail;
	}
	/* room for the appends: zeros (the clean end) that need no metadata change when written;
	 * when the disk has no room for them, the file grows with its appends instead */
	if (size > JOURNAL_HEADER_SIZE && posix_fallocate(fd, JOURNAL_HEADER_SIZE, (off_t)(size - JOURNAL_HEADER_SIZE)) != 0 &&
	    ftruncate(fd, JOURNAL_HEADER_SIZE) < 0) {
		sr_error_set_errno(err, errno, "preallocate %s", tmp);
		goto fail;
	}
	if (fsync(fd) < 0) {
		sr_error_set_errno(err, errno, "fsync %s", tmp);
		goto fail;
	}
	if (spare && j->cfg.fault)
		j->cfg.fault(j->cfg.ctx, "spare");
	if (rename(tmp, path) < 0) {
		sr_error_set_errno(err, errno, "rename %s to %s", tmp, path);
		goto fail;
	}
	(void)sync_dir(j->dir); /* lost, the file is simply not there: the next commit makes another */
	*fd_out = fd;
	*size_out = fstat(fd, &sb) == 0 ? (uint64_t)sb.st_size : JOURNAL_HEADER_SIZE;
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

int journal_recycle_file(struct journal *j, uint64_t old_epoch, uint64_t end, uint64_t epoch, int *fd_out,
			 uint64_t *size_out, sr_error *err)
{
	char old[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX];
	unsigned char header[JOURNAL_HEADER_SIZE];
	struct stat sb;
	int fd;
	if (journal_file_path(j, old_epoch, "", old, sizeof(old), err) < 0 ||
	    journal_file_path(j, epoch, ".tmp", tmp, sizeof(tmp), err) < 0 ||
	    journal_file_path(j, epoch, "", path, sizeof(path), err) < 0)
		return -1;
	if (unlink(tmp) < 0 && errno != ENOENT)
		return sr_error_set_errno(err, errno, "remove stale %s", tmp);
	/* from here nothing of it replays: its records are in their files already */
	if (rename(old, tmp) < 0)
		return sr_error_set_errno(err, errno, "rename %s to %s", old, tmp);
	fd = open(tmp, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		sr_error_set_errno(err, errno, "open %s", tmp);
		unlink(tmp);
		return -1;
	}
	/* zeros again right after the header: the clean end (unwritten extents where the file
	 * system can, written zeros elsewhere); its blocks stay allocated */
	if (end > JOURNAL_HEADER_SIZE &&
	    fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, JOURNAL_HEADER_SIZE,
		      (off_t)(end - JOURNAL_HEADER_SIZE)) < 0) {
		static const unsigned char zeros[4096];
		for (uint64_t off = JOURNAL_HEADER_SIZE; off < end; off += sizeof(zeros)) {
			size_t n = end - off < sizeof(zeros) ? (size_t)(end - off) : sizeof(zeros);
			if (pwrite(fd, zeros, n, (off_t)off) != (ssize_t)n) {
				sr_error_set_errno(err, errno ? errno : EIO, "zero %s", tmp);
				goto fail;
			}
		}
	}
	journal_header_encode(epoch, header);
	if (pwrite(fd, header, sizeof(header), 0) != (ssize_t)sizeof(header) || fdatasync(fd) < 0) {
		sr_error_set_errno(err, errno ? errno : EIO, "write %s", tmp);
		goto fail;
	}
	if (j->cfg.fault)
		j->cfg.fault(j->cfg.ctx, "spare");
	if (rename(tmp, path) < 0) {
		sr_error_set_errno(err, errno, "rename %s to %s", tmp, path);
		goto fail;
	}
	(void)sync_dir(j->dir);
	*fd_out = fd;
	*size_out = fstat(fd, &sb) == 0 ? (uint64_t)sb.st_size : JOURNAL_HEADER_SIZE;
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

void journal_remove_leftovers(struct journal *j)
{
	DIR *dp = opendir(j->dir);
	struct dirent *de;
	char path[PATH_MAX];
	while (dp && (de = readdir(dp)))
		if (ends_with(de->d_name, ".log.tmp") &&
		    snprintf(path, sizeof(path), "%s/%s", j->dir, de->d_name) < (int)sizeof(path))
			(void)unlinkat(dirfd(dp), de->d_name, 0);
	if (dp)
		closedir(dp);
}
