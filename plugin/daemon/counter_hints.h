/* counter_hints: where each joined endpoint's VF netdev was found in its sandbox at the last
 * read of the counters (the id our namespace has for the sandbox's, and the netdev's ifindex
 * there), so the next read asks for that one link instead of opening the sandbox's file, asking
 * for its id and listing its links (vf_counters.h: hints are checked by the MAC they lead to).
 * A cache and nothing more: memory only, rebuilt by every read, its own small lock (never
 * d->lock), a missing or stale hint only costs the longer way. */
#ifndef COUNTER_HINTS_H
#define COUNTER_HINTS_H

#include <pthread.h>
#include <stddef.h>

#include "../../spec/spec.h"

struct counter_hint {
	char ep_id[SPEC_ID_MAX + 1];
	char sandbox[SPEC_PATH_MAX];
	int nsid, ifindex;
};

struct counter_hints {
	pthread_mutex_t lock;
	struct counter_hint *v; /* sorted by ep_id */
	size_t n;
};

void counter_hints_init(struct counter_hints *h);
void counter_hints_free(struct counter_hints *h);
/* The hint for this endpoint in this sandbox; -1 / -1 when none. */
void counter_hints_find(struct counter_hints *h, const char *ep_id, const char *sandbox, int *nsid, int *ifindex);
/* Replaces every hint with v (n of them, malloc'd: taken over). */
void counter_hints_replace(struct counter_hints *h, struct counter_hint *v, size_t n);

#endif
