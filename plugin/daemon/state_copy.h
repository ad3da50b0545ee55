/* state_copy: a private copy of the networks and endpoints, for readers that then work
 * without d->lock (the status view reads the kernel for every VF). */
#ifndef STATE_COPY_H
#define STATE_COPY_H

#include "state.h"

/* dst gets its own arrays (free with state_free); -1 with err set (ENOMEM). */
int state_copy(const struct state *src, struct state *dst, sr_error *err);

#endif
