/* vf_pool: which VF an endpoint gets, against a fake sysfs tree whose VF netdevs are veths in a
 * private network namespace (the process unshares its own; nothing touches the host's network).
 * Needs root; without it the test fails rather than pretending to pass. */
#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <unistd.h>

#include "../../plugin/daemon/daemon.h"
#include "../../plugin/daemon/vf_pool_take.h"
#include "../../plugin/host/vf_pool.h"
#include "../../plugin/host/vf_setup.h"
#include "../fakesys/fakesys.h"
#include "check.h"

#define PF_NAME "vpt0"
#define PF_PCI "0000:05:00.0"
#define NVF 4

static const char *vf_pci(int i)
{
	static char buf[NVF][16];
	snprintf(buf[i], sizeof(buf[i]), "0000:05:10.%d", i);
	return buf[i];
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "'%s' failed (%d)\n", cmd, rc);
	return rc;
}

/* PF vpt0 with 4 VFs on igbvf, netdevs vpt0v0..3 (veths, down, no address). */
static void build(void)
{
	mkdirs("bus/pci/drivers/igbvf");
	mkdirs("bus/pci/drivers/vfio-pci");
	writef("", "bus/pci/drivers/igbvf/unbind");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	writef("", "bus/pci/drivers_probe");
	mkdirs("bus/pci/devices/" PF_PCI "/net/" PF_NAME);
	mkdirs("class/net/" PF_NAME);
	symlinkf("../../../bus/pci/devices/" PF_PCI, "class/net/" PF_NAME "/device");
	writef("4\n", "bus/pci/devices/" PF_PCI "/sriov_totalvfs");
	writef("4\n", "bus/pci/devices/" PF_PCI "/sriov_numvfs");
	for (int i = 0; i < NVF; i++) {
		char target[64];
		mkdirs("bus/pci/devices/%s/net/" PF_NAME "v%d", vf_pci(i), i);
		mkdirs("kernel/iommu_groups/%d", 60 + i);
		snprintf(target, sizeof(target), "../%.15s", vf_pci(i));
		symlinkf(target, "bus/pci/devices/" PF_PCI "/virtfn%d", i);
		symlinkf("../" PF_PCI, "bus/pci/devices/%s/physfn", vf_pci(i));
		symlinkf("../../drivers/igbvf", "bus/pci/devices/%s/driver", vf_pci(i));
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", 60 + i);
		symlinkf(target, "bus/pci/devices/%s/iommu_group", vf_pci(i));
		writef("", "bus/pci/devices/%s/driver_override", vf_pci(i));
		sh("ip link add " PF_NAME "v%d type veth peer name " PF_NAME "p%d", i, i);
	}
}

static void net_with(struct net_record *net, const char *vfs)
{
	sr_error err = {0};
	memset(net, 0, sizeof(*net));
	snprintf(net->id, sizeof(net->id), "net1");
	net->cfg.pf_count = 1;
	snprintf(net->pf_pci[0], sizeof(net->pf_pci[0]), PF_PCI);
	snprintf(net->cfg.pf_spec[0], sizeof(net->cfg.pf_spec[0]), PF_NAME);
	if (vfs) {
		net->cfg.vfs_set = true;
		CHECK(net_config_parse_vf_list(vfs, net->cfg.vfs_mask, &err) == 0);
	}
}

static void own_vf(struct daemon *d, int vf)
{
	struct ep_record ep;
	memset(&ep, 0, sizeof(ep));
	snprintf(ep.id, sizeof(ep.id), "ep%d", vf);
	snprintf(ep.network_id, sizeof(ep.network_id), "net1");
	snprintf(ep.pf_pci, sizeof(ep.pf_pci), PF_PCI);
	snprintf(ep.vf_pci, sizeof(ep.vf_pci), "%s", vf_pci(vf));
	ep.vf = vf;
	CHECK(state_add_ep(&d->state, &ep, NULL) != NULL);
}

