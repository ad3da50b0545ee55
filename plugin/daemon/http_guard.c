#include "http_guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
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
	unsigned open;
	unsigned long evictions;
};

static struct timespec now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
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
	g->evictions++;
	shutdown(c->fd, SHUT_RDWR);
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
	struct http_guard_conn *slot = NULL, *oldest = NULL;
	struct timespec now = now_mono();
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < g->lim.max_connections; i++) {
		struct http_guard_conn *c = &g->conns[i];
		if (!c->used) {
			if (!slot)
				slot = c;
			continue;
		}
		if (!c->dispatched && !c->cut && (!oldest || age_ms(&c->since, &oldest->since) < 0))
			oldest = c;
	}
	if (g->open >= g->lim.soft_cap && oldest)
		cut(g, oldest);
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

unsigned long http_guard_evictions(struct http_guard *g)
{
	unsigned long n;
	pthread_mutex_lock(&g->lock);
	n = g->evictions;
	pthread_mutex_unlock(&g->lock);
	return n;
}
