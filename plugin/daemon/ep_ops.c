#include "ep_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

struct ep_op *ep_ops_find(struct daemon *d, const char *id)
{
	for (size_t i = 0; i < d->ops.count; i++)
		if (!strcmp(d->ops.ops[i].id, id))
			return &d->ops.ops[i];
	return NULL;
}

struct ep_op *ep_ops_begin(struct daemon *d, const char *id, const char *network_id, const char *what,
			   sr_error *err)
{
	struct ep_ops *t = &d->ops;
	struct ep_op *op;
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct ep_op *p = realloc(t->ops, cap * sizeof(*p));
		if (!p) {
			sr_error_set_errno(err, ENOMEM, "endpoint %.12s", id);
			return NULL;
		}
		t->ops = p;
		t->cap = cap;
	}
	op = &t->ops[t->count++];
	memset(op, 0, sizeof(*op));
	snprintf(op->id, sizeof(op->id), "%s", id);
	snprintf(op->network_id, sizeof(op->network_id), "%s", network_id);
	op->what = what;
	op->vf = -1;
	return op;
}

void ep_ops_end(struct daemon *d, const char *id)
{
	struct ep_ops *t = &d->ops;
	for (size_t i = 0; i < t->count; i++) {
		if (strcmp(t->ops[i].id, id) != 0)
			continue;
		t->ops[i] = t->ops[--t->count];
		break;
	}
	pthread_cond_broadcast(&d->ops_done);
}

void ep_ops_end_locking(struct daemon *d, const char *id)
{
	pthread_mutex_lock(&d->lock);
	ep_ops_end(d, id);
	pthread_mutex_unlock(&d->lock);
}

bool ep_ops_vf_claimed(struct daemon *d, const char *pf_pci, int vf)
{
	for (size_t i = 0; i < d->ops.count; i++)
		if (d->ops.ops[i].vf == vf && !strcmp(d->ops.ops[i].pf_pci, pf_pci))
			return true;
	return false;
}

const char *ep_ops_mac_owner(struct daemon *d, const uint8_t mac[6])
{
	for (size_t i = 0; i < d->ops.count; i++)
		if (d->ops.ops[i].has_mac && !memcmp(d->ops.ops[i].mac, mac, 6))
			return d->ops.ops[i].id;
	return NULL;
}

/* A short wake-up period keeps a stop (SIGTERM) from waiting on a hung operation forever. */
static void wait_a_while(struct daemon *d)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_cond_timedwait(&d->ops_done, &d->lock, &until);
}

/* The operation that keeps network_id busy (or NULL): one of its endpoints', or a claim on the
 * VF of one of its released endpoints. */
static const struct ep_op *network_op(struct daemon *d, const char *network_id)
{
	for (size_t i = 0; i < d->ops.count; i++)
		if (!strcmp(d->ops.ops[i].network_id, network_id))
			return &d->ops.ops[i];
	/* a released endpoint's VF may be claimed by a CreateEndpoint of another network on the
	 * same PF (the pool takes it back) */
	for (size_t i = 0; i < d->state.ep_count; i++) {
		const struct ep_record *e = &d->state.eps[i];
		for (size_t j = 0; !strcmp(e->network_id, network_id) && j < d->ops.count; j++)
			if (d->ops.ops[j].vf == e->vf && !strcmp(d->ops.ops[j].pf_pci, e->pf_pci))
				return &d->ops.ops[j];
	}
	return NULL;
}

bool ep_ops_network_busy(struct daemon *d, const char *network_id)
{
	return network_op(d, network_id) != NULL;
}

int ep_ops_wait_vf(struct daemon *d, const char *pf_pci, int vf, sr_error *err)
{
	time_t deadline = time(NULL) + EP_OPS_WAIT_S;
	while (ep_ops_vf_claimed(d, pf_pci, vf) && time(NULL) < deadline && !atomic_load(&d->stop_signal))
		wait_a_while(d);
	if (!ep_ops_vf_claimed(d, pf_pci, vf))
		return 0;
	return sr_error_set_kind(err, SR_BUSY, EBUSY, "VF %d of %s is being worked on by another request (for over %d s)",
				 vf, pf_pci, EP_OPS_WAIT_S);
}

int ep_ops_wait_idle(struct daemon *d, const char *id, sr_error *err)
{
	const struct ep_op *op = ep_ops_find(d, id);
	time_t deadline = time(NULL) + EP_OPS_WAIT_S;
	if (!op)
		return 0;
	/* dockerd retries a call whose connection broke while the first one still works: the
	 * retry gets the outcome of the first rather than a half-done endpoint */
	sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s is being %s by another request: waiting for it", id, op->what);
	while ((op = ep_ops_find(d, id)) && time(NULL) < deadline && !atomic_load(&d->stop_signal))
		wait_a_while(d);
	if (!op)
		return 0;
	return sr_error_set_kind(err, SR_BUSY, EBUSY, "endpoint %s is being %s (by another request, for over %d s)", id,
				 op->what, EP_OPS_WAIT_S);
}

int ep_ops_wait_network_idle(struct daemon *d, const char *network_id, int seconds, sr_error *err)
{
	const struct ep_op *op = network_op(d, network_id);
	time_t deadline = time(NULL) + seconds;
	if (!op)
		return 0;
	sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s: waiting for its endpoint operations in flight", network_id);
	while ((op = network_op(d, network_id)) && time(NULL) < deadline && !atomic_load(&d->stop_signal))
		wait_a_while(d);
	if (!op)
		return 0;
	return sr_error_set_kind(err, SR_BUSY, EBUSY,
				 "network %.12s: endpoint %.12s is still being %s by another request after %d s",
				 network_id, op->id, op->what, seconds);
}

void ep_ops_free(struct ep_ops *t)
{
	free(t->ops);
	t->ops = NULL;
	t->count = t->cap = 0;
}
