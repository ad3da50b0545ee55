/* journal_internal: the journal's state, shared by journal.c (commits, switch, compaction,
 * close) and journal_files.c (reading and creating its files). Not part of the API. */
#ifndef JOURNAL_INTERNAL_H
#define JOURNAL_INTERNAL_H

#include <limits.h>
#include <pthread.h>

#include "journal.h"

/* A file whose appends are over: compacted, then removed. */
struct journal_retired {
	uint64_t epoch;
	uint64_t end;       /* its commits end here */
	bool keep;          /* damage with commits after it: kept as <file>.damaged once compacted */
	size_t commits;
};

/* What open read: every record's newest text, by folder (sorted by ID) and for top-level files. */
struct journal_folder {
	const char *name;
	struct obj_dir_image *images;
	size_t n;
};

struct journal_waiter; /* a commit waiting to be durable (journal.c) */

struct journal {
	struct journal_config cfg;
	char state_dir[PATH_MAX];
	char dir[PATH_MAX]; /* <state_dir>/journal */
	uint64_t file_size;

	pthread_mutex_t mu; /* the active file, appends and syncs, the spare */
	pthread_cond_t cv;  /* a sync ended, a switch ended */
	int fd;             /* the active file; -1: none yet (created by the next commit) */
	uint64_t epoch, tail, synced, size;
	bool syncing, switching, broken;
	int broken_errno;
	struct journal_waiter *waiters;
	uint64_t next_seq, max_epoch;
	uint64_t last_active_epoch; /* a spare of a lower epoch is stale: replay would put it first */
	double active_since;        /* monotonic seconds: the active file's first commit */
	bool guard_on;
	bool used;           /* a commit in this run: keep a spare ready */
	bool idle_checked;   /* no commit since the last maintain */
	bool compact_failing; /* the last compaction failed (logged once, and once when it works again) */
	int spare_fd;        /* the next active file, ready; -1: none */
	uint64_t spare_epoch, spare_size;
	bool spare_creating;
	bool leftovers_removed;
	struct journal_stats stats;

	pthread_mutex_t compact_mu; /* one maintain at a time; the retired list */
	struct journal_retired *retired;
	size_t n_retired, cap_retired;
	size_t active_commits; /* commits in the active file */

	/* from open until journal_images_free */
	struct journal_folder *folders;
	size_t n_folders;
	char **file_names, **file_texts; /* parallel to cfg.files */
	size_t replayed;
	char **strings; /* everything the images point to */
	size_t n_strings, cap_strings;
};

/* <dir>/<epoch>.log (and a suffix, "" or ".tmp") */
int journal_file_path(const struct journal *j, uint64_t epoch, const char *suffix, char *out, size_t size,
		      sr_error *err);
/* Reads every file of the journal's folder (open). */
int journal_load_files(struct journal *j, sr_error *err);
/* A new empty file of this epoch, header written, preallocated, durable, in place; *fd open
 * read-write. -1: nothing left behind. spare: made ahead of need (fault point "spare"). */
int journal_create_file(struct journal *j, uint64_t epoch, bool spare, int *fd, uint64_t *size, sr_error *err);
/* A compacted file (its commits end at end) made the empty file of a new epoch, keeping its
 * blocks: out of the replay set in one rename first, zeroed, a new header, renamed into place.
 * -1: it may be gone (as a removal would have left it) but nothing of it replays. */
int journal_recycle_file(struct journal *j, uint64_t old_epoch, uint64_t end, uint64_t epoch, int *fd, uint64_t *size,
			 sr_error *err);
/* Every <n>.log.tmp a crash left in the folder removed. */
void journal_remove_leftovers(struct journal *j);
/* Whether path (of an entry) names a record of a folder or a top-level file of cfg. */
bool journal_path_ok(const struct journal *j, const char *path, size_t len);
void journal_log(const struct journal *j, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int journal_retire(struct journal *j, uint64_t epoch, uint64_t end, bool keep, size_t commits);

#endif
