#include "state_journal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/atomic_file.h"
#include "../../common/journal.h"

static const char *const FOLDERS[] = {"networks", "endpoints", "pools", NULL};
static const char *const FILES[] = {"ipam.json", NULL};

/* state.json's version (-1: absent or not JSON; the stores' own loaders say what is wrong). */
static int marker_version(const char *dir)
{
	char path[600], *text = NULL;
	size_t len;
	int version = -1;
	if (snprintf(path, sizeof(path), "%s/state.json", dir) < (int)sizeof(path) &&
	    atomic_file_read(path, &text, &len, NULL) == 0) {
		json_t *root = json_loads(text, 0, NULL);
		json_t *v = json_object_get(root, "version");
		version = json_is_integer(v) ? (int)json_integer_value(v) : -1;
		json_decref(root);
	}
	free(text);
	return version;
}

/* --fault-journal POINT[:N]: the process ends at the Nth time the journal reaches POINT. */
static void journal_fault(void *ctx, const char *point)
{
	struct daemon *d = ctx;
	int hit;
	if (strcmp(point, d->cfg.fault_journal) != 0)
		return;
	hit = atomic_fetch_add(&d->fault_journal_hits, 1) + 1;
	if (hit < d->cfg.fault_journal_count)
		return;
	sr_log_msg(&d->log, SR_LOG_ERROR, "fault injection: stopping at journal point %s (time %d)", point, hit);
	_exit(99);
}

/* The journal wants compacting before the next tick (its active file is half full). */
static void journal_wake(void *ctx)
{
	struct daemon *d = ctx;
	pthread_mutex_lock(&d->bg_lock);
	pthread_cond_signal(&d->bg_wake);
	pthread_mutex_unlock(&d->bg_lock);
}

static int open_journal(struct daemon *d, bool guard_on, sr_error *err)
{
	struct journal_config cfg = {
		.state_dir = d->cfg.state_dir,
		.folders = FOLDERS,
		.files = FILES,
		.guard = "state.json",
		.guard_on = STATE_MARKER_JOURNAL,
		.guard_off = STATE_MARKER_DIRS,
		.guard_is_on = guard_on,
		.log = &d->log,
		.fault = d->cfg.fault_journal[0] ? journal_fault : NULL,
		.wake = journal_wake,
		.ctx = d,
	};
	return journal_open(&cfg, &d->journal, err) < 0 ? sr_error_wrap(err, "state dir %s", d->cfg.state_dir) : 0;
}

int state_journal_open(struct daemon *d, sr_error *err)
{
	char from[600], to[700];
	int version = marker_version(d->cfg.state_dir);
	size_t commits;
	if (open_journal(d, version == 3, err) < 0)
		return -1;
	commits = journal_replayed(d->journal);
	if (!commits || version == 3)
		return 0;
	/* written under another marker than ours: not this state's changes */
	journal_free(d->journal);
	d->journal = NULL;
	snprintf(from, sizeof(from), "%s/%s", d->cfg.state_dir, JOURNAL_DIR);
	snprintf(to, sizeof(to), "%s.abandoned-%lld", from, (long long)time(NULL));
	if (rename(from, to) < 0)
		return sr_error_set_errno(err, errno, "state dir %s: move aside %s", d->cfg.state_dir, from);
	sr_log_msg(&d->log, SR_LOG_WARN,
		   "state dir %s: %s holds %zu commits but state.json is %s, not version 3 (written without "
		   "the journal, e.g. by an older plugin's --init, or restored): not replayed, kept as %s",
		   d->cfg.state_dir, from, commits, version < 0 ? "missing" : "another version", to);
	return open_journal(d, false, err);
}

int state_journal_attach(struct daemon *d, sr_error *err)
{
	size_t pending;
	journal_images_free(d->journal); /* the stores have read them */
	/* layout 2: one file per record (state.h); a version 1 state converts by writing files */
	if (!d->cfg.no_journal && d->state.layout == 2 && ipam_store_use_journal(d->ipam, d->journal)) {
		d->state.journal = d->journal;
		sr_log_msg(&d->log, SR_LOG_DEBUG, "state dir %s: each change is one commit of %s/%s", d->cfg.state_dir,
			   d->cfg.state_dir, JOURNAL_DIR);
		return 0;
	}
	ipam_store_use_journal(d->ipam, NULL);
	pending = journal_pending(d->journal);
	if (journal_close(d->journal, err) < 0)
		return sr_error_wrap(err, "state dir %s: %s holds %zu commits that must be written into the record "
				     "files before they are written directly%s",
				     d->cfg.state_dir, JOURNAL_DIR, pending,
				     d->cfg.no_journal ? " (--no-journal); start without --no-journal" : "");
	sr_log_msg(&d->log, SR_LOG_INFO, "state dir %s: changes written to the record files directly (%s)",
		   d->cfg.state_dir, d->cfg.no_journal ? "--no-journal" : "a conversion is pending");
	return 0;
}

void state_journal_maintain(struct daemon *d)
{
	sr_error err = {0};
	/* a failure (a full disk) is logged by the journal when it starts and when it ends */
	if (d->journal)
		(void)journal_maintain(d->journal, false, &err);
}

void state_journal_close(struct daemon *d, bool clean)
{
	sr_error err = {0};
	if (!d->journal)
		return;
	if (clean && journal_close(d->journal, &err) < 0)
		sr_log_msg(&d->log, SR_LOG_WARN,
			   "stopping with %zu commits of %s/%s not in the record files (%s): replayed at the next "
			   "start",
			   journal_pending(d->journal), d->cfg.state_dir, JOURNAL_DIR, err.msg);
	d->state.journal = NULL;
	if (d->ipam)
		ipam_store_use_journal(d->ipam, NULL);
	journal_free(d->journal);
	d->journal = NULL;
}
