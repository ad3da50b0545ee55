#include "state_dir.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "../../common/atomic_file.h"
#include "ep_clock.h"
#include "state_journal.h"
#include "state_lock.h"

static int file_path(const char *dir, const char *name, char *out, size_t size, sr_error *err)
{
	if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
		return sr_error_set(err, ENAMETOOLONG, "state dir %s: path too long", dir);
	return 0;
}

/* Moves name aside (the entry itself: a symlink is moved, never followed). */
static int abandon(struct daemon *d, const char *name, sr_error *err)
{
	char from[600], to[700];
	if (file_path(d->cfg.state_dir, name, from, sizeof(from), err) < 0)
		return -1;
	snprintf(to, sizeof(to), "%s.abandoned-%lld", from, (long long)time(NULL));
	if (rename(from, to) < 0) {
		if (errno == ENOENT)
			return 0;
		return sr_error_set_errno(err, errno, "--init: move %s aside", from);
	}
	sr_log_msg(&d->log, SR_LOG_WARN, "--init: previous %s kept as %s; starting with no saved state", from, to);
	return 0;
}

static int probe(const char *dir, const char *name, sr_error *err)
{
	char path[600];
	if (file_path(dir, name, path, sizeof(path), err) < 0)
		return -1;
	int rc = atomic_file_probe(path, err);
	if (rc < 0)
		sr_error_wrap(err, "state dir %s", dir);
	return rc;
}

int state_dir_open(struct daemon *d, sr_error *err)
{
	const char *dir = d->cfg.state_dir;
	const char *pools = d->cfg.default_pools[0] ? d->cfg.default_pools : NULL;
	int have_state, have_ipam;
	bool state_empty, ipam_empty, tightened;
	if (state_dir_check(dir, &tightened, err) < 0)
		return -1;
	if (tightened)
		sr_log_msg(&d->log, SR_LOG_WARN, "state dir %s was readable by others; now mode 0700", dir);
	/* before anything in it is read or moved: another daemon may be using it */
	if (state_lock_take(dir, &d->state_lock_fd, err) < 0)
		return -1;
	if (d->cfg.init && (abandon(d, "state.json", err) < 0 || abandon(d, "ipam.json", err) < 0 ||
			    abandon(d, "networks", err) < 0 || abandon(d, "endpoints", err) < 0 ||
			    abandon(d, "pools", err) < 0 || abandon(d, "journal", err) < 0))
		return -1;
	have_state = probe(dir, "state.json", err);
	if (have_state < 0)
		return -1;
	have_ipam = probe(dir, "ipam.json", err);
	if (have_ipam < 0)
		return -1;
	/* the journal's commits are read over the record files (state_journal.h) */
	if (state_journal_open(d, err) < 0 || state_open_over(dir, &d->state, d->journal, err) < 0 ||
	    ipam_store_open_over(dir, pools, d->journal, &d->ipam, err) < 0)
		return -1;
	/* the grace periods count on a monotonic clock from here (ep_clock.h) */
	ep_clock_anchor_loaded(d, &d->state);
	state_empty = d->state.net_count == 0 && d->state.ep_count == 0;
	ipam_empty = ipam_store_count(d->ipam) == 0;
	if (have_state && !have_ipam && !state_empty)
		return sr_error_set(err, ENOENT,
				    "state dir %s: state.json holds %zu networks but ipam.json is missing; restore it "
				    "(is the state disk mounted?), or start with --init to abandon the saved state",
				    dir, d->state.net_count);
	if (have_ipam && !have_state && !ipam_empty)
		return sr_error_set(err, ENOENT,
				    "state dir %s: ipam.json holds %zu pools but state.json is missing; restore it "
				    "(is the state disk mounted?), or start with --init to abandon the saved state",
				    dir, ipam_store_count(d->ipam));
	if (!have_state && state_save(&d->state, err) < 0)
		return sr_error_wrap(err, "initialise state dir");
	if (!have_ipam && ipam_store_flush(d->ipam, err) < 0)
		return sr_error_wrap(err, "initialise state dir");
	if (!have_state || !have_ipam)
		sr_log_msg(&d->log, SR_LOG_INFO, "state dir %s: %s", dir,
			   !have_state && !have_ipam ? "initialised (no saved state)" : "missing empty file created");
	/* An older version's whole-file state: converted to one file per record now. A failure
	 * (a full disk) still serves what was loaded; the conversion stays pending and the
	 * old files stay the state until it is done. */
	if (have_state && d->state.dirty) {
		if (state_flush(&d->state, err) < 0) {
			sr_log_msg(&d->log, SR_LOG_WARN, "state dir %s: converting state.json: %s (pending)", dir, err->msg);
			sr_error_clear(err);
		} else
			sr_log_msg(&d->log, SR_LOG_INFO, "state dir %s: state.json converted to networks/ and endpoints/", dir);
	}
	if (have_ipam && ipam_store_pending(d->ipam)) {
		if (ipam_store_flush(d->ipam, err) < 0) {
			sr_log_msg(&d->log, SR_LOG_WARN, "state dir %s: converting ipam.json: %s (pending)", dir, err->msg);
			sr_error_clear(err);
		} else
			sr_log_msg(&d->log, SR_LOG_INFO, "state dir %s: ipam.json converted to pools/", dir);
	}
	return state_journal_attach(d, err);
}
