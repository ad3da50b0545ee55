/* pf_choose: which of a network's PFs an endpoint's VF comes from (spread, fill, per-PF vfs, a
 * PF that is gone), against a fake sysfs tree of two PFs with 7 VFs each whose VF netdevs are
 * veths in a private network namespace. Needs root; without it the test fails. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/daemon/daemon.h"
#include "../../plugin/daemon/pf_choose.h"
#include "../fakesys/fakesys.h"
#include "check.h"

#define NVF 7
static const char *const pf_name[2] = {"mpa0", "mpb0"};
static const char *const pf_pci[2] = {"0000:06:00.0", "0000:07:00.0"};

static void vf_pci(int pf, int vf, char out[32])
{
	snprintf(out, 32, "0000:%02x:10.%d", 6 + pf, vf);
}

static void build_pf(int pf)
{
	mkdirs("bus/pci/devices/%s/net/%s", pf_pci[pf], pf_name[pf]);
	mkdirs("class/net/%s", pf_name[pf]);
	char target[64];
	snprintf(target, sizeof(target), "../../../bus/pci/devices/%s", pf_pci[pf]);
	symlinkf(target, "class/net/%s/device", pf_name[pf]);
	writef("7\n", "bus/pci/devices/%s/sriov_totalvfs", pf_pci[pf]);
	writef("7\n", "bus/pci/devices/%s/sriov_numvfs", pf_pci[pf]);
	for (int i = 0; i < NVF; i++) {
		char pci[32], cmd[128];
		vf_pci(pf, i, pci);
		mkdirs("bus/pci/devices/%s/net/%sv%d", pci, pf_name[pf], i);
		mkdirs("kernel/iommu_groups/%d", 70 + pf * 10 + i);
		snprintf(target, sizeof(target), "../%s", pci);
		symlinkf(target, "bus/pci/devices/%s/virtfn%d", pf_pci[pf], i);
		snprintf(target, sizeof(target), "../%s", pf_pci[pf]);
		symlinkf(target, "bus/pci/devices/%s/physfn", pci);
		symlinkf("../../drivers/igbvf", "bus/pci/devices/%s/driver", pci);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", 70 + pf * 10 + i);
		symlinkf(target, "bus/pci/devices/%s/iommu_group", pci);
		writef("", "bus/pci/devices/%s/driver_override", pci);
		snprintf(cmd, sizeof(cmd), "ip link add %sv%d type veth peer name %sp%d", pf_name[pf], i, pf_name[pf], i);
		if (system(cmd) != 0)
			fprintf(stderr, "'%s' failed\n", cmd);
	}
}

static void build(void)
{
	mkdirs("bus/pci/drivers/igbvf");
	mkdirs("bus/pci/drivers/vfio-pci");
	writef("", "bus/pci/drivers/igbvf/unbind");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	writef("", "bus/pci/drivers_probe");
	build_pf(0);
	build_pf(1);
}

static void net_with(struct net_record *net, unsigned policy, const char *vfs)
{
	sr_error err = {0};
	memset(net, 0, sizeof(*net));
	snprintf(net->id, sizeof(net->id), "net1");
	net->cfg.pf_count = 2;
	net->cfg.pf_policy = policy;
	for (int p = 0; p < 2; p++) {
		snprintf(net->cfg.pf_spec[p], sizeof(net->cfg.pf_spec[p]), "%s", pf_name[p]);
		snprintf(net->pf_pci[p], sizeof(net->pf_pci[p]), "%s", pf_pci[p]);
	}
	if (vfs)
		CHECK(net_config_parse_vfs(vfs, &net->cfg, &err) == 0);
}

/* One CreateEndpoint's use of the pool: operation entered, VF chosen, the record added (READY)
 * as the handler does, operation ended. Returns the PF index, or -1. */
static int take(struct daemon *d, const struct net_record *net, int n, struct pf_pick *pick, sr_error *err)
{
	char id[32];
	int rc;
	snprintf(id, sizeof(id), "ep%d", n);
	pthread_mutex_lock(&d->lock);
	CHECK(ep_ops_begin(d, id, net->id, "created", err) != NULL);
	pthread_mutex_unlock(&d->lock);
	rc = pf_choose_vf(d, net, id, pick, err);
	pthread_mutex_lock(&d->lock);
	if (rc == 0) {
		struct ep_record ep;
		memset(&ep, 0, sizeof(ep));
		snprintf(ep.id, sizeof(ep.id), "%s", id);
		snprintf(ep.network_id, sizeof(ep.network_id), "%s", net->id);
		snprintf(ep.pf_pci, sizeof(ep.pf_pci), "%s", net->pf_pci[pick->pf]);
		snprintf(ep.vf_pci, sizeof(ep.vf_pci), "%s", pick->vf.vf_pci);
		ep.vf = pick->vf.vf;
		CHECK(state_add_ep(&d->state, &ep, NULL) != NULL);
	}
	ep_ops_end(d, id);
	pthread_mutex_unlock(&d->lock);
	return rc == 0 ? (int)pick->pf : -1;
}