static void released_vf(struct daemon *d, int vf)
{
	struct ep_record ep;
	memset(&ep, 0, sizeof(ep));
	snprintf(ep.id, sizeof(ep.id), "ep%d", vf);
	snprintf(ep.network_id, sizeof(ep.network_id), "net1");
	snprintf(ep.pf_pci, sizeof(ep.pf_pci), PF_PCI);
	snprintf(ep.vf_pci, sizeof(ep.vf_pci), "%s", vf_pci(vf));
	ep.vf = vf;
	ep.phase = EP_RELEASED;
	CHECK(state_add_ep(&d->state, &ep, NULL) != NULL);
}

/* udev's database: with udev running (control exists) the name is given only once data/n<ifindex> is there */
static void test_udev_wait(struct daemon *d)
{
	char netdev[SYSFS_IFNAME_MAX] = "";
	sr_error err = {0};
	unsigned ifindex = if_nametoindex(PF_NAME "v0");
	mkdirs("run-udev/data");
	writef("", "run-udev/control");
	CHECK(ifindex > 0);
	writef("", "run-udev/data/n%u", ifindex);
	/* the kernel's name still in sysfs, but the link was renamed since: the new name comes back */
	sh("ip link set " PF_NAME "v0 name renamed0");
	rmdir_f("bus/pci/devices/%s/net/" PF_NAME "v0", vf_pci(0));
	mkdirs("bus/pci/devices/%s/net/renamed0", vf_pci(0));
	CHECK(vf_wait_netdev(&d->host, vf_pci(0), netdev, NULL, &err) == 0);
	CHECK_STR_EQ(netdev, "renamed0");
	rmdir_f("bus/pci/devices/%s/net/renamed0", vf_pci(0));
	mkdirs("bus/pci/devices/%s/net/" PF_NAME "v0", vf_pci(0));
	sh("ip link set renamed0 name " PF_NAME "v0");
	removef("run-udev/control");
}

/* One CreateEndpoint's use of the pool: its operation entered, the VF taken, the operation
 * ended (its claim with it), as the handler does once the endpoint is recorded. */
