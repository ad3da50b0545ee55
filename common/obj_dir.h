/* obj_dir: a folder holding one small file per object, <dir>/<id>.json, so that
 * persisting one change costs the same however many objects are recorded.
 *
 * Each file is replaced the way atomic_file does it: <id>.json.tmp is created
 * O_EXCL|O_NOFOLLOW (a stale or planted one is unlinked first, never followed),
 * written, made durable, then renamed over <id>.json; a crash leaves either the old
 * or the new file of each object. A removal is an unlink. A batch of changes shares
 * one fsync of the folder (group commit); a large batch (a migration) makes its data
 * durable with one syncfs instead of one fsync per file.
 *
 * Loading refuses anything odd: the folder itself a symlink, or in it a symlink, FIFO,
 * device or folder, or a name that is not <id>.json, each named in the error. <id>.json.tmp files are what a crash
 * mid-save leaves (a save that never happened): they are removed, and ignored when
 * that fails (a read-only start must still serve). */
#ifndef OBJ_DIR_H
#define OBJ_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "sr_error.h"

struct obj_dir_change {
	const char *id;
	const char *text; /* NULL: remove the object */
};

/* Writes, then removes, then one fsync of dir. 0: done (also when only the folder's
 * fsync failed: the renames happened, memory must follow them). -1: err says why;
 * objects before the failing one may already be in place (each whole). */
int obj_dir_apply(const char *dir, const struct obj_dir_change *changes, size_t n, sr_error *err);

/* Calls each(ctx, id, path, text) for every <id>.json, in name order; stops at the
 * first error. A missing dir is an error (ENOENT). */
typedef int (*obj_dir_each_fn)(void *ctx, const char *id, const char *path, const char *text, sr_error *err);
int obj_dir_load(const char *dir, obj_dir_each_fn each, void *ctx, sr_error *err);

/* A newer version of an object than its file (journal.h): text NULL = removed. where names
 * it in errors instead of the file ("<journal file> at offset N"). */
struct obj_dir_image {
	const char *id;
	const char *text;
	const char *where;
};
/* obj_dir_load with images (sorted by ID) taking the place of the files of the same ID. */
int obj_dir_load_over(const char *dir, const struct obj_dir_image *images, size_t n, obj_dir_each_fn each, void *ctx,
		      sr_error *err);

/* Reads <dir>/<id>.json: 0 with *text (free it), 1 when absent, -1 on error. */
int obj_dir_read(const char *dir, const char *id, char **text, sr_error *err);

/* What is at dir: 0 absent, 1 a folder (*objects: how many <id>.json it holds), -1 a
 * symlink or anything else (named in err). */
int obj_dir_probe(const char *dir, size_t *objects, sr_error *err);

/* Makes dir (0700) if absent and removes every object in it whose ID is not in keep (n_keep
 * IDs): what a whole-set rewrite (a conversion of an older layout) does after or before writing
 * the set, never a blind emptying first. A symlink at dir is refused (never followed). */
int obj_dir_keep_only(const char *dir, const char *const *keep, size_t n_keep, sr_error *err);

/* Before a whole-set rewrite (obj_dir_keep_only) converts an older layout into dir: such a
 * rewrite writes note_path first and removes it once the new layout's marker is in place, so
 * objects found in dir while note_path exists are an interrupted rewrite's, to be replaced.
 * 1: dir holds objects (*objects) and there is no note: they were there before (an older
 * marker restored beside newer folders) and are not the rewrite's to delete. 0: dir absent,
 * empty, or the note is there. -1: dir is a symlink or not a folder (err names it). */
int obj_dir_unclaimed(const char *dir, const char *note_path, size_t *objects, sr_error *err);

/* Whether id can name a file here: not empty, no '/', not "." or "..". */
bool obj_dir_id_ok(const char *id);

#endif
