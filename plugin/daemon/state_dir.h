/* state_dir: opens the daemon's state directory as a whole: state.json (the marker of
 * networks/ and endpoints/, state.h) and ipam.json (that of pools/, ipam.h) must agree
 * on whether there is saved state.
 *
 *  - dir not 0700 or not ours: refused (state_dir_check).
 *  - both files absent: a fresh start; both are written now.
 *  - one absent (or not a regular file) while the other holds state: refused, with the
 *    way out named. A state disk not mounted yet, or a file deleted by hand, must not
 *    turn into a plugin serving with empty state and overwriting the saved one. One
 *    absent while the other is empty (an older plugin wrote ipam.json at every start
 *    but state.json only at the first network) is a fresh start of that part.
 *  - init (--init): whatever is there (both files and the three folders) is moved aside
 *    to <name>.abandoned-<unix time>, then a fresh start.
 * The journal (state_journal.h) is read before the stores load, its commits over the record
 * files, and every save goes through it once both stores are in the per-record layout.
 * Nothing is written when both files are present, except to convert an older version's
 * whole-file state.json / ipam.json to one file per record (once; a failure, e.g. a
 * full disk, leaves it pending and still serves): a start with a full disk serves. */
#ifndef STATE_DIR_H
#define STATE_DIR_H

#include <stdbool.h>

#include "../../common/sr_log.h"
#include "daemon.h"

int state_dir_open(struct daemon *d, sr_error *err);

#endif
