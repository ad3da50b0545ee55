/* sysfs: PF/VF discovery against a fake sysfs tree built in a temp dir, shaped like the kernel's
 * (relative symlinks for class/net/X/device, virtfnN, physfn, driver, iommu_group). */
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../plugin/host/pf.h"
#include "../../plugin/host/sysfs.h"
#include "../fakesys/fakesys.h"
#include "check.h"

#define PF "0000:01:00.0"
#define PF2 "0000:02:00.0"
#define VF0 "0000:01:10.0"
#define VF1 "0000:01:10.1"
#define VF2 "0000:01:10.2"

#define root fakesys_root

/* PF enp1s0f0 (PF) with 3 VFs: VF0 on igbvf with netdev enp1s0f0v0, VF1 unbound, VF2 on vfio-pci.
 * PF2 "plain0" is a PCI NIC without SR-IOV; "lo" has no device link; "virt0" points at a non-PCI device. */
static void build_tree(void)
{
	const char *vfs[] = {VF0, VF1, VF2};
	mkdirs("bus/pci/drivers/igbvf");
	mkdirs("bus/pci/drivers/vfio-pci");
	writef("", "bus/pci/drivers/igbvf/unbind");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	writef("", "bus/pci/drivers_probe");
	mkdirs("bus/pci/devices/" PF "/net/enp1s0f0");
	mkdirs("class/net/enp1s0f0");
	symlinkf("../../../bus/pci/devices/" PF, "class/net/enp1s0f0/device");
	writef("8\n", "bus/pci/devices/" PF "/sriov_totalvfs");
	writef("0\n", "bus/pci/devices/" PF "/sriov_numvfs");
	for (int i = 0; i < 3; i++) {
		char target[64];
		mkdirs("bus/pci/devices/%s", vfs[i]);
		mkdirs("kernel/iommu_groups/%d", 40 + i);
		snprintf(target, sizeof(target), "../%s", vfs[i]);
		symlinkf(target, "bus/pci/devices/" PF "/virtfn%d", i);
		symlinkf("../" PF, "bus/pci/devices/%s/physfn", vfs[i]);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", 40 + i);
		symlinkf(target, "bus/pci/devices/%s/iommu_group", vfs[i]);
		writef("", "bus/pci/devices/%s/driver_override", vfs[i]);
	}
	symlinkf("../../drivers/igbvf", "bus/pci/devices/" VF0 "/driver");
	mkdirs("bus/pci/devices/" VF0 "/net/enp1s0f0v0");
	symlinkf("../../drivers/vfio-pci", "bus/pci/devices/" VF2 "/driver");

	mkdirs("bus/pci/devices/" PF2 "/net/plain0");
	mkdirs("class/net/plain0");
	symlinkf("../../../bus/pci/devices/" PF2, "class/net/plain0/device");
	mkdirs("class/net/lo");
	mkdirs("devices/virtual/net/virt0");
	mkdirs("class/net/virt0");
	symlinkf("../../../devices/virtual/net/virt0", "class/net/virt0/device");
}

static void test_netdev_pci(void)
{
	char pci[SYSFS_PCI_MAX];
	sr_error err = {0};
	CHECK(sysfs_netdev_pci(root, "enp1s0f0", pci, &err) == 0);
	CHECK_STR_EQ(pci, PF);
	CHECK(sysfs_netdev_pci(root, "plain0", pci, &err) == 0);
	CHECK_STR_EQ(pci, PF2);

	CHECK(sysfs_netdev_pci(root, "nope0", pci, &err) == -1);
	CHECK(err.code == ENODEV && strstr(err.msg, "nope0: no such network interface"));
	CHECK(sysfs_netdev_pci(root, "lo", pci, &err) == -1);
	CHECK(err.code == ENOTSUP && strstr(err.msg, "not a PCI device (no device link)"));
	CHECK(sysfs_netdev_pci(root, "virt0", pci, &err) == -1);
	CHECK(err.code == ENOTSUP && strstr(err.msg, "not a PCI device (its device is virt0)"));

	/* Hostile names never reach a path. */
	static const char *const bad[] = {"../../..", "..", ".", "a/b", "enp1s0f0/device", "", "e th",
					  "abcdefghijklmnop", "a:b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sr_error_clear(&err);
		CHECK(sysfs_netdev_pci(root, bad[i], pci, &err) == -1);
		CHECK(err.code == EINVAL && strstr(err.msg, "is not a valid interface name"));
	}
}

