#include "pf_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

struct pf_lock_entry {
	char pf_pci[STATE_PCI_MAX];
	pthread_mutex_t lock;
};

void pf_locks_init(struct pf_locks *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->table_lock, NULL);
}

void pf_locks_free(struct pf_locks *t)
{
	for (size_t i = 0; i < t->count; i++) {
		pthread_mutex_destroy(&t->entries[i]->lock);
		free(t->entries[i]);
	}
	free(t->entries);
	t->entries = NULL;
	t->count = 0;
	pthread_mutex_destroy(&t->table_lock);
}

/* Called with table_lock held. Entries are allocated one by one: a mutex must not move. */
static struct pf_lock_entry *entry_for(struct pf_locks *t, const char *pf_pci)
{
	struct pf_lock_entry *e, **grown;
	for (size_t i = 0; i < t->count; i++)
		if (!strcmp(t->entries[i]->pf_pci, pf_pci))
			return t->entries[i];
	e = calloc(1, sizeof(*e));
	grown = e ? realloc(t->entries, (t->count + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(e);
		return NULL;
	}
	snprintf(e->pf_pci, sizeof(e->pf_pci), "%s", pf_pci);
	pthread_mutex_init(&e->lock, NULL);
	t->entries = grown;
	t->entries[t->count++] = e;
	return e;
}

pthread_mutex_t *pf_lock_acquire(struct pf_locks *t, const char *pf_pci)
{
	struct pf_lock_entry *e;
	pthread_mutex_lock(&t->table_lock);
	e = entry_for(t, pf_pci);
	pthread_mutex_unlock(&t->table_lock);
	if (!e)
		return NULL;
	pthread_mutex_lock(&e->lock);
	return &e->lock;
}

void pf_lock_release(pthread_mutex_t *m)
{
	if (m)
		pthread_mutex_unlock(m);
}
