#include "work_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* A thread's slot: joined by whoever reuses the slot or destroys the pool, so that no thread of
 * the pool outlives it (daemon_run returns with none left). */
enum slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_ENDED };

struct slot {
	pthread_t thread;
	enum slot_state state;
};

struct work_pool {
	struct work_pool_limits lim;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a job queued, or stopping */
	struct work_item *head, *tail;
	unsigned queued, threads, busy;
	bool stopping;
	struct slot *slots;
};

struct thread_arg {
	struct work_pool *pool;
	struct slot *slot;
};

static struct timespec deadline_in_ms(unsigned ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* With the lock held: the next job, or NULL when this thread should end (stopping with nothing
 * queued, or idle too long beyond the resident ones). */
static struct work_item *next_job(struct work_pool *p)
{
	while (!p->head && !p->stopping) {
		if (p->threads <= p->lim.resident) {
			pthread_cond_wait(&p->wake, &p->lock);
			continue;
		}
		struct timespec until = deadline_in_ms(p->lim.idle_ms);
		if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT && !p->head &&
		    p->threads > p->lim.resident)
			return NULL;
	}
	struct work_item *item = p->head;
	if (item) {
		p->head = item->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
	}
	return item;
}

static void *worker(void *arg)
{
	struct thread_arg a = *(struct thread_arg *)arg;
	struct work_pool *p = a.pool;
	free(arg);
	pthread_mutex_lock(&p->lock);
	for (struct work_item *item; (item = next_job(p));) {
		p->busy++;
		pthread_mutex_unlock(&p->lock);
		item->fn(item);
		pthread_mutex_lock(&p->lock);
		p->busy--;
	}
	p->threads--;
	a.slot->state = SLOT_ENDED;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* With the lock held: one more thread. Joins the threads that ended first (their slots are
 * reused); a join waits only for a thread that has already left its loop. */
static int start_thread(struct work_pool *p)
{
	struct slot *free_slot = NULL;
	for (unsigned i = 0; i < p->lim.max; i++) {
		struct slot *s = &p->slots[i];
		if (s->state == SLOT_ENDED) {
			pthread_join(s->thread, NULL);
			s->state = SLOT_FREE;
		}
		if (s->state == SLOT_FREE && !free_slot)
			free_slot = s;
	}
	if (!free_slot)
		return EAGAIN;
	struct thread_arg *arg = malloc(sizeof(*arg));
	pthread_attr_t attr;
	int rc;
	if (!arg)
		return ENOMEM;
	*arg = (struct thread_arg){.pool = p, .slot = free_slot};
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, p->lim.stack);
	rc = pthread_create(&free_slot->thread, &attr, worker, arg);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(arg);
		return rc;
	}
	free_slot->state = SLOT_RUNNING;
	p->threads++;
	return 0;
}

int work_pool_create(const struct work_pool_limits *lim, struct work_pool **out, sr_error *err)
{
	struct work_pool *p = calloc(1, sizeof(*p));
	if (!p || lim->max == 0) {
		free(p);
		return sr_error_set_errno(err, p ? EINVAL : ENOMEM, "worker pool");
	}
	p->lim = *lim;
	p->slots = calloc(lim->max, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return sr_error_set_errno(err, ENOMEM, "worker pool");
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	*out = p;
	return 0;
}

int work_pool_submit(struct work_pool *p, struct work_item *item, work_fn fn)
{
	int rc = 0;
	item->fn = fn;
	item->next = NULL;
	pthread_mutex_lock(&p->lock);
	/* every thread busy or already promised a job: one more, when allowed */
	if (p->threads - p->busy <= p->queued && p->threads < p->lim.max && start_thread(p) != 0 && p->threads == 0)
		rc = -1;
	if (rc == 0) {
		if (p->tail)
			p->tail->next = item;
		else
			p->head = item;
		p->tail = item;
		p->queued++;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

unsigned work_pool_threads(struct work_pool *p)
{
	unsigned n;
	pthread_mutex_lock(&p->lock);
	n = p->threads;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void work_pool_destroy(struct work_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	/* once stopping, no thread starts and no slot becomes free (nobody submits any more): each
	 * slot in use is joined exactly once, here */
	for (unsigned i = 0; i < p->lim.max; i++) {
		pthread_mutex_lock(&p->lock);
		bool used = p->slots[i].state != SLOT_FREE;
		pthread_t t = p->slots[i].thread;
		pthread_mutex_unlock(&p->lock);
		if (used)
			pthread_join(t, NULL);
	}
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->slots);
	free(p);
}
