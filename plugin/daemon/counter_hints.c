#include "counter_hints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void counter_hints_init(struct counter_hints *h)
{
	pthread_mutex_init(&h->lock, NULL);
	h->v = NULL;
	h->n = 0;
}

void counter_hints_free(struct counter_hints *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
	pthread_mutex_destroy(&h->lock);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct counter_hint *)a)->ep_id, ((const struct counter_hint *)b)->ep_id);
}

void counter_hints_find(struct counter_hints *h, const char *ep_id, const char *sandbox, int *nsid, int *ifindex)
{
	struct counter_hint key = {0};
	const struct counter_hint *found;
	*nsid = *ifindex = -1;
	snprintf(key.ep_id, sizeof(key.ep_id), "%s", ep_id);
	pthread_mutex_lock(&h->lock);
	found = h->n ? bsearch(&key, h->v, h->n, sizeof(*h->v), by_id) : NULL;
	if (found && !strcmp(found->sandbox, sandbox)) {
		*nsid = found->nsid;
		*ifindex = found->ifindex;
	}
	pthread_mutex_unlock(&h->lock);
}

void counter_hints_replace(struct counter_hints *h, struct counter_hint *v, size_t n)
{
	struct counter_hint *old;
	if (n)
		qsort(v, n, sizeof(*v), by_id);
	pthread_mutex_lock(&h->lock);
	old = h->v;
	h->v = v;
	h->n = n;
	pthread_mutex_unlock(&h->lock);
	free(old);
}