static void test_pci_netdev(void)
{
	char name[SYSFS_IFNAME_MAX];
	bool found = true;
	sr_error err = {0};
	CHECK(sysfs_pci_netdev(root, PF, name, &found, &err) == 0 && found);
	CHECK_STR_EQ(name, "enp1s0f0");
	CHECK(sysfs_pci_netdev(root, VF0, name, &found, &err) == 0 && found);
	CHECK_STR_EQ(name, "enp1s0f0v0");
	/* unbound and vfio VFs have no net/ folder: not found, not an error */
	CHECK(sysfs_pci_netdev(root, VF1, name, &found, &err) == 0 && !found && name[0] == '\0');
	CHECK(sysfs_pci_netdev(root, VF2, name, &found, &err) == 0 && !found);
	/* an empty net/ folder (netdev moved to a container) is not found either */
	mkdirs("bus/pci/devices/" VF1 "/net");
	CHECK(sysfs_pci_netdev(root, VF1, name, &found, &err) == 0 && !found);
	/* a name the kernel would never give is skipped */
	mkdirs("bus/pci/devices/" VF1 "/net/abcdefghijklmnopq");
	CHECK(sysfs_pci_netdev(root, VF1, name, &found, &err) == 0 && !found);
	CHECK(sysfs_pci_netdev(root, "0000:01:00.0/..", name, &found, &err) == -1);
	CHECK(strstr(err.msg, "is not a PCI address") != NULL);
	CHECK(sysfs_pci_netdev(root, "../../etc", name, &found, &err) == -1);
	CHECK(strstr(err.msg, "'../../etc' is not a PCI address") != NULL);
}

static void test_pci_netdev_ifindex(void)
{
	int ifindex = -1;
	sr_error err = {0};
	/* a test tree without ifindex files: 0, the caller looks the name up */
	CHECK(sysfs_pci_netdev_ifindex(root, VF0, "enp1s0f0v0", &ifindex, &err) == 0 && ifindex == 0);
	writef("17\n", "bus/pci/devices/" VF0 "/net/enp1s0f0v0/ifindex");
	CHECK(sysfs_pci_netdev_ifindex(root, VF0, "enp1s0f0v0", &ifindex, &err) == 0 && ifindex == 17);
	/* the PF's netdev is another device's: never taken for the VF's, whatever its name */
	CHECK(sysfs_pci_netdev_ifindex(root, VF0, "enp1s0f0", &ifindex, &err) == -1 && err.code == ENOENT);
	CHECK(strstr(err.msg, "has no netdev enp1s0f0") != NULL);
	CHECK(sysfs_pci_netdev_ifindex(root, VF0, "../../x", &ifindex, &err) == -1 && err.code == EINVAL);
	removef("bus/pci/devices/" VF0 "/net/enp1s0f0v0/ifindex");
}

static void test_exists(void)
{
	CHECK(sysfs_pci_exists(root, PF));
	CHECK(sysfs_pci_exists(root, VF1));
	CHECK(!sysfs_pci_exists(root, "0000:09:00.0"));
	CHECK(!sysfs_pci_exists(root, "../"));
	CHECK(!sysfs_pci_exists(root, ""));
	CHECK(!sysfs_pci_exists(root, "0000:01:00.0/physfn"));
}

