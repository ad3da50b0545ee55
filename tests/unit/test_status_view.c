/* status_view: the `status` JSON built from the state and a fake sysfs tree, and what happens
 * when memory runs out at every single allocation in turn: NULL comes back and nothing leaks
 * (jansson's allocator is replaced by one that counts live blocks and fails the Nth call). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/daemon/status_view.h"
#include "../fakesys/fakesys.h"
#include "check.h"

#define PF_PCI "0000:05:00.0"

static long alloc_live;
static long alloc_calls;
static long alloc_fail_at; /* 0 = never */

static void *counting_malloc(size_t size)
{
	void *p;
	if (alloc_fail_at && ++alloc_calls == alloc_fail_at)
		return NULL;
	p = malloc(size);
	if (p)
		alloc_live++;
	return p;
}

static void counting_free(void *p)
{
	if (p)
		alloc_live--;
	free(p);
}

static void build_sysfs(void)
{
	mkdirs("bus/pci/drivers/igb");
	mkdirs("bus/pci/drivers/igbvf");
	mkdirs("bus/pci/devices/" PF_PCI);
	symlinkf("../../drivers/igb", "bus/pci/devices/" PF_PCI "/driver");
	writef("7\n", "bus/pci/devices/" PF_PCI "/sriov_totalvfs");
	writef("2\n", "bus/pci/devices/" PF_PCI "/sriov_numvfs");
	for (int i = 0; i < 2; i++) {
		mkdirs("bus/pci/devices/0000:05:10.%d/net/vfnet%d", i, i);
		symlinkf(i ? "../0000:05:10.1" : "../0000:05:10.0", "bus/pci/devices/" PF_PCI "/virtfn%d", i);
		symlinkf("../../drivers/igbvf", "bus/pci/devices/0000:05:10.%d/driver", i);
	}
}

static void fill_state(struct daemon *d)
{
	struct net_record net;
	struct ep_record ep;
	memset(&net, 0, sizeof(net));
	snprintf(net.id, sizeof(net.id), "net1");
	net.cfg.pf_count = 1;
	snprintf(net.pf_pci[0], sizeof(net.pf_pci[0]), PF_PCI);
	snprintf(net.cfg.pf_spec[0], sizeof(net.cfg.pf_spec[0]), "enp5s0");
	snprintf(net.cfg.prefix, sizeof(net.cfg.prefix), "eth");
	net.cfg.vlan = 100;
	net.cfg.vfs_set = true;
	net.cfg.vfs_mask[0] = 3;
	CHECK(state_add_net(&d->state, &net, NULL) != NULL);
	memset(&ep, 0, sizeof(ep));
	snprintf(ep.id, sizeof(ep.id), "ep1");
	snprintf(ep.network_id, sizeof(ep.network_id), "net1");
	snprintf(ep.pf_pci, sizeof(ep.pf_pci), PF_PCI);
	snprintf(ep.vf_pci, sizeof(ep.vf_pci), "0000:05:10.1");
	ep.vf = 1;
	CHECK(state_add_ep(&d->state, &ep, NULL) != NULL);
}

static void test_view(struct daemon *d)
{
	json_t *view = status_view_build(d, &d->state), *vf1;
	CHECK(view != NULL);
	if (!view)
		return;
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(json_object_get(view, "pfs"), 0), "pci")),
		     PF_PCI);
	vf1 = json_array_get(json_object_get(json_array_get(json_object_get(view, "pfs"), 0), "vfs"), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(vf1, "netdev")), "vfnet1");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(vf1, "owner"), "endpoint")), "ep1");
	CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(view, "networks"), 0), "endpoints")) ==
	      1);
	/* the network's PFs and each endpoint's PF; "pf"/"pf_pci" stay the first PF */
	json_t *net = json_array_get(json_object_get(view, "networks"), 0);
	json_t *pf0 = json_array_get(json_object_get(net, "pfs"), 0);
	json_t *ep0 = json_array_get(json_object_get(net, "endpoint_list"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(net, "pf")), "enp5s0");
	CHECK_STR_EQ(json_string_value(json_object_get(net, "pf_pci")), PF_PCI);
	CHECK_STR_EQ(json_string_value(json_object_get(net, "pf_policy")), "spread");
	CHECK(json_array_size(json_object_get(net, "pfs")) == 1);
	CHECK_STR_EQ(json_string_value(json_object_get(pf0, "pf")), "enp5s0");
	CHECK_STR_EQ(json_string_value(json_object_get(pf0, "pci")), PF_PCI);
	CHECK_STR_EQ(json_string_value(json_object_get(pf0, "state")), "no netdev"); /* no net/ in this tree */
	CHECK(json_integer_value(json_object_get(pf0, "endpoints")) == 1 && !json_object_get(pf0, "vfs"));
	CHECK_STR_EQ(json_string_value(json_object_get(ep0, "id")), "ep1");
	CHECK_STR_EQ(json_string_value(json_object_get(ep0, "pf_pci")), PF_PCI);
	CHECK_STR_EQ(json_string_value(json_object_get(ep0, "pf_state")), "no netdev");
	CHECK_STR_EQ(json_string_value(json_object_get(ep0, "vf_pci")), "0000:05:10.1");
	CHECK(json_integer_value(json_object_get(ep0, "vf")) == 1);
	json_decref(view);
}