static void forget_all(struct daemon *d)
{
	while (d->state.ep_count)
		state_remove_ep(&d->state, d->state.eps[0].id);
}

static void test_spread(struct daemon *d)
{
	struct net_record net;
	struct pf_pick pick;
	sr_error err = {0};
	int count[2] = {0, 0}, last = 1;
	bool alternates = true;
	net_with(&net, NET_PF_SPREAD, NULL);
	for (int i = 0; i < 2 * NVF; i++) {
		int pf = take(d, &net, i, &pick, &err);
		CHECK(pf >= 0);
		if (pf < 0) {
			fprintf(stderr, "  take %d: %s\n", i, err.msg);
			break;
		}
		alternates = alternates && pf != last;
		last = pf;
		count[pf]++;
		CHECK_STR_EQ(pick.ifname, pf_name[pf]);
		CHECK(pick.vf.vf == i / 2); /* lowest free index on that PF */
	}
	CHECK(alternates);
	CHECK(count[0] == NVF && count[1] == NVF);
	/* the 15th: every PF says why */
	CHECK(take(d, &net, 99, &pick, &err) == -1);
	CHECK(err.kind == SR_EXHAUSTED && err.code == ENOSPC);
	CHECK(strstr(err.msg, "no PF of this network can give a VF: ") == err.msg);
	CHECK(strstr(err.msg, "PF mpa0: all 7 VFs in use") != NULL);
	CHECK(strstr(err.msg, "PF mpb0: all 7 VFs in use") != NULL);
	forget_all(d);
}

static void test_spread_counts_in_flight(struct daemon *d)
{
	struct net_record net;
	struct pf_pick first, second;
	sr_error err = {0};
	net_with(&net, NET_PF_SPREAD, NULL);
	/* a create still in flight (VF claimed, no record yet) counts for its PF */
	pthread_mutex_lock(&d->lock);
	CHECK(ep_ops_begin(d, "a", net.id, "created", &err) != NULL);
	CHECK(ep_ops_begin(d, "b", net.id, "created", &err) != NULL);
	pthread_mutex_unlock(&d->lock);
	CHECK(pf_choose_vf(d, &net, "a", &first, &err) == 0);
	CHECK(pf_choose_vf(d, &net, "b", &second, &err) == 0);
	CHECK(first.pf == 0 && second.pf == 1);
	pthread_mutex_lock(&d->lock);
	ep_ops_end(d, "a");
	ep_ops_end(d, "b");
	pthread_mutex_unlock(&d->lock);
}

static void test_fill(struct daemon *d)
{
	struct net_record net;
	struct pf_pick pick;
	sr_error err = {0};
	net_with(&net, NET_PF_FILL, NULL);
	for (int i = 0; i < 2 * NVF; i++) {
		int pf = take(d, &net, i, &pick, &err);
		CHECK(pf == (i < NVF ? 0 : 1));
		CHECK(pick.vf.vf == i % NVF);
	}
	CHECK(take(d, &net, 99, &pick, &err) == -1 && err.kind == SR_EXHAUSTED);
	forget_all(d);
}

/* vfs=mpb0#0-1: mpb0 gives VFs 0 and 1 only, mpa0 all 7 */
static void test_vfs_per_pf(struct daemon *d)
{
	struct net_record net;
	struct pf_pick pick;
	sr_error err = {0};
	int count[2] = {0, 0};
	net_with(&net, NET_PF_SPREAD, "mpb0#0-1");
	for (int i = 0; i < NVF + 2; i++) {
		int pf = take(d, &net, i, &pick, &err);
		CHECK(pf >= 0);
		if (pf >= 0)
			count[pf]++;
		if (pf == 1)
			CHECK(pick.vf.vf <= 1);
	}
	CHECK(count[0] == NVF && count[1] == 2);
	CHECK(take(d, &net, 99, &pick, &err) == -1);
	CHECK(strstr(err.msg, "PF mpb0: all 2 VFs in use") != NULL);
	forget_all(d);
	/* unqualified ranges for the PFs vfs does not name: mpa0 0-2, mpb0 5-6 */
	net_with(&net, NET_PF_FILL, "0-2,mpb0#5,6");
	for (int i = 0; i < 5; i++) {
		int pf = take(d, &net, i, &pick, &err);
		CHECK(pf == (i < 3 ? 0 : 1));
		CHECK(pick.vf.vf == (i < 3 ? i : i + 2));
	}
	CHECK(take(d, &net, 99, &pick, &err) == -1);
	forget_all(d);
}

