/* ep_ops: the table of endpoint operations in flight. One operation per ID and per VF, MACs
 * taken by creates in flight, a network busy while one of its endpoints (or a VF of one) is
 * worked on, and waiting: a second request on a busy ID returns once the first ends (another
 * thread ends it; no time is asserted, only that the wait ended with the ID idle). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../../plugin/daemon/daemon.h"
#include "../../plugin/daemon/ep_ops.h"
#include "check.h"

static void test_table(struct daemon *d)
{
	sr_error err = {0};
	const uint8_t mac[6] = {2, 0x42, 1, 2, 3, 4}, other[6] = {2, 0x42, 1, 2, 3, 5};
	struct ep_op *op;
	pthread_mutex_lock(&d->lock);
	op = ep_ops_begin(d, "ep1", "net1", "created", &err);
	CHECK(op != NULL && op->vf == -1 && !strcmp(op->what, "created"));
	CHECK(!ep_ops_vf_claimed(d, "0000:01:00.0", 0));
	snprintf(op->pf_pci, sizeof(op->pf_pci), "0000:01:00.0");
	op->vf = 0;
	memcpy(op->mac, mac, 6);
	op->has_mac = true;
	CHECK(ep_ops_vf_claimed(d, "0000:01:00.0", 0));
	CHECK(!ep_ops_vf_claimed(d, "0000:02:00.0", 0));
	CHECK(!ep_ops_vf_claimed(d, "0000:01:00.0", 1));
	CHECK(ep_ops_mac_owner(d, mac) && !strcmp(ep_ops_mac_owner(d, mac), "ep1"));
	CHECK(ep_ops_mac_owner(d, other) == NULL);
	CHECK(ep_ops_network_busy(d, "net1") && !ep_ops_network_busy(d, "net2"));
	/* many more: the table grows, and the first one is still found */
	for (int i = 0; i < 40; i++) {
		char id[16];
		snprintf(id, sizeof(id), "more%d", i);
		CHECK(ep_ops_begin(d, id, "net2", "joined", &err) != NULL);
	}
	CHECK(ep_ops_find(d, "ep1") && ep_ops_find(d, "ep1")->vf == 0);
	CHECK(ep_ops_network_busy(d, "net2"));
	for (int i = 0; i < 40; i++) {
		char id[16];
		snprintf(id, sizeof(id), "more%d", i);
		ep_ops_end(d, id);
	}
	CHECK(!ep_ops_network_busy(d, "net2") && d->ops.count == 1);
	CHECK(ep_ops_wait_idle(d, "nobody", &err) == 0);
	ep_ops_end(d, "ep1");
	CHECK(ep_ops_find(d, "ep1") == NULL && !ep_ops_vf_claimed(d, "0000:01:00.0", 0));
	CHECK(ep_ops_mac_owner(d, mac) == NULL && !ep_ops_network_busy(d, "net1"));
	pthread_mutex_unlock(&d->lock);
}

/* A released endpoint of net1 whose VF a create on another network claims: net1 is busy. */
static void test_network_busy_by_vf(struct daemon *d)
{
	struct ep_record rel;
	sr_error err = {0};
	struct ep_op *op;
	memset(&rel, 0, sizeof(rel));
	snprintf(rel.id, sizeof(rel.id), "released");
	snprintf(rel.network_id, sizeof(rel.network_id), "net1");
	snprintf(rel.pf_pci, sizeof(rel.pf_pci), "0000:01:00.0");
	rel.vf = 3;
	rel.phase = EP_RELEASED;
	pthread_mutex_lock(&d->lock);
	CHECK(state_add_ep(&d->state, &rel, &err) != NULL);
	CHECK(!ep_ops_network_busy(d, "net1"));
	op = ep_ops_begin(d, "new", "net9", "created", &err);
	CHECK(op != NULL);
	if (op) {
		snprintf(op->pf_pci, sizeof(op->pf_pci), "0000:01:00.0");
		op->vf = 3;
	}
	CHECK(ep_ops_network_busy(d, "net1"));
	CHECK(ep_ops_wait_vf(d, "0000:01:00.0", 2, &err) == 0);
	ep_ops_end(d, "new");
	CHECK(!ep_ops_network_busy(d, "net1"));
	state_remove_ep(&d->state, "released");
	pthread_mutex_unlock(&d->lock);
}

struct ender {
	struct daemon *d;
	pthread_mutex_t go_lock;
	bool waiter_in; /* the main thread is about to wait */
};

/* Ends "busy" once the main thread waits for it. */
static void *end_later(void *arg)
{
	struct ender *e = arg;
	for (;;) {
		pthread_mutex_lock(&e->d->lock);
		if (e->waiter_in) {
			ep_ops_end(e->d, "busy");
			pthread_mutex_unlock(&e->d->lock);
			return NULL;
		}
		pthread_mutex_unlock(&e->d->lock);
		sched_yield();
	}
}

static void test_wait(struct daemon *d)
{
	struct ender e = {.d = d};
	sr_error err = {0};
	pthread_t t;
	pthread_mutex_lock(&d->lock);
	CHECK(ep_ops_begin(d, "busy", "net1", "created", &err) != NULL);
	pthread_mutex_unlock(&d->lock);
	CHECK(pthread_create(&t, NULL, end_later, &e) == 0);
	pthread_mutex_lock(&d->lock);
	e.waiter_in = true; /* seen by the thread only once the wait releases d->lock */
	CHECK(ep_ops_wait_idle(d, "busy", &err) == 0 && ep_ops_find(d, "busy") == NULL);
	pthread_mutex_unlock(&d->lock);
	pthread_join(t, NULL);
}

/* A DeleteNetwork's wait for its network's operations is bounded: an operation stuck in the
 * kernel (an unbind of an open VFIO device) must not hold net_lock, and with it every network
 * change, for ever. The error names the operation; an idle network returns at once. */
static void test_wait_network_bounded(struct daemon *d)
{
	sr_error err = {0};
	pthread_mutex_lock(&d->lock);
	CHECK(ep_ops_wait_network_idle(d, "net1", 1, &err) == 0);
	CHECK(ep_ops_begin(d, "stuck0123456789", "net1", "created", &err) != NULL);
	CHECK(ep_ops_wait_network_idle(d, "net1", 1, &err) == -1 && err.kind == SR_BUSY);
	CHECK(strstr(err.msg, "network net1: endpoint stuck0123456 is still being created by another request after 1 s"));
	if (!strstr(err.msg, "after 1 s"))
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(ep_ops_find(d, "stuck0123456789") != NULL); /* still there: nothing was done to it */
	sr_error_clear(&err);
	CHECK(ep_ops_wait_network_idle(d, "net2", 1, &err) == 0 && !err.msg[0]);
	ep_ops_end(d, "stuck0123456789");
	pthread_mutex_unlock(&d->lock);
}

int main(void)
{
	static struct daemon d;
	d.log.level = -1;
	daemon_locks_init(&d);
	test_table(&d);
	test_network_busy_by_vf(&d);
	test_wait(&d);
	test_wait_network_bounded(&d);
	state_free(&d.state);
	daemon_locks_destroy(&d);
	return check_summary("ep_ops");
}
