/* state_journal: the daemon's journal (common/journal.h) over its state dir: networks/,
 * endpoints/ (state.h), pools/ and ipam.json (ipam.h), guarded by state.json (version 3 while
 * the journal may hold commits; STATE_MARKER_JOURNAL).
 *
 *  - state_journal_open, before the stores load: reads the journal, writes nothing. Commits
 *    are ours to replay only under a version 3 state.json: under any other marker (an older
 *    plugin's --init, state restored from a backup) the journal is moved aside as
 *    journal.abandoned-<time>, and the log says so.
 *  - state_journal_attach, once both stores loaded: their saves become commits. Not with
 *    --no-journal, nor while a store is still to be converted from version 1: then a journal
 *    holding commits is compacted first (the start is refused when that fails), so that no
 *    file written directly can be older than the journal's copy.
 *  - state_journal_maintain: the background thread's compaction step (no daemon lock held).
 *  - state_journal_close: at a clean stop everything is compacted and state.json goes back to
 *    version 2 (an older plugin reads the folders again); after a refused start only freed. */
#ifndef STATE_JOURNAL_H
#define STATE_JOURNAL_H

#include "daemon.h"

int state_journal_open(struct daemon *d, sr_error *err);
int state_journal_attach(struct daemon *d, sr_error *err);
void state_journal_maintain(struct daemon *d);
void state_journal_close(struct daemon *d, bool clean);

#endif