static void test_numvfs(void)
{
	int total = -1, num = -1;
	char text[32];
	sr_error err = {0};
	CHECK(sysfs_pf_totalvfs(root, PF, &total, &err) == 0 && total == 8);
	CHECK(sysfs_pf_numvfs(root, PF, &num, &err) == 0 && num == 0);
	CHECK(sysfs_pf_set_numvfs(root, PF, 7, &err) == 0);
	readf(text, sizeof(text), "bus/pci/devices/" PF "/sriov_numvfs");
	CHECK(atoi(text) == 7);
	CHECK(sysfs_pf_numvfs(root, PF, &num, &err) == 0 && num == 7);

	CHECK(sysfs_pf_totalvfs(root, PF2, &total, &err) == -1);
	CHECK(err.code == EOPNOTSUPP);
	CHECK_STR_EQ(err.msg, "does not support SR-IOV: no sriov_totalvfs");
	CHECK(sysfs_pf_numvfs(root, PF2, &num, &err) == -1);
	CHECK(strstr(err.msg, "open ") && strstr(err.msg, "sriov_numvfs"));
	CHECK(sysfs_pf_set_numvfs(root, PF2, 1, &err) == -1);
	CHECK(strstr(err.msg, "sriov_numvfs") != NULL);
	CHECK(sysfs_pf_totalvfs(root, "0000:09:00.0", &total, &err) == -1);

	writef("lots\n", "bus/pci/devices/" PF "/sriov_totalvfs");
	CHECK(sysfs_pf_totalvfs(root, PF, &total, &err) == -1);
	CHECK(strstr(err.msg, "sriov_totalvfs: not a number: 'lots'") != NULL);
	writef("-2\n", "bus/pci/devices/" PF "/sriov_totalvfs");
	CHECK(sysfs_pf_totalvfs(root, PF, &total, &err) == -1 && strstr(err.msg, "not a number"));
	writef("", "bus/pci/devices/" PF "/sriov_totalvfs");
	CHECK(sysfs_pf_totalvfs(root, PF, &total, &err) == -1 && strstr(err.msg, "not a number: ''"));
	writef("99999999999\n", "bus/pci/devices/" PF "/sriov_totalvfs");
	CHECK(sysfs_pf_totalvfs(root, PF, &total, &err) == -1 && strstr(err.msg, "not a number"));
	writef("8\n", "bus/pci/devices/" PF "/sriov_totalvfs");

	CHECK(sysfs_pf_totalvfs(root, "../" PF, &total, &err) == -1 && strstr(err.msg, "is not a PCI address"));
	CHECK(sysfs_pf_numvfs(root, "x/y", &num, &err) == -1 && strstr(err.msg, "is not a PCI address"));
	CHECK(sysfs_pf_set_numvfs(root, "..", 1, &err) == -1 && strstr(err.msg, "is not a PCI address"));
}

static void test_vf_pci(void)
{
	char vf[SYSFS_PCI_MAX];
	sr_error err = {0};
	CHECK(sysfs_vf_pci(root, PF, 0, vf, &err) == 0);
	CHECK_STR_EQ(vf, VF0);
	CHECK(sysfs_vf_pci(root, PF, 2, vf, &err) == 0);
	CHECK_STR_EQ(vf, VF2);
	CHECK(sysfs_vf_pci(root, PF, 3, vf, &err) == -1);
	CHECK(err.code == ENOENT);
	CHECK_STR_EQ(err.msg, "PF " PF " has no VF 3");
	CHECK(sysfs_vf_pci(root, PF, -1, vf, &err) == -1 && err.code == EINVAL && strstr(err.msg, "negative"));
	CHECK(sysfs_vf_pci(root, PF2, 0, vf, &err) == -1 && err.code == ENOENT);
	CHECK(sysfs_vf_pci(root, "0000:01:00.0/virtfn0", 0, vf, &err) == -1);
	CHECK(strstr(err.msg, "is not a PCI address") != NULL);
	/* a virtfn link whose target is no PCI address is refused */
	symlinkf("../../../../etc", "bus/pci/devices/" PF "/virtfn5");
	CHECK(sysfs_vf_pci(root, PF, 5, vf, &err) == -1 && strstr(err.msg, "'etc' is not a PCI address"));
	removef("bus/pci/devices/" PF "/virtfn5");
}

static void test_driver_and_group(void)
{
	char drv[SYSFS_DRIVER_MAX];
	int group = 0;
	sr_error err = {0};
	CHECK(sysfs_pci_driver(root, VF0, drv, &err) == 0);
	CHECK_STR_EQ(drv, "igbvf");
	CHECK(sysfs_pci_driver(root, VF1, drv, &err) == 0);
	CHECK_STR_EQ(drv, "");
	CHECK(sysfs_pci_driver(root, VF2, drv, &err) == 0);
	CHECK_STR_EQ(drv, "vfio-pci");
	CHECK(sysfs_pci_driver(root, "a/b", drv, &err) == -1 && strstr(err.msg, "is not a PCI address"));

	CHECK(sysfs_pci_iommu_group(root, VF1, &group, &err) == 0 && group == 41);
	CHECK(sysfs_pci_iommu_group(root, PF, &group, &err) == 0 && group == -1); /* none */
	symlinkf("../../../../kernel/iommu_groups/x1", "bus/pci/devices/" PF "/iommu_group");
	CHECK(sysfs_pci_iommu_group(root, PF, &group, &err) == -1 && strstr(err.msg, "bad IOMMU group 'x1'"));
	removef("bus/pci/devices/" PF "/iommu_group");
	CHECK(sysfs_pci_iommu_group(root, "..", &group, &err) == -1);
}

