/* state_internal: what the store (state.c), its loader (state_load.c) and the records' JSON
 * (state_record.c) share; nothing outside state*.c includes it (callers have state.h). */
#ifndef STATE_INTERNAL_H
#define STATE_INTERNAL_H

#include <stddef.h>

#include "state.h"

#define STATE_VERSION 1      /* the whole state in state.json */
#define STATE_VERSION_DIRS 2 /* state.json a marker, one file per record in networks/ and endpoints/ */
#define STATE_VERSION_JOURNAL 3 /* the same, with journal/ replayed over them (state_journal.h) */

/* struct state's layout: what the dir holds as far as the next save is concerned */
enum { LAYOUT_NONE = 0, LAYOUT_ONE_FILE = 1, LAYOUT_DIRS = 2 };

#define STATE_FILE "state.json"
/* Written before a conversion touches the folders, removed once the marker replaced the old
 * file: records found there beside a version 1 state.json are the conversion's only with it. */
#define STATE_CONVERSION_NOTE "state.json.converting"

/* dir/name into out (size); ENAMETOOLONG when it does not fit. */
int state_sub_path(const char *dir, const char *name, char *out, size_t size, sr_error *err);
/* Every record as saved: nothing for the next save to compare. */
void state_clear_touched(struct state *st);

#endif