static int take(struct daemon *d, const struct net_record *net, struct vf_choice *c, sr_error *err)
{
	int rc;
	pthread_mutex_lock(&d->lock);
	CHECK(ep_ops_begin(d, "taker", net->id, "created", err) != NULL);
	pthread_mutex_unlock(&d->lock);
	rc = vf_pool_take(d, net, 0, PF_NAME, "taker", c, err);
	pthread_mutex_lock(&d->lock);
	ep_ops_end(d, "taker");
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static void test_take(struct daemon *d)
{
	struct net_record net;
	struct vf_choice c;
	sr_error err = {0};
	char text[64];

	net_with(&net, NULL);
	CHECK(take(d, &net, &c, &err) == 0);
	CHECK(c.vf == 0);
	CHECK_STR_EQ(c.vf_pci, vf_pci(0));
	CHECK_STR_EQ(c.netdev, PF_NAME "v0");

	own_vf(d, 0); /* owned by an endpoint: never handed out again */
	CHECK(take(d, &net, &c, &err) == 0 && c.vf == 1);

	sh("ip link set " PF_NAME "v1 up"); /* up = in use on the host */
	CHECK(take(d, &net, &c, &err) == 0 && c.vf == 2);

	sh("ip addr add 192.0.2.2/24 dev " PF_NAME "v2"); /* has an address = in use */
	CHECK(take(d, &net, &c, &err) == 0 && c.vf == 3);

	net_with(&net, "1-2"); /* only busy VFs allowed */
	sr_error_clear(&err);
	CHECK(take(d, &net, &c, &err) == -1 && err.code == ENOSPC);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME ": all 2 VFs in use (0 by endpoints, 2 busy on the host): "
			      "VF 1 0000:05:10.1: netdev " PF_NAME "v1 is up (in use on the host); "
			      "VF 2 0000:05:10.2: netdev " PF_NAME "v2 has 1 addresses (in use on the host)");

	net_with(&net, "3");
	CHECK(take(d, &net, &c, &err) == 0 && c.vf == 3);

	/* VF 3's netdev gone from this namespace (moved into a container): busy */
	sh("ip link set " PF_NAME "v3 name moved3");
	rmdir_f("bus/pci/devices/%s/net/" PF_NAME "v3", vf_pci(3));
	CHECK(take(d, &net, &c, &err) == -1);
	CHECK(strstr(err.msg, "all 1 VFs in use (0 by endpoints, 1 busy") != NULL);
	sh("ip link set moved3 name " PF_NAME "v3");
	mkdirs("bus/pci/devices/%s/net/" PF_NAME "v3", vf_pci(3));
	/* bound to igbvf but no net/ entry: busy, not reclaimed */
	{
		char path[600];
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/net/" PF_NAME "v3", fakesys_root, vf_pci(3));
		rmdir(path);
	}
	CHECK(take(d, &net, &c, &err) == -1 && err.code == ENOSPC);
	CHECK(strstr(err.msg, "VF 3 0000:05:10.3: on igbvf, its netdev is in another namespace, not ours") != NULL);
	mkdirs("bus/pci/devices/%s/net/" PF_NAME "v3", vf_pci(3));

	/* Someone else's VF on vfio-pci (DPDK, libvirt): skipped, named, and not touched */
	symlinkf("../../drivers/vfio-pci", "bus/pci/devices/%s/driver", vf_pci(3));
	writef("vfio-pci", "bus/pci/devices/%s/driver_override", vf_pci(3));
	writef("", "bus/pci/drivers_probe");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	CHECK(take(d, &net, &c, &err) == -1 && err.code == ENOSPC);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME ": all 1 VFs in use (0 by endpoints, 1 busy on the host): "
			      "VF 3 0000:05:10.3: on vfio-pci, not ours");
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, "");
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, "");
	readf(text, sizeof(text), "bus/pci/devices/%s/driver_override", vf_pci(3));
	CHECK_STR_EQ(text, "vfio-pci");
	/* an unbound VF that is not ours: the same */
	removef("bus/pci/devices/%s/driver", vf_pci(3));
	CHECK(take(d, &net, &c, &err) == -1 && err.code == ENOSPC);
	CHECK(strstr(err.msg, "VF 3 0000:05:10.3: on no driver, not ours") != NULL);
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, "");

	/* Ours: an endpoint released while its VF was on vfio-pci. Its group node cannot be
	 * opened (fake /dev/vfio has none): we cannot tell whether a VM holds it, so hands off. */
	symlinkf("../../drivers/vfio-pci", "bus/pci/devices/%s/driver", vf_pci(3));
	released_vf(d, 3);
	CHECK(take(d, &net, &c, &err) == -1 && err.code == ENOSPC);
	CHECK(strstr(err.msg, "on vfio-pci, released by endpoint ep3, but cannot tell whether its VFIO group is "
			      "in use") != NULL);
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, "");
	/* group node free (open succeeds): rebound (fake: stays on vfio-pci, so still skipped) */
	writef("", "dev-vfio/63");
	CHECK(take(d, &net, &c, &err) == -1 && err.code == ENOSPC);
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, vf_pci(3));
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, vf_pci(3));
	CHECK(strstr(err.msg, "VF 3 0000:05:10.3: still on vfio-pci after rebinding") != NULL);
	CHECK(state_find_ep(&d->state, "ep3") != NULL); /* the record stays until the VF is home */
	/* home on igbvf again: taken, and the released record is dropped (and saved) */
	symlinkf("../../drivers/igbvf", "bus/pci/devices/%s/driver", vf_pci(3));
	CHECK(take(d, &net, &c, &err) == 0 && c.vf == 3);
	CHECK(state_find_ep(&d->state, "ep3") == NULL);

	/* nothing allowed / nothing enabled / PF unknown */
	net_with(&net, "6-7");
	CHECK(take(d, &net, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME ": none of its 4 VFs is in this network's vfs list");
	writef("0\n", "bus/pci/devices/" PF_PCI "/sriov_numvfs");
	net_with(&net, NULL);
	CHECK(take(d, &net, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME " has no VFs enabled (sriov_numvfs is 0)");
	writef("4\n", "bus/pci/devices/" PF_PCI "/sriov_numvfs");
	snprintf(net.pf_pci[0], sizeof(net.pf_pci[0]), "0000:0e:00.0");
	CHECK(take(d, &net, &c, &err) == -1);
	CHECK(strstr(err.msg, "PF " PF_NAME ": open ") != NULL && strstr(err.msg, "sriov_numvfs") != NULL);

	/* all VFs: 0 owned, 1 up, 2 addressed, 3 up */
	sh("ip link set " PF_NAME "v3 up");
	net_with(&net, NULL);
	CHECK(take(d, &net, &c, &err) == -1 && err.code == ENOSPC);
	CHECK(strncmp(err.msg, "PF " PF_NAME ": all 4 VFs in use (1 by endpoints, 3 busy on the host): VF 1 ", 68) == 0);
}

/* vf_take_home: a VF of ours left on vfio-pci goes back to the host driver it was handed out on,
 * named (driver_override for the probe, cleared after); one at home is left alone. */
static void test_take_home(struct daemon *d)
{
	char text[128];
	sr_error err = {0};
	/* at home (igbvf, netdev here): nothing to do, nothing written */
	writef("", "bus/pci/drivers_probe");
	CHECK(vf_take_home(&d->host, 2, vf_pci(2), "ep2", "igbvf", &err) == 0);
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, "");
	/* on vfio-pci, its group free: unbound, probed with igbvf named; the fake device stays on
	 * vfio-pci, which is then the error, and the override is clear again */
	symlinkf("../../drivers/vfio-pci", "bus/pci/devices/%s/driver", vf_pci(2));
	writef("", "dev-vfio/62");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	writef("\n", "bus/pci/devices/%s/driver_override", vf_pci(2));
	CHECK(vf_take_home(&d->host, 2, vf_pci(2), "ep2", "igbvf", &err) == -1 && err.code == ENODEV);
	CHECK(strstr(err.msg, "still on vfio-pci after rebinding to its host driver igbvf") != NULL);
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, vf_pci(2));
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, vf_pci(2));
	readf(text, sizeof(text), "bus/pci/devices/%s/driver_override", vf_pci(2));
	CHECK_STR_EQ(text, "\n");
	/* its group cannot be opened: not touched, and the reason names the group */
	removef("dev-vfio/62");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	CHECK(vf_take_home(&d->host, 2, vf_pci(2), "ep2", "igbvf", &err) == -1 && err.code == EBUSY);
	CHECK(strstr(err.msg, "on vfio-pci, released by endpoint ep2, but cannot tell whether its VFIO group") != NULL);
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, "");
	/* back on igbvf: home */
	symlinkf("../../drivers/igbvf", "bus/pci/devices/%s/driver", vf_pci(2));
	CHECK(vf_take_home(&d->host, 2, vf_pci(2), "ep2", "", &err) == 0);
}

