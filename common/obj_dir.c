#include "obj_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

#define SUFFIX ".json"
#define TMP_SUFFIX ".json.tmp"
/* above this many files in one batch, one syncfs beats one fsync (one journal commit) each */
#define FSYNC_EACH_MAX 8

bool obj_dir_id_ok(const char *id)
{
	return id[0] && !strchr(id, '/') && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

static int obj_path(const char *dir, const char *id, const char *suffix, char *out, sr_error *err)
{
	if (!obj_dir_id_ok(id))
		return sr_error_set(err, EINVAL, "%s: '%.64s' cannot name a file", dir, id);
	if (snprintf(out, PATH_MAX, "%s/%s%s", dir, id, suffix) >= PATH_MAX)
		return sr_error_set(err, ENAMETOOLONG, "%s/%.64s: path too long", dir, id);
	return 0;
}

/* <id>.json.tmp with the new text; durable only when sync (else the batch's syncfs does it) */
static int stage(const char *dir, const struct obj_dir_change *c, bool sync, sr_error *err)
{
	char tmp[PATH_MAX];
	if (obj_path(dir, c->id, TMP_SUFFIX, tmp, err) < 0)
		return -1;
	return atomic_file_write_tmp(tmp, c->text, strlen(c->text), sync, err);
}

static void unstage(const char *dir, const struct obj_dir_change *c, size_t n)
{
	char tmp[PATH_MAX];
	for (size_t i = 0; i < n; i++)
		if (c[i].text && obj_path(dir, c[i].id, TMP_SUFFIX, tmp, NULL) == 0)
			unlink(tmp);
}

/* dir opened as a folder, never through a symlink (one there is refused: what it points at
 * is not ours to read, rewrite or empty). */
static int open_folder(const char *dir, sr_error *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (dfd >= 0)
		return dfd;
	if ((errno == ELOOP || errno == ENOTDIR) && lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode))
		return sr_error_set(err, ELOOP, "%s is a symbolic link; only a folder is accepted", dir);
	return sr_error_set_errno(err, errno, "open %s", dir);
}

