/* work_pool: threads follow work. None before the first job; a job submitted while every thread
 * is busy gets a new thread, up to max, and waits in order beyond that; threads beyond the
 * resident ones end once idle; destroy runs what was queued and leaves no thread behind. No time
 * is asserted beyond bounded waits for a condition to become true. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "../../plugin/daemon/work_pool.h"
#include "../lib/proc_threads.h"
#include "check.h"

struct job {
	struct work_item item; /* first */
	atomic_int *started, *done;
	atomic_bool *release;
	int order, *log, *logged;
	pthread_mutex_t *log_lock;
};

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* waits until *v reaches want (at most 5 s) */
static bool reaches(atomic_int *v, int want)
{
	for (int i = 0; i < 500 && atomic_load(v) < want; i++)
		pause_ms(10);
	return atomic_load(v) >= want;
}

static void run_job(struct work_item *item)
{
	struct job *j = (struct job *)item;
	atomic_fetch_add(j->started, 1);
	pthread_mutex_lock(j->log_lock);
	j->log[(*j->logged)++] = j->order;
	pthread_mutex_unlock(j->log_lock);
	while (!atomic_load(j->release))
		pause_ms(2);
	atomic_fetch_add(j->done, 1);
}

int main(void)
{
	const struct work_pool_limits lim = {.resident = 1, .max = 3, .idle_ms = 100, .stack = (size_t)256 * 1024};
	struct work_pool *p = NULL;
	sr_error err = {0};
	atomic_int started = 0, done = 0;
	atomic_bool release = false;
	int log[8], logged = 0, before = proc_threads();
	pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
	struct job jobs[6];
	CHECK(work_pool_create(&lim, &p, &err) == 0);
	if (!p)
		return check_summary("work_pool");
	CHECK(work_pool_threads(p) == 0); /* none before work */
	for (int i = 0; i < 6; i++) {
		jobs[i] = (struct job){.started = &started, .done = &done, .release = &release, .order = i, .log = log,
				       .logged = &logged, .log_lock = &log_lock};
		CHECK(work_pool_submit(p, &jobs[i].item, run_job) == 0);
	}
	/* each blocked: a thread each, up to max; the rest wait */
	CHECK(reaches(&started, 3));
	pause_ms(50);
	CHECK(atomic_load(&started) == 3 && work_pool_threads(p) == 3);
	CHECK(proc_threads() == before + 3);
	atomic_store(&release, true);
	CHECK(reaches(&done, 6));
	/* the waiting ones started in the order they came */
	CHECK(logged == 6 && log[3] < log[4] && log[4] < log[5]);
	/* idle: back to the resident one */
	for (int i = 0; i < 100 && work_pool_threads(p) > 1; i++)
		pause_ms(10);
	CHECK(work_pool_threads(p) == 1);
	/* destroy runs what is queued and joins every thread */
	atomic_store(&started, 0);
	atomic_store(&done, 0);
	for (int i = 0; i < 2; i++)
		CHECK(work_pool_submit(p, &jobs[i].item, run_job) == 0);
	work_pool_destroy(p);
	CHECK(atomic_load(&done) == 2);
	CHECK(proc_threads() == before);
	return check_summary("work_pool");
}