static void test_rebind(void)
{
	char text[128];
	sr_error err = {0};
	writef("vfio-pci\n", "bus/pci/devices/" VF2 "/driver_override");
	CHECK(sysfs_pci_driver_override(root, VF2, text, &err) == 0 && !strcmp(text, "vfio-pci"));
	/* the caller saw it on igbvf, it is on vfio-pci now (libvirt, driverctl, DPDK took it meanwhile):
	 * refused, nothing written */
	CHECK(sysfs_pci_rebind_host_driver(root, VF2, "igbvf", "", &err) == -1 && err.code == EBUSY);
	CHECK(strstr(err.msg, VF2 " is on vfio-pci now, not igbvf: someone else moved it, not ours to move"));
	readf(text, sizeof(text), "bus/pci/devices/" VF2 "/driver_override");
	CHECK_STR_EQ(text, "vfio-pci\n");
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, "");
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, "");
	CHECK(sysfs_pci_rebind_host_driver(root, VF1, "igbvf", "", &err) == -1 && err.code == EBUSY); /* unbound now */
	CHECK(strstr(err.msg, VF1 " is on no driver now, not igbvf"));
	sr_error_clear(&err);
	/* as seen: moved, through the driver's own unbind file */
	CHECK(sysfs_pci_rebind_host_driver(root, VF2, "vfio-pci", "", &err) == 0);
	if (err.msg[0])
		fprintf(stderr, "  %s\n", err.msg);
	readf(text, sizeof(text), "bus/pci/devices/" VF2 "/driver_override");
	CHECK(strcmp(text, "\n") == 0 || strcmp(text, "\nfio-pci\n") == 0); /* cleared (sysfs would not keep the tail) */
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, VF2);
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, VF2);
	writef("(null)\n", "bus/pci/devices/" VF2 "/driver_override");
	CHECK(sysfs_pci_driver_override(root, VF2, text, &err) == 0 && !text[0]); /* the kernel's "none" */

	/* unbound VF: nothing to unbind, only a probe */
	writef("", "bus/pci/drivers_probe");
	writef("", "bus/pci/drivers/igbvf/unbind");
	CHECK(sysfs_pci_rebind_host_driver(root, VF1, "", "", &err) == 0);
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, VF1);
	readf(text, sizeof(text), "bus/pci/drivers/igbvf/unbind");
	CHECK_STR_EQ(text, "");

	/* no drivers_probe (not a real sysfs): error says which step */
	removef("bus/pci/drivers_probe");
	CHECK(sysfs_pci_rebind_host_driver(root, VF1, "", "", &err) == -1);
	CHECK(strstr(err.msg, "probe a driver for " VF1) != NULL);
	writef("", "bus/pci/drivers_probe");
	/* a driver without an unbind file */
	removef("bus/pci/drivers/igbvf/unbind");
	CHECK(sysfs_pci_rebind_host_driver(root, VF0, "igbvf", "", &err) == -1);
	CHECK(strstr(err.msg, "unbind " VF0 " from igbvf") != NULL);
	writef("", "bus/pci/drivers/igbvf/unbind");
	CHECK(sysfs_pci_rebind_host_driver(root, "0000:01:10.0/../../x", "igbvf", "", &err) == -1);
	/* the host driver named (a VF taken back from vfio-pci that has its ID: Kata's new_id): set
	 * for the probe, then cleared, so that vfio-pci can take the VF again later */
	symlinkf("../../drivers/vfio-pci", "bus/pci/devices/" VF2 "/driver");
	writef("", "bus/pci/drivers_probe");
	writef("", "bus/pci/drivers/vfio-pci/unbind");
	CHECK(sysfs_pci_rebind_host_driver(root, VF2, "vfio-pci", "igbvf", &err) == 0);
	readf(text, sizeof(text), "bus/pci/devices/" VF2 "/driver_override");
	CHECK_STR_EQ(text, "\n"); /* cleared last */
	readf(text, sizeof(text), "bus/pci/drivers/vfio-pci/unbind");
	CHECK_STR_EQ(text, VF2);
	readf(text, sizeof(text), "bus/pci/drivers_probe");
	CHECK_STR_EQ(text, VF2);
	/* a failed probe still clears the override, and says which driver was asked for */
	removef("bus/pci/drivers_probe");
	writef("xxxxxxxxxx", "bus/pci/devices/" VF1 "/driver_override");
	CHECK(sysfs_pci_rebind_host_driver(root, VF1, "", "igbvf", &err) == -1);
	CHECK(strstr(err.msg, "probe igbvf for " VF1) != NULL);
	readf(text, sizeof(text), "bus/pci/devices/" VF1 "/driver_override");
	CHECK_STR_EQ(text, "\n");
	writef("", "bus/pci/drivers_probe");
	/* no driver_override file: a driver cannot be named */
	removef("bus/pci/devices/" VF1 "/driver_override");
	CHECK(sysfs_pci_rebind_host_driver(root, VF1, "", "igbvf", &err) == -1 && err.code == ENOTSUP);
	CHECK(strstr(err.msg, "no driver_override") != NULL);
	writef("\n", "bus/pci/devices/" VF1 "/driver_override");
}

