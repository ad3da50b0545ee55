/* pf_lock: one mutex per PF, for the PF-wide kernel steps that must not run twice at once
 * (pf_prepare: bringing the PF up and enabling its VFs). Entries are made on first use and
 * live as long as the daemon. Lock order: a PF lock is taken before the daemon's state lock,
 * never while that is held. */
#ifndef PF_LOCK_H
#define PF_LOCK_H

#include <pthread.h>
#include <stddef.h>

struct pf_lock_entry;

struct pf_locks {
	pthread_mutex_t table_lock; /* the list below, never held across a PF's work */
	struct pf_lock_entry *first;
};

void pf_locks_init(struct pf_locks *t);
void pf_locks_free(struct pf_locks *t);
/* Takes the PF's mutex; returns it for pf_lock_release, NULL when out of memory (then the
 * caller goes on unserialised, as the daemon did before PF locks existed, and says so). */
pthread_mutex_t *pf_lock_acquire(struct pf_locks *t, const char *pf_pci);
void pf_lock_release(pthread_mutex_t *m);

#endif