/* A released record whose network was deleted (a Kata VM left its VF on vfio-pci; docker rm, then
 * docker network rm) is listed under "released" with the driver its VF is on now; a passthrough
 * endpoint says it is a NIC and what it goes back as, not "VF -1". */
static void test_released_and_nic(struct daemon *d)
{
	struct net_record net;
	struct ep_record ep;
	json_t *view, *rel, *nic_net = NULL, *nic_ep;
	memset(&ep, 0, sizeof(ep));
	snprintf(ep.id, sizeof(ep.id), "ep9");
	snprintf(ep.network_id, sizeof(ep.network_id), "deletednet");
	snprintf(ep.pf_pci, sizeof(ep.pf_pci), PF_PCI);
	snprintf(ep.vf_pci, sizeof(ep.vf_pci), "0000:05:10.0");
	ep.phase = EP_RELEASED;
	CHECK(state_add_ep(&d->state, &ep, NULL) != NULL);
	memset(&net, 0, sizeof(net));
	snprintf(net.id, sizeof(net.id), "nicnet");
	net.cfg.pf_count = 1;
	net.cfg.mode = NET_MODE_PASSTHROUGH;
	snprintf(net.pf_pci[0], sizeof(net.pf_pci[0]), "0000:09:00.0");
	snprintf(net.cfg.pf_spec[0], sizeof(net.cfg.pf_spec[0]), "enp9s0");
	CHECK(state_add_net(&d->state, &net, NULL) != NULL);
	memset(&ep, 0, sizeof(ep));
	snprintf(ep.id, sizeof(ep.id), "ep2");
	snprintf(ep.network_id, sizeof(ep.network_id), "nicnet");
	snprintf(ep.pf_pci, sizeof(ep.pf_pci), "0000:09:00.0");
	snprintf(ep.vf_pci, sizeof(ep.vf_pci), "0000:09:00.0");
	snprintf(ep.host.name, sizeof(ep.host.name), "enp9s0");
	ep.vf = -1;
	ep.passthrough = true;
	CHECK(state_add_ep(&d->state, &ep, NULL) != NULL);
	view = status_view_build(d, &d->state);
	CHECK(view != NULL);
	rel = json_array_get(json_object_get(view, "released"), 0);
	CHECK(json_array_size(json_object_get(view, "released")) == 1);
	CHECK_STR_EQ(json_string_value(json_object_get(rel, "endpoint")), "ep9");
	CHECK_STR_EQ(json_string_value(json_object_get(rel, "network")), "deletednet");
	CHECK(json_is_true(json_object_get(rel, "network_deleted")));
	CHECK_STR_EQ(json_string_value(json_object_get(rel, "kind")), "vf");
	CHECK_STR_EQ(json_string_value(json_object_get(rel, "pci")), "0000:05:10.0");
	CHECK_STR_EQ(json_string_value(json_object_get(rel, "driver")), "igbvf");
	for (size_t i = 0; i < json_array_size(json_object_get(view, "networks")); i++) {
		json_t *n = json_array_get(json_object_get(view, "networks"), i);
		if (!strcmp(json_string_value(json_object_get(n, "id")), "nicnet"))
			nic_net = n;
	}
	nic_ep = json_array_get(json_object_get(nic_net, "endpoint_list"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(nic_ep, "kind")), "nic");
	CHECK_STR_EQ(json_string_value(json_object_get(nic_ep, "host_name")), "enp9s0");
	json_decref(view);
}

/* Fails allocation 1, 2, 3, ... until the view builds: every build either returns the whole
 * view (an allocation it could do without, e.g. an owner object for a free VF) or NULL, and
 * frees everything else. */
static void test_out_of_memory(struct daemon *d)
{
	long n, leaks = 0, partial = 0;
	json_t *whole = status_view_build(d, &d->state);
	json_set_alloc_funcs(counting_malloc, counting_free);
	for (n = 1; n < 5000; n++) {
		json_t *view;
		alloc_calls = 0;
		alloc_live = 0;
		alloc_fail_at = n;
		view = status_view_build(d, &d->state);
		if (alloc_calls < n) { /* the Nth allocation was never reached: the build succeeded */
			json_decref(view);
			break;
		}
		if (view) {
			if (!json_equal(view, whole))
				partial++;
			json_decref(view);
		}
		if (alloc_live != 0) {
			if (!leaks++)
				fprintf(stderr, "allocation %ld failed: %ld blocks leaked\n", n, alloc_live);
		}
	}
	alloc_fail_at = 0;
	json_set_alloc_funcs(malloc, free);
	CHECK(n > 20 && n < 5000); /* the loop did reach a full build */
	CHECK(leaks == 0);
	CHECK(partial == 0);
	json_decref(whole);
}

int main(void)
{
	struct daemon d;
	if (fakesys_create("test_status_view") < 0) {
		perror("mkdtemp");
		return 1;
	}
	memset(&d, 0, sizeof(d));
	daemon_locks_init(&d);
	d.log.level = -1;
	snprintf(d.cfg.sysfs_root, sizeof(d.cfg.sysfs_root), "%s", fakesys_root);
	build_sysfs();
	fill_state(&d);
	test_view(&d);
	test_released_and_nic(&d);
	test_out_of_memory(&d);
	state_free(&d.state);
	fakesys_remove();
	return check_summary("status_view");
}
