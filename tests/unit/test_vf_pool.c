/* vf_pool: which VF an endpoint gets, against a fake sysfs tree whose VF netdevs are veths in a
 * private network namespace (the process unshares its own; nothing touches the host's network).
 * Needs root; without it the test fails rather than pretending to pass. */
#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../plugin/vf_pool.h"
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
	snprintf(net->pf_pci, sizeof(net->pf_pci), PF_PCI);
	snprintf(net->cfg.pf_spec, sizeof(net->cfg.pf_spec), PF_NAME);
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

static void test_take(struct daemon *d)
{
	struct net_record net;
	struct vf_choice c;
	sr_error err = {0};
	char text[64];

	net_with(&net, NULL);
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == 0);
	CHECK(c.vf == 0);
	CHECK_STR_EQ(c.vf_pci, vf_pci(0));
	CHECK_STR_EQ(c.netdev, PF_NAME "v0");

	own_vf(d, 0); /* owned by an endpoint: never handed out again */
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == 0 && c.vf == 1);

	sh("ip link set " PF_NAME "v1 up"); /* up = in use on the host */
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == 0 && c.vf == 2);

	sh("ip addr add 192.0.2.2/24 dev " PF_NAME "v2"); /* has an address = in use */
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == 0 && c.vf == 3);

	net_with(&net, "1-2"); /* only busy VFs allowed */
	sr_error_clear(&err);
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1 && err.code == ENOSPC);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME ": all 2 VFs in use (0 by endpoints, 2 busy on the host)");

	net_with(&net, "3");
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == 0 && c.vf == 3);

	/* VF 3's netdev gone from this namespace (moved into a container): busy */
	sh("ip link set " PF_NAME "v3 name moved3");
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1);
	CHECK(strstr(err.msg, "all 1 VFs in use (0 by endpoints, 1 busy") != NULL);
	sh("ip link set moved3 name " PF_NAME "v3");
	/* bound to igbvf but no net/ entry: busy, not reclaimed */
	{
		char path[600];
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/net/" PF_NAME "v3", fakesys_root, vf_pci(3));
		rmdir(path);
	}
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1 && err.code == ENOSPC);
	mkdirs("bus/pci/devices/%s/net/" PF_NAME "v3", vf_pci(3));

	/* VF on vfio-pci with its group free: rebound (fake: stays on vfio-pci, so skipped) */
	symlinkf("../../drivers/vfio-pci", "bus/pci/devices/%s/driver", vf_pci(3));
	writef("vfio-pci", "bus/pci/devices/%s/driver_override", vf_pci(3));
	writef("", "bus/pci/drivers_probe");
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1 && err.code == ENOSPC);
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, vf_pci(3));
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, vf_pci(3));
	/* unbound VF: probed for its driver (fake: none comes), skipped */
	removef("bus/pci/devices/%s/driver", vf_pci(3));
	writef("", "bus/pci/drivers_probe");
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1 && err.code == ENOSPC);
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, vf_pci(3));
	symlinkf("../../drivers/igbvf", "bus/pci/devices/%s/driver", vf_pci(3));
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == 0 && c.vf == 3);

	/* nothing allowed / nothing enabled / PF unknown */
	net_with(&net, "6-7");
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME ": none of its 4 VFs is in this network's vfs list");
	writef("0\n", "bus/pci/devices/" PF_PCI "/sriov_numvfs");
	net_with(&net, NULL);
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME " has no VFs enabled (sriov_numvfs is 0)");
	writef("4\n", "bus/pci/devices/" PF_PCI "/sriov_numvfs");
	snprintf(net.pf_pci, sizeof(net.pf_pci), "0000:0e:00.0");
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1);
	CHECK(strstr(err.msg, "PF " PF_NAME ": open ") != NULL && strstr(err.msg, "sriov_numvfs") != NULL);

	/* all VFs: 0 owned, 1 up, 2 addressed, 3 up */
	sh("ip link set " PF_NAME "v3 up");
	net_with(&net, NULL);
	CHECK(vf_pool_take(d, &net, PF_NAME, &c, &err) == -1 && err.code == ENOSPC);
	CHECK_STR_EQ(err.msg, "PF " PF_NAME ": all 4 VFs in use (1 by endpoints, 3 busy on the host)");
}

static void test_vfio_busy(void)
{
	CHECK(!vf_vfio_group_busy(-1));
	CHECK(!vf_vfio_group_busy(987654)); /* nobody holds /dev/vfio/987654 */
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
	d.log.level = getenv("TEST_VERBOSE") ? SR_LOG_DEBUG : -1;
	snprintf(d.cfg.sysfs_root, sizeof(d.cfg.sysfs_root), "%s", fakesys_root);
	build();
	CHECK(nlk_open(&d.nl, &err) == 0);
	if (d.nl) {
		test_take(&d);
		nlk_close(d.nl);
	}
	test_vfio_busy();
	state_free(&d.state);
	fakesys_remove();
	return check_summary("vf_pool");
}
