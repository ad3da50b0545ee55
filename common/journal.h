/* journal: one durable write per change for a state dir of per-record files (obj_dir.h).
 *
 * A change is one commit (every record it touches, each as its whole new file, or its
 * removal; journal_format.h) appended to the active file <state dir>/journal/<epoch>.log and
 * made durable with one fdatasync. The file is preallocated, so an append changes data only,
 * not the file's size. Commits of several threads that arrive while a sync is running share
 * the next one (group commit): one fdatasync for all of them.
 *
 * Compaction (journal_maintain, from the daemon's background thread): the active file is
 * retired (a spare file prepared beforehand takes the next appends; the switch waits only for
 * the sync in flight), the newest text of each record it holds is written into the record's
 * own file (obj_dir_apply: tmp, fsync, rename, a fsync of the folder), then the file is removed.
 * After compaction the per-record files are the state; until then the state is those files
 * with the journal's commits replayed over them, oldest file first, in commit order. Replaying
 * a file whose records are already in place again is harmless: each record is whole.
 *
 * Open (journal_open) reads every file and writes nothing: the commits up to each file's
 * clean end are the images loaders read over the folders (journal_folder_images,
 * journal_file_image). A torn or corrupt commit is logged naming the file and its offset,
 * and dropped together with whatever follows it in that file; every commit before it is kept.
 * Such a file takes no more appends. A file whose header is damaged is refused (we cannot
 * tell what it held).
 *
 * The guard file (the state dir's marker) says guard_on from before the first commit until a
 * clean close has compacted everything (then guard_off): an older plugin, which would read the
 * folders and ignore the journal, refuses guard_on's version instead.
 *
 * A full disk: a commit that puts a record's text is refused (ENOSPC) when the file system
 * has less room than that file will take, as the per-record write it replaces would have
 * failed; removals are accepted (compaction unlinks). The preallocated room never lets a full
 * disk take changes the folders cannot hold.
 *
 * Thread-safe: commits from any thread; one maintain at a time (its own lock). */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal_format.h"
#include "obj_dir.h"
#include "sr_error.h"
#include "sr_log.h"

#define JOURNAL_DIR "journal"
#define JOURNAL_FILE_SIZE ((uint64_t)4 << 20) /* preallocation of each file, at most */
/* A file is read whole (atomic_file_read: 64 MiB at most): no commit makes it larger than this;
 * one that would is refused (compaction is behind: a disk that cannot take the record files). */
#define JOURNAL_FILE_MAX ((uint64_t)60 << 20)

struct journal_config {
	const char *state_dir;
	const char *const *folders; /* record folders, NULL-terminated, in compaction order */
	const char *const *files;   /* top-level files a commit may replace, NULL-terminated */
	const char *guard;          /* the marker file in state_dir */
	const char *guard_on;       /* its text while the journal may hold commits */
	const char *guard_off;      /* its text once a clean close emptied the journal */
	bool guard_is_on;           /* what it says now */
	uint64_t file_size;         /* preallocation; 0 = JOURNAL_FILE_SIZE (less on a small disk) */
	const struct sr_log *log;   /* NULL: silent */
	/* test hooks: fault(ctx, point) at each fault point (it may end the process there), wake(ctx)
	 * when the active file is half full (maintain soon) */
	void (*fault)(void *ctx, const char *point);
	void (*wake)(void *ctx);
	void *ctx;
};

struct journal;

/* Reads <state_dir>/journal (absent: an empty journal). Refuses a symlink, an unexpected
 * name, a file whose header is damaged. The strings of cfg must outlive the journal. */
int journal_open(const struct journal_config *cfg, struct journal **out, sr_error *err);

/* Commits read at open (0: nothing to replay). */
size_t journal_replayed(const struct journal *j);
/* What the journal says of folder's records, newest per ID, sorted by ID (text NULL: removed). */
void journal_folder_images(const struct journal *j, const char *folder, const struct obj_dir_image **images,
			   size_t *n);
/* The newest text of a top-level file (cfg.files) in the journal, or NULL. */
const char *journal_file_image(const struct journal *j, const char *name);
/* Loaders are done: the images' memory goes (compaction reads the files again). */
void journal_images_free(struct journal *j);

/* Appends t as one commit and returns once it is durable (0), or refuses it (-1, err; nothing
 * of it will be replayed). An empty t is a no-op. */
int journal_commit(struct journal *j, struct journal_txn *t, sr_error *err);

/* Compaction step: retires the active file if it holds commits (always when all, otherwise
 * when it is half full or has been idle since the last step), writes every retired file into
 * the folders and removes it, prepares the spare. -1: a compaction failed (err; retried next
 * time, the journal keeps everything meanwhile). */
int journal_maintain(struct journal *j, bool all, sr_error *err);
/* Commits not yet compacted (the active file's and retired files'). */
size_t journal_pending(struct journal *j);

/* Clean stop: everything compacted, the spare removed, the guard back to guard_off when that
 * left the journal empty. -1: something is left (err), replayed at the next start. */
int journal_close(struct journal *j, sr_error *err);
void journal_free(struct journal *j);

struct journal_stats {
	uint64_t commits;     /* acknowledged */
	uint64_t syncs;       /* fdatasync calls for commits */
	uint64_t switches;    /* active files retired */
	uint64_t compactions; /* retired files written into the folders */
};
void journal_get_stats(struct journal *j, struct journal_stats *out);

#endif