/* pf_resolve only reads the fake tree (h.sysfs_root); its messages are what Docker shows. */
static void test_pf_resolve(void)
{
	struct host h = {.sysfs_root = root};
	char pci[SYSFS_PCI_MAX];
	sr_error err = {0};
	CHECK(pf_resolve(&h, "enp1s0f0", pci, &err) == 0);
	CHECK_STR_EQ(pci, PF);
	CHECK(pf_resolve(&h, PF, pci, &err) == 0);
	CHECK_STR_EQ(pci, PF);
	CHECK(pf_resolve(&h, "lo", pci, &err) == -1);
	CHECK_STR_EQ(err.msg, "pf_iface: lo does not support SR-IOV: not a PCI device (no device link)");
	CHECK(pf_resolve(&h, "virt0", pci, &err) == -1);
	CHECK_STR_EQ(err.msg, "pf_iface: virt0 does not support SR-IOV: not a PCI device (its device is virt0)");
	CHECK(pf_resolve(&h, "plain0", pci, &err) == -1);
	CHECK_STR_EQ(err.msg, "pf_iface: plain0 does not support SR-IOV: no sriov_totalvfs");
	CHECK(pf_resolve(&h, "nope0", pci, &err) == -1);
	CHECK_STR_EQ(err.msg, "pf_iface: nope0: no such network interface");
	CHECK(pf_resolve(&h, "0000:09:00.0", pci, &err) == -1);
	CHECK_STR_EQ(err.msg, "pf_iface 0000:09:00.0: no such PCI device");
	writef("0\n", "bus/pci/devices/" PF "/sriov_totalvfs");
	CHECK(pf_resolve(&h, "enp1s0f0", pci, &err) == -1);
	CHECK_STR_EQ(err.msg, "pf_iface: enp1s0f0 does not support SR-IOV: sriov_totalvfs is 0");
	writef("8\n", "bus/pci/devices/" PF "/sriov_totalvfs");
}

static void *netdev_appears(void *arg)
{
	struct timespec pause = {0, 150L * 1000 * 1000};
	(void)arg;
	nanosleep(&pause, NULL);
	mkdirs("bus/pci/devices/" VF2 "/net/enp1s0f0v2");
	return NULL;
}

/* Ready VFs cost no wait: with 3 VFs all ready, even no time at all is enough (the old loop
 * spent a "try" on each ready VF and gave up before the last). */
static void test_wait_for_vfs(void)
{
	struct host h = {.sysfs_root = root};
	pthread_t t;
	mkdirs("bus/pci/devices/" VF1 "/net/enp1s0f0v1");
	mkdirs("bus/pci/devices/" VF2 "/net/enp1s0f0v2");
	CHECK(pf_wait_for_vfs(&h, PF, 3, 100) == 0);
	CHECK(pf_wait_for_vfs(&h, PF, 3, 0) == 0);
	/* VF 2 without a netdev: the time runs out, bounded */
	rmdir_f("bus/pci/devices/" VF2 "/net/enp1s0f0v2");
	CHECK(pf_wait_for_vfs(&h, PF, 3, 120) == -1);
	/* ... and its netdev appearing during the wait ends it */
	CHECK(pthread_create(&t, NULL, netdev_appears, NULL) == 0);
	CHECK(pf_wait_for_vfs(&h, PF, 3, 30000) == 0);
	pthread_join(t, NULL);
	rmdir_f("bus/pci/devices/" VF2 "/net/enp1s0f0v2");
	rmdir_f("bus/pci/devices/" VF1 "/net/enp1s0f0v1");
}

