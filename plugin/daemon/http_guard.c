#include "http_guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

struct http_guard_conn {
	int fd;
	bool used, in_request, dispatched, cut, answered;
	struct timespec since; /* opened, last answered, or headers complete (in_request) */
};

struct http_guard {
	struct http_guard_limits lim;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t ticker;
	bool stopping, ticker_started;
	struct http_guard_conn *conns;
	unsigned open; /* slots used, cut or not */
	unsigned cut_open; /* of those, cut and not closed yet */
	unsigned long evictions;
};

static struct timespec now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

static bool earlier(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static long long age_ms(const struct timespec *since, const struct timespec *now)
{
	return (long long)(now->tv_sec - since->tv_sec) * 1000 + (now->tv_nsec - since->tv_nsec) / 1000000;
}

/* Called with the lock held; the fd cannot be closed meanwhile (closed() takes the lock first). */
static void cut(struct http_guard *g, struct http_guard_conn *c)
{
	if (c->cut)
		return;
	c->cut = true;
	g->cut_open++;
	g->evictions++;
	shutdown(c->fd, SHUT_RDWR);
}

/* Idle, so that closing it loses nothing: no request under way (none being read, handled, or
 * with its answer queued), not answered within the grace (its client between two calls). */
static bool idle(const struct http_guard *g, const struct http_guard_conn *c, const struct timespec *now)
{
	if (!c->used || c->cut || c->in_request || c->dispatched)
		return false;
	return !c->answered || age_ms(&c->since, now) >= (long long)g->lim.answered_grace_ms;
}

/* ...and nothing unread in its socket: a request that has arrived (a burst of connections, read
 * one after another) is not idle. Asked of the kernel only for the one about to be cut. */
static bool nothing_unread(const struct http_guard_conn *c)
{
	int unread = 0;
	return ioctl(c->fd, FIONREAD, &unread) < 0 || unread == 0;
}

/* With the lock held: cuts the oldest idle connection; false when there is none. */
#define EVICT_TRIES 8
static bool evict_oldest_idle(struct http_guard *g, const struct timespec *now)
{
	struct http_guard_conn *skipped[EVICT_TRIES] = {NULL};
	for (unsigned tries = 0; tries < EVICT_TRIES; tries++) {
		struct http_guard_conn *oldest = NULL;
		for (unsigned i = 0; i < g->lim.max_connections; i++) {
			struct http_guard_conn *c = &g->conns[i];
			bool passed = false;
			for (unsigned k = 0; k < tries; k++)
				passed = passed || skipped[k] == c;
			if (!passed && idle(g, c, now) && (!oldest || earlier(&c->since, &oldest->since)))
				oldest = c;
		}
		if (!oldest)
			return false;
		if (nothing_unread(oldest)) {
			cut(g, oldest);
			return true;
		}
		skipped[tries] = oldest;
	}
	return false;
}

static void *tick_loop(void *arg)
{
	struct http_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec now = now_mono(), until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)g->lim.tick_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		for (unsigned i = 0; i < g->lim.max_connections; i++) {
			struct http_guard_conn *c = &g->conns[i];
			unsigned limit_s = c->in_request ? g->lim.body_limit_s
					   : c->answered ? g->lim.idle_limit_s
							 : g->lim.header_limit_s;
			long long limit_ms = (long long)limit_s * 1000;
			if (c->used && !c->dispatched && age_ms(&c->since, &now) > limit_ms)
				cut(g, c);
		}
		/* Above the soft cap with no new connection to make room (the hard limit reached, the
		 * newcomers wait in the listen backlog): make room for them, from idle ones. */
		while (g->open - g->cut_open > g->lim.soft_cap && evict_oldest_idle(g, &now))
			;
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int http_guard_create(const struct http_guard_limits *limits, struct http_guard **out, sr_error *err)
{
	struct http_guard *g = calloc(1, sizeof(*g));
	if (!g)
		return sr_error_set_errno(err, ENOMEM, "connection guard");
	g->lim = *limits;
	g->conns = calloc(limits->max_connections, sizeof(*g->conns));
	if (!g->conns) {
		free(g);
		return sr_error_set_errno(err, ENOMEM, "connection guard");
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	int rc = pthread_create(&g->ticker, NULL, tick_loop, g);
	if (rc != 0) {
		http_guard_destroy(g);
		return sr_error_set_errno(err, rc, "connection guard thread");
	}
	g->ticker_started = true;
	*out = g;
	return 0;
}

void http_guard_destroy(struct http_guard *g)
{
	if (!g)
		return;
	if (g->ticker_started) {
		pthread_mutex_lock(&g->lock);
		g->stopping = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->ticker, NULL);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g->conns);
	free(g);
}

struct http_guard_conn *http_guard_opened(struct http_guard *g, int fd)
{
	struct http_guard_conn *slot = NULL;
	struct timespec now = now_mono();
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < g->lim.max_connections && !slot; i++)
		if (!g->conns[i].used)
			slot = &g->conns[i];
	if (g->open - g->cut_open >= g->lim.soft_cap)
		evict_oldest_idle(g, &now);
	if (slot) {
		*slot = (struct http_guard_conn){.fd = fd, .used = true, .since = now};
		g->open++;
	} else {
		/* every slot is taken by a request being handled: refuse this one, keep them */
		g->evictions++;
		shutdown(fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&g->lock);
	return slot;
}

void http_guard_closed(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->used = false;
	g->open--;
	if (c->cut)
		g->cut_open--;
	pthread_mutex_unlock(&g->lock);
}

void http_guard_headers_done(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->in_request = true;
	c->since = now_mono();
	pthread_mutex_unlock(&g->lock);
}

void http_guard_dispatching(struct http_guard *g, struct http_guard_conn *c, bool running)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->dispatched = running;
	/* The answer's own clock: a handler that waited on the kernel longer than the body limit
	 * must not have its answer cut before it leaves (dockerd reads EOF and never retries a
	 * CreateEndpoint, leaving a VF configured for an endpoint it does not know). */
	if (!running)
		c->since = now_mono();
	pthread_mutex_unlock(&g->lock);
}

void http_guard_request_done(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->in_request = false;
	c->answered = true;
	c->since = now_mono();
	pthread_mutex_unlock(&g->lock);
}

unsigned http_guard_answers_pending(struct http_guard *g)
{
	unsigned n = 0;
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < g->lim.max_connections; i++)
		n += g->conns[i].used && !g->conns[i].cut && g->conns[i].in_request;
	pthread_mutex_unlock(&g->lock);
	return n;
}

unsigned long http_guard_evictions(struct http_guard *g)
{
	unsigned long n;
	pthread_mutex_lock(&g->lock);
	n = g->evictions;
	pthread_mutex_unlock(&g->lock);
	return n;
}