int obj_dir_apply(const char *dir, const struct obj_dir_change *changes, size_t n, sr_error *err)
{
	char from[PATH_MAX], to[PATH_MAX];
	size_t writes = 0;
	int dfd, rc = -1;
	for (size_t i = 0; i < n; i++)
		writes += changes[i].text != NULL;
	if (n == 0)
		return 0;
	dfd = open_folder(dir, err);
	if (dfd < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (changes[i].text && stage(dir, &changes[i], writes <= FSYNC_EACH_MAX, err) < 0) {
			unstage(dir, changes, i);
			goto out;
		}
	/* every new file's data must be on disk before any rename makes it the object */
	if (writes > FSYNC_EACH_MAX && syncfs(dfd) < 0) {
		sr_error_set_errno(err, errno, "syncfs %s", dir);
		unstage(dir, changes, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct obj_dir_change *c = &changes[i];
		if (obj_path(dir, c->id, SUFFIX, to, err) < 0)
			goto out;
		if (c->text) {
			obj_path(dir, c->id, TMP_SUFFIX, from, NULL);
			if (rename(from, to) < 0) {
				sr_error_set_errno(err, errno, "rename %s to %s", from, to);
				unstage(dir, changes + i, n - i);
				goto out;
			}
		} else if (unlink(to) < 0 && errno != ENOENT) {
			sr_error_set_errno(err, errno, "remove %s", to);
			unstage(dir, changes + i, n - i);
			goto out;
		}
	}
	/* From here the new files are what the folder says: a failed fsync is not "not written"
	 * (as atomic_file_write's 1); the next change's fsync of the folder covers it. */
	(void)fsync(dfd);
	rc = 0;
out:
	close(dfd);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The <id>.json names in the folder dfd (dir, for messages), sorted; removes <id>.json.tmp
 * leftovers; refuses odd names. */
static int list_objects(int dfd, const char *dir, char ***out, size_t *count, sr_error *err)
{
	int own = dup(dfd);
	DIR *dp = own < 0 ? NULL : fdopendir(own);
	struct dirent *de;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	if (!dp) {
		sr_error_set_errno(err, errno, "open %s", dir);
		if (own >= 0)
			close(own);
		return -1;
	}
	while ((errno = 0, de = readdir(dp))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
			sr_error_set(err, ENAMETOOLONG, "%s/%.64s: path too long", dir, name);
			goto fail;
		}
		if (ends_with(name, TMP_SUFFIX)) {
			(void)unlinkat(dfd, name, 0); /* a save that never happened; kept if it cannot go */
			continue;
		}
		if (!ends_with(name, SUFFIX)) {
			sr_error_set(err, EINVAL, "%s: unexpected entry (only <id>.json files belong here)", path);
			goto fail;
		}
		if (n == cap) {
			size_t new_cap = cap ? cap * 2 : 64;
			char **grown = realloc(names, new_cap * sizeof(*grown));
			if (!grown) {
				sr_error_set_errno(err, ENOMEM, "list %s", dir);
				goto fail;
			}
			names = grown;
			cap = new_cap;
		}
		names[n] = strdup(name);
		if (!names[n]) {
			sr_error_set_errno(err, ENOMEM, "list %s", dir);
			goto fail;
		}
		names[n++][strlen(name) - strlen(SUFFIX)] = '\0';
	}
	if (errno) {
		sr_error_set_errno(err, errno, "read %s", dir);
		goto fail;
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	*out = names;
	*count = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dp);
	return -1;
}

int obj_dir_load(const char *dir, obj_dir_each_fn each, void *ctx, sr_error *err)
{
	return obj_dir_load_over(dir, NULL, 0, each, ctx, err);
}

static int load_file(const char *dir, const char *id, obj_dir_each_fn each, void *ctx, sr_error *err)
{
	char path[PATH_MAX], *text;
	size_t len;
	int rc;
	if (obj_path(dir, id, SUFFIX, path, err) < 0 || atomic_file_read(path, &text, &len, err) < 0)
		return -1;
	if (strlen(text) != len) {
		free(text);
		return sr_error_set(err, EINVAL, "%s: holds a NUL byte", path);
	}
	rc = each(ctx, id, path, text, err);
	free(text);
	return rc;
}

int obj_dir_load_over(const char *dir, const struct obj_dir_image *images, size_t n_images, obj_dir_each_fn each,
		      void *ctx, sr_error *err)
{
	char **names;
	size_t n, i = 0, k = 0;
	int rc = 0, dfd = open_folder(dir, err);
	if (dfd < 0)
		return -1;
	rc = list_objects(dfd, dir, &names, &n, err);
	close(dfd);
	if (rc < 0)
		return -1;
	/* both lists sorted by ID: an image replaces the file of its ID, or adds one */
	while (rc == 0 && (i < n || k < n_images)) {
		int c = i == n ? 1 : k == n_images ? -1 : strcmp(names[i], images[k].id);
		if (c < 0) {
			rc = load_file(dir, names[i++], each, ctx, err);
			continue;
		}
		if (c == 0)
			i++;
		if (images[k].text && !obj_dir_id_ok(images[k].id))
			rc = sr_error_set(err, EINVAL, "%s: '%.64s' cannot name a file", images[k].where, images[k].id);
		else if (images[k].text)
			rc = each(ctx, images[k].id, images[k].where, images[k].text, err);
		k++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc < 0 ? -1 : 0;
}

int obj_dir_read(const char *dir, const char *id, char **text, sr_error *err)
{
	char path[PATH_MAX];
	size_t len;
	*text = NULL;
	if (obj_path(dir, id, SUFFIX, path, err) < 0)
		return -1;
	if (atomic_file_read(path, text, &len, err) < 0) {
		if (err && err->code == ENOENT) {
			sr_error_clear(err);
			return 1;
		}
		return -1;
	}
	return 0;
}

int obj_dir_probe(const char *dir, size_t *objects, sr_error *err)
{
	struct stat sb;
	DIR *dp;
	struct dirent *de;
	*objects = 0;
	if (lstat(dir, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		return sr_error_set_errno(err, errno, "stat %s", dir);
	}
	if (S_ISLNK(sb.st_mode))
		return sr_error_set(err, ELOOP, "%s is a symbolic link; only a folder is accepted", dir);
	if (!S_ISDIR(sb.st_mode))
		return sr_error_set(err, ENOTDIR, "%s is not a folder", dir);
	dp = opendir(dir);
	if (!dp)
		return sr_error_set_errno(err, errno, "open %s", dir);
	while ((de = readdir(dp)))
		if (ends_with(de->d_name, SUFFIX))
			(*objects)++;
	closedir(dp);
	return 1;
}

int obj_dir_keep_only(const char *dir, const char *const *keep, size_t n_keep, sr_error *err)
{
	const char **sorted = calloc(n_keep ? n_keep : 1, sizeof(*sorted));
	char **names = NULL, file[PATH_MAX];
	size_t n = 0;
	int dfd = -1, rc = -1;
	if (!sorted)
		return sr_error_set_errno(err, ENOMEM, "%s", dir);
	if (n_keep)
		memcpy(sorted, keep, n_keep * sizeof(*sorted));
	qsort(sorted, n_keep, sizeof(*sorted), by_name);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		sr_error_set_errno(err, errno, "create %s", dir);
		goto out;
	}
	dfd = open_folder(dir, err);
	if (dfd < 0 || list_objects(dfd, dir, &names, &n, err) < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *id = names[i];
		if (bsearch(&id, sorted, n_keep, sizeof(*sorted), by_name))
			continue;
		snprintf(file, sizeof(file), "%s%s", id, SUFFIX);
		if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT)
			rc = sr_error_set_errno(err, errno, "remove %s/%s", dir, file);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	if (dfd >= 0)
		close(dfd);
	free(sorted);
	return rc;
}

int obj_dir_unclaimed(const char *dir, const char *note_path, size_t *objects, sr_error *err)
{
	int have = obj_dir_probe(dir, objects, err);
	if (have <= 0 || *objects == 0)
		return have < 0 ? -1 : 0;
	struct stat sb;
	return lstat(note_path, &sb) == 0 ? 0 : 1;
}