/* A PF that is gone (or whose driver is unbound) takes only its own VFs out of the pool. */
static void test_pf_gone(struct daemon *d)
{
	char from[512], to[512];
	struct net_record net;
	struct pf_pick pick;
	sr_error err = {0};
	net_with(&net, NET_PF_FILL, NULL);
	snprintf(from, sizeof(from), "%s/bus/pci/devices/%s", fakesys_root, pf_pci[0]);
	snprintf(to, sizeof(to), "%s/gone-pf", fakesys_root);
	CHECK(rename(from, to) == 0);
	for (int i = 0; i < NVF; i++)
		CHECK(take(d, &net, i, &pick, &err) == 1);
	CHECK(take(d, &net, 99, &pick, &err) == -1);
	CHECK(strstr(err.msg, "PF mpa0 (0000:06:00.0) is not present on this host") != NULL);
	CHECK(strstr(err.msg, "PF mpb0: all 7 VFs in use") != NULL);
	CHECK(err.kind == SR_EXHAUSTED);
	CHECK(rename(to, from) == 0);
	forget_all(d);
	/* the netdev gone (driver unbound): skipped the same way */
	rmdir_f("bus/pci/devices/%s/net/%s", pf_pci[1], pf_name[1]);
	net_with(&net, NET_PF_SPREAD, NULL);
	CHECK(take(d, &net, 0, &pick, &err) == 0);
	CHECK(take(d, &net, 1, &pick, &err) == 0);
	mkdirs("bus/pci/devices/%s/net/%s", pf_pci[1], pf_name[1]);
	CHECK(take(d, &net, 2, &pick, &err) == 1); /* back: the emptier PF again */
	forget_all(d);
}

/* One PF: its own error, as before there were several. */
static void test_single(struct daemon *d)
{
	struct net_record net;
	struct pf_pick pick;
	sr_error err = {0};
	net_with(&net, NET_PF_SPREAD, NULL);
	net.cfg.pf_count = 1;
	for (int i = 0; i < NVF; i++)
		CHECK(take(d, &net, i, &pick, &err) == 0);
	CHECK(take(d, &net, 99, &pick, &err) == -1);
	CHECK(strstr(err.msg, "PF mpa0: all 7 VFs in use") == err.msg);
	forget_all(d);
}

int main(void)
{
	struct daemon d;
	sr_error err = {0};
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
		check_failed_count++;
		return check_summary("pf_choose");
	}
	if (fakesys_create("test_pf_choose") < 0) {
		perror("mkdtemp");
		return 1;
	}
	memset(&d, 0, sizeof(d));
	daemon_locks_init(&d);
	d.log.level = getenv("TEST_VERBOSE") ? SR_LOG_DEBUG : -1;
	snprintf(d.cfg.sysfs_root, sizeof(d.cfg.sysfs_root), "%s", fakesys_root);
	snprintf(d.cfg.udev_dir, sizeof(d.cfg.udev_dir), "%.200s/run-udev", fakesys_root);
	snprintf(d.cfg.vfio_dir, sizeof(d.cfg.vfio_dir), "%.200s/dev-vfio", fakesys_root);
	snprintf(d.cfg.state_dir, sizeof(d.cfg.state_dir), "%s/state", fakesys_root);
	snprintf(d.state.dir, sizeof(d.state.dir), "%s/state", fakesys_root);
	mkdirs("state");
	mkdirs("dev-vfio");
	build();
	CHECK(nlk_open(&d.host.nl, &err) == 0);
	if (d.host.nl) {
		test_spread(&d);
		test_spread_counts_in_flight(&d);
		test_fill(&d);
		test_vfs_per_pf(&d);
		test_pf_gone(&d);
		test_single(&d);
		nlk_close(d.host.nl);
	}
	state_free(&d.state);
	daemon_locks_destroy(&d);
	fakesys_remove();
	return check_summary("pf_choose");
}
