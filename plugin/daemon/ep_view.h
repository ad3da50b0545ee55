/* ep_view: what EndpointOperInfo answers from, so that it is answered in the HTTP event loop
 * without d->lock (which a save holds across its fsyncs, and which the loop must never wait for).
 *
 * A copy of the few fields of each endpoint that EndpointOperInfo shows (its VF or NIC, MAC,
 * VLAN), sorted by endpoint ID, replaced whole by ep_view_publish after every request that may
 * change the state and after each sweep. Its own lock is held only to swap the copy or to look
 * one endpoint up in it, never across anything else; it is taken after d->lock, never before. */
#ifndef EP_VIEW_H
#define EP_VIEW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../spec/spec.h"
#include "../host/sysfs.h"

struct ep_view_entry {
	char id[SPEC_ID_MAX + 1];
	char pf_pci[SYSFS_PCI_MAX];
	char vf_pci[SYSFS_PCI_MAX];
	int vf;
	uint8_t mac[6];
	unsigned vlan;                    /* its network's */
	bool passthrough;                 /* owns the NIC pf_pci */
	char host_name[SYSFS_IFNAME_MAX]; /* passthrough: the NIC's name on the host */
};

struct ep_views {
	pthread_mutex_t lock;
	struct ep_view_entry *entries; /* sorted by id */
	size_t count;
};

struct daemon;

void ep_views_init(struct ep_views *v);
void ep_views_free(struct ep_views *v);

/* After a change (d->lock not held: it is taken here): the view becomes the state's endpoints
 * now (those whose network is recorded). -1 only when out of memory (the previous view stays,
 * and the log says so). */
int ep_view_publish(struct daemon *d);
/* Copies the endpoint's entry; false when the view has no such endpoint. Never waits for
 * d->lock. */
bool ep_view_find(struct ep_views *v, const char *id, struct ep_view_entry *out);

#endif
