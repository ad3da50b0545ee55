#include "pf_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs.h"

/* A list: entries never move (a mutex must not) and there is one per PF of the host. */
struct pf_lock_entry {
	char pf_pci[SYSFS_PCI_MAX];
	pthread_mutex_t lock;
	struct pf_lock_entry *next;
};

void pf_locks_init(struct pf_locks *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->table_lock, NULL);
}

void pf_locks_free(struct pf_locks *t)
{
	while (t->first) {
		struct pf_lock_entry *e = t->first;
		t->first = e->next;
		pthread_mutex_destroy(&e->lock);
		free(e);
	}
	pthread_mutex_destroy(&t->table_lock);
}

/* Called with table_lock held. */
static struct pf_lock_entry *entry_for(struct pf_locks *t, const char *pf_pci)
{
	struct pf_lock_entry *e;
	for (e = t->first; e; e = e->next)
		if (!strcmp(e->pf_pci, pf_pci))
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->pf_pci, sizeof(e->pf_pci), "%s", pf_pci);
	pthread_mutex_init(&e->lock, NULL);
	e->next = t->first;
	t->first = e;
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