/* switchdev: the PF's PCI device also carries its VFs' representors; they are never "the PF's netdev" */
static void test_representors(void)
{
	struct host h = {.sysfs_root = root};
	char name[SYSFS_IFNAME_MAX], pci[SYSFS_PCI_MAX], port[SYSFS_PORT_MAX];
	bool found = false;
	sr_error err = {0};
	/* representors named so that readdir may list them before the uplink */
	const char *reps[] = {"aa_rep0", "zz_rep1", "eth9"};
	const char *ports[] = {"pf0vf0", "c1pf0vf1", "pf0sf2"};
	for (int i = 0; i < 3; i++) {
		mkdirs("bus/pci/devices/" PF "/net/%s", reps[i]);
		writef(ports[i], "bus/pci/devices/" PF "/net/%s/phys_port_name", reps[i]);
		mkdirs("class/net/%s", reps[i]);
		symlinkf("../../../bus/pci/devices/" PF, "class/net/%s/device", reps[i]);
		writef(ports[i], "class/net/%s/phys_port_name", reps[i]);
	}
	writef("p0\n", "bus/pci/devices/" PF "/net/enp1s0f0/phys_port_name");
	CHECK(sysfs_pci_netdev(root, PF, name, &found, &err) == 0 && found);
	CHECK_STR_EQ(name, "enp1s0f0");
	CHECK(pf_resolve(&h, "aa_rep0", pci, &err) == -1 && err.code == EINVAL);
	CHECK_STR_EQ(err.msg, "pf_iface: aa_rep0 is a switchdev representor (phys_port_name pf0vf0) of " PF
			      ", not the PF: use enp1s0f0");
	CHECK(pf_resolve(&h, "zz_rep1", pci, &err) == -1 && strstr(err.msg, "phys_port_name c1pf0vf1"));
	CHECK(pf_resolve(&h, "enp1s0f0", pci, &err) == 0);
	CHECK(!sysfs_netdev_is_representor("/nonexistent", port) && port[0] == '\0');
	/* "p0", "pf0" and names that merely start like a representor's are not representors */
	writef("pf0vf0x", "bus/pci/devices/" PF "/net/eth9/phys_port_name");
	{
		char dir[600];
		snprintf(dir, sizeof(dir), "%s/bus/pci/devices/" PF "/net/eth9", root);
		CHECK(!sysfs_netdev_is_representor(dir, port));
		CHECK_STR_EQ(port, "pf0vf0x");
		snprintf(dir, sizeof(dir), "%s/bus/pci/devices/" PF "/net/enp1s0f0", root);
		CHECK(!sysfs_netdev_is_representor(dir, port));
	}
	/* a device with only a representor: no PF netdev */
	mkdirs("bus/pci/devices/0000:03:00.0/net/rep9");
	writef("pf1vf9", "bus/pci/devices/0000:03:00.0/net/rep9/phys_port_name");
	CHECK(sysfs_pci_netdev(root, "0000:03:00.0", name, &found, &err) == 0 && !found);
	for (int i = 0; i < 3; i++) {
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/bus/pci/devices/" PF "/net/%s' '%s/class/net/%s'", root, reps[i],
			 root, reps[i]);
		CHECK(system(cmd) == 0);
	}
	removef("bus/pci/devices/" PF "/net/enp1s0f0/phys_port_name");
}

static void test_long_root(void)
{
	char big[5000];
	char pci[SYSFS_PCI_MAX];
	int n;
	sr_error err = {0};
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	CHECK(sysfs_pf_numvfs(big, PF, &n, &err) == -1 && err.code == ENAMETOOLONG);
	CHECK(strstr(err.msg, "sysfs path too long") != NULL);
	CHECK(sysfs_netdev_pci(big, "eth0", pci, &err) == -1 && err.code == ENAMETOOLONG);
	CHECK(!sysfs_pci_exists(big, PF));
}

int main(void)
{
	if (fakesys_create("test_sysfs") < 0) {
		perror("mkdtemp");
		return 1;
	}
	build_tree();
	test_netdev_pci();
	test_pci_netdev();
	test_pci_netdev_ifindex();
	test_exists();
	test_numvfs();
	test_vf_pci();
	test_driver_and_group();
	test_rebind();
	test_pf_resolve();
	test_wait_for_vfs();
	test_representors();
	test_long_root();
	fakesys_remove();
	return check_summary("sysfs");
}