/* A VF rebound for its endpoint (its netdev refused the admin MAC) is moved only from its host
 * network driver: one that someone bound to vfio-pci since the free-VF check (libvirt, driverctl,
 * DPDK), or whose driver_override now names another driver, is refused and left untouched. */
static void test_rebind_only_ours(struct daemon *d)
{
	const uint8_t mac[6] = {0x02, 0x42, 0x0a, 0x09, 0x00, 0x02};
	struct nlk_vf_config saved;
	struct net_config cfg;
	struct vf_target t = {2, vf_pci(2), mac, &saved, 0};
	sr_error err = {0};
	char text[64];
	memset(&saved, 0, sizeof(saved));
	memset(&cfg, 0, sizeof(cfg));
	writef("", "bus/pci/drivers_probe");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	writef("", "bus/pci/drivers/igbvf/unbind");
	/* taken by vfio-pci between the check and the rebind: the netdev went with igbvf */
	symlinkf("../../drivers/vfio-pci", "bus/pci/devices/%s/driver", vf_pci(2));
	rmdir_f("bus/pci/devices/%s/net/" PF_NAME "v2", vf_pci(2));
	CHECK(vf_sync_netdev(&d->host, NULL, &cfg, &t, &err) == -1 && err.code == EBUSY);
	CHECK(strstr(err.msg, "VF 2 (0000:05:10.2) is on vfio-pci now: someone else's, not ours to move"));
	if (!strstr(err.msg, "not ours to move"))
		fprintf(stderr, "  %s\n", err.msg);
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, "");
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, "");
	/* unbound meanwhile: the same */
	removef("bus/pci/devices/%s/driver", vf_pci(2));
	CHECK(vf_rebind_host(&d->host, 2, vf_pci(2), NULL, NULL, &err) == -1 && strstr(err.msg, "is on no driver now"));
	/* still on igbvf, but driverctl / libvirt set driver_override to move it: refused */
	symlinkf("../../drivers/igbvf", "bus/pci/devices/%s/driver", vf_pci(2));
	writef("vfio-pci\n", "bus/pci/devices/%s/driver_override", vf_pci(2));
	CHECK(vf_rebind_host(&d->host, 2, vf_pci(2), NULL, NULL, &err) == -1 && err.code == EBUSY);
	CHECK(strstr(err.msg, "its driver_override is vfio-pci now (someone is moving it off igbvf)"));
	readf(text, sizeof(text), "bus/pci/drivers/igbvf/unbind");
	CHECK_STR_EQ(text, "");
	readf(text, sizeof(text), "bus/pci/devices/%s/driver_override", vf_pci(2));
	CHECK_STR_EQ(text, "vfio-pci\n");
	/* ours on igbvf: rebound through igbvf's own unbind */
	writef("", "bus/pci/devices/%s/driver_override", vf_pci(2));
	sr_error_clear(&err);
	CHECK(vf_rebind_host(&d->host, 2, vf_pci(2), NULL, NULL, &err) == 0);
	readf(text, sizeof(text), "bus/pci/drivers/igbvf/unbind");
	CHECK_STR_EQ(text, vf_pci(2));
	/* a released VF seen on vfio-pci, on igbvf by now: not where it was seen, refused */
	writef("", "bus/pci/drivers/igbvf/unbind");
	CHECK(vf_rebind_host(&d->host, 2, vf_pci(2), "vfio-pci", "igbvf", &err) == -1 && err.code == EBUSY);
	readf(text, sizeof(text), "bus/pci/drivers/igbvf/unbind");
	CHECK_STR_EQ(text, "");
	mkdirs("bus/pci/devices/%s/net/" PF_NAME "v2", vf_pci(2));
}

static void test_vfio_group_use(void)
{
	char why[200] = "", dir[400];
	snprintf(dir, sizeof(dir), "%s/dev-vfio", fakesys_root);
	CHECK(vf_vfio_group_use(dir, -1, why, sizeof(why)) == VFIO_GROUP_UNKNOWN);
	CHECK(vf_vfio_group_use(dir, 987654, why, sizeof(why)) == VFIO_GROUP_UNKNOWN);
	CHECK(strstr(why, "/987654: No such file or directory") != NULL);
	writef("", "dev-vfio/7");
	CHECK(vf_vfio_group_use(dir, 7, why, sizeof(why)) == VFIO_GROUP_FREE);
	CHECK(vf_driver_is_userspace("vfio-pci") && vf_driver_is_userspace("uio_pci_generic") &&
	      vf_driver_is_userspace("pci-stub") && !vf_driver_is_userspace("igbvf"));
}

int main(void)
{
	struct daemon d;
	sr_error err = {0};
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
		check_failed_count++;
		return check_summary("vf_pool");
	}
	if (fakesys_create("test_vf_pool") < 0) {
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
		test_udev_wait(&d);
		test_take(&d);
		test_take_home(&d);
		test_rebind_only_ours(&d);
		nlk_close(d.host.nl);
	}
	test_vfio_group_use();
	state_free(&d.state);
	daemon_locks_destroy(&d);
	fakesys_remove();
	return check_summary("vf_pool");
}
