/* doctor: every check against small fake sysfs/proc trees built in a temp dir. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../netlink/nlk.h"
#include "../../plugin/cli/doctor.h"
#include "check.h"

static char root[256];
static char sysfs[300], proc[300], mods[300];

static void pathf(char *out, size_t size, const char *fmt, va_list ap)
{
	char rel[700];
	vsnprintf(rel, sizeof(rel), fmt, ap);
	snprintf(out, size, "%s/%s", root, rel);
}

/* mkdir -p of root/<path>. */
static void mkdirs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mkdirs(const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	va_start(ap, fmt);
	pathf(path, sizeof(path), fmt, ap);
	va_end(ap);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put_file(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_file(const char *text, const char *fmt, ...)
{
	char path[1024];
	FILE *f;
	va_list ap;
	va_start(ap, fmt);
	pathf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void put_link(const char *target, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_link(const char *target, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	va_start(ap, fmt);
	pathf(path, sizeof(path), fmt, ap);
	va_end(ap);
	unlink(path);
	if (symlink(target, path) < 0) {
		perror(path);
		exit(2);
	}
}

static void clean(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

static void fresh_tree(void)
{
	clean();
	mkdir(root, 0700);
	mkdirs("sys/class/iommu");
	mkdirs("sys/class/net");
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/module");
	mkdirs("sys/kernel/iommu_groups");
	mkdirs("proc/sys/kernel");
	mkdirs("modules");
	put_file("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n", "proc/cmdline");
	put_file("vendor_id\t: GenuineIntel\n", "proc/cpuinfo");
	put_file("MemTotal: 1000 kB\nHugePages_Total:       0\nHugePages_Free: 0\n", "proc/meminfo");
	put_file("6.12.0-test\n", "proc/sys/kernel/osrelease");
}

/* A PF enp1s0f0 at 0000:01:00.0 (totalvfs 7) with nvf VFs 0000:01:10.<i>, each on igbvf,
 * each in its own IOMMU group 10+i. */
static void add_pf(int nvf)
{
	const char *pf = "0000:01:00.0";
	mkdirs("sys/bus/pci/devices/%s/net/enp1s0f0", pf);
	mkdirs("sys/class/net/enp1s0f0");
	put_link("../../../bus/pci/devices/0000:01:00.0", "sys/class/net/enp1s0f0/device");
	put_file("0x1003\n", "sys/class/net/enp1s0f0/flags");
	put_file("up\n", "sys/class/net/enp1s0f0/operstate");
	put_file("7\n", "sys/bus/pci/devices/%s/sriov_totalvfs", pf);
	char n[8];
	snprintf(n, sizeof(n), "%d\n", nvf);
	put_file(n, "sys/bus/pci/devices/%s/sriov_numvfs", pf);
	mkdirs("sys/bus/pci/drivers/igbvf");
	for (int i = 0; i < nvf; i++) {
		char vf[32], target[128];
		snprintf(vf, sizeof(vf), "0000:01:10.%d", i);
		mkdirs("sys/bus/pci/devices/%s", vf);
		snprintf(target, sizeof(target), "../%s", vf);
		put_link(target, "sys/bus/pci/devices/%s/virtfn%d", pf, i);
		put_link("../../bus/pci/drivers/igbvf", "sys/bus/pci/devices/%s/driver", vf);
		mkdirs("sys/kernel/iommu_groups/%d/devices", 10 + i);
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", 10 + i);
		put_link(target, "sys/bus/pci/devices/%s/iommu_group", vf);
		snprintf(target, sizeof(target), "../../../../bus/pci/devices/%s", vf);
		put_link(target, "sys/kernel/iommu_groups/%d/devices/%s", 10 + i, vf);
	}
}

struct fake_macs {
	int calls;
	bool zero;
	bool fail;
};

static int fake_vf_mac(void *ctx, const char *pf_ifname, int vf, uint8_t mac[6], sr_error *err)
{
	struct fake_macs *f = ctx;
	f->calls++;
	if (f->fail || strcmp(pf_ifname, "enp1s0f0") != 0)
		return sr_error_set(err, EOPNOTSUPP, "read VF %d on %s: Operation not supported", vf, pf_ifname);
	memset(mac, 0, 6);
	if (!f->zero) {
		mac[0] = 0x02;
		mac[5] = (uint8_t)vf;
	}
	return 0;
}

static int eswitch_legacy(const char *pci, int *mode, sr_error *err)
{
	(void)pci;
	(void)err;
	*mode = NLK_ESWITCH_LEGACY;
	return 0;
}

static int eswitch_switchdev(const char *pci, int *mode, sr_error *err)
{
	(void)pci;
	(void)err;
	*mode = NLK_ESWITCH_SWITCHDEV;
	return 0;
}

static int eswitch_none(const char *pci, int *mode, sr_error *err)
{
	(void)mode;
	return sr_error_set(err, ENODEV, "devlink eswitch of pci/%s: No such device", pci);
}

/* devlink's answer, per mode: switchdev fails and says which legacy settings do not apply. */
static void test_eswitch(void)
{
	struct doctor_report rep = {0};
	struct doctor_env env = {.sysfs = sysfs, .proc = proc, .modules_dir = mods, .vfio = DOCTOR_VFIO_NEEDED};
	const struct doctor_check *c;
	sr_error err = {0};
	fresh_tree();
	add_pf(2);
	CHECK(doctor_check_nic(&env, "enp1s0f0", "0000:01:00.0", &rep, &err) == 0);
	CHECK(doctor_report_find(&rep, "enp1s0f0 eswitch") == NULL); /* no devlink callback: not checked */
	doctor_report_free(&rep);
	env.eswitch = eswitch_legacy;
	CHECK(doctor_check_nic(&env, "enp1s0f0", "0000:01:00.0", &rep, &err) == 0);
	c = doctor_report_find(&rep, "enp1s0f0 eswitch");
	CHECK(c && c->result == DOCTOR_PASS && strstr(c->finding, "legacy"));
	doctor_report_free(&rep);
	env.eswitch = eswitch_none;
	CHECK(doctor_check_nic(&env, "enp1s0f0", "0000:01:00.0", &rep, &err) == 0);
	c = doctor_report_find(&rep, "enp1s0f0 eswitch");
	CHECK(c && c->result == DOCTOR_PASS && strstr(c->finding, "no devlink eswitch"));
	doctor_report_free(&rep);
	env.eswitch = eswitch_switchdev;
	CHECK(doctor_check_nic(&env, "enp1s0f0", "0000:01:00.0", &rep, &err) == 0);
	c = doctor_report_find(&rep, "enp1s0f0 eswitch");
	CHECK(c && c->result == DOCTOR_FAIL && strstr(c->finding, "switchdev: VLAN/QoS, spoof check, trust"));
	CHECK(c && strstr(c->fix, "devlink dev eswitch set pci/0000:01:00.0 mode legacy"));
	doctor_report_free(&rep);
	/* the real devlink query: a PCI address nobody has is an error, never a mode */
	{
		int mode = -1;
		sr_error e = {0};
		CHECK(nlk_devlink_eswitch_mode("0000:ff:1f.7", &mode, &e) == -1 && mode == -1);
		CHECK((e.code == ENODEV || e.code == ENOENT) && strstr(e.msg, "pci/0000:ff:1f.7"));
	}
}

static struct doctor_env env_for(struct fake_macs *macs)
{
	struct doctor_env env = {.sysfs = sysfs, .proc = proc, .modules_dir = mods, .pf = NULL,
				 .vf_mac = fake_vf_mac, .vf_mac_ctx = macs, .vfio = DOCTOR_VFIO_NEEDED, .root = root};
	return env;
}

static const struct doctor_check *run_one(int (*fn)(const struct doctor_env *, struct doctor_report *, sr_error *),
					  struct doctor_report *rep, const char *name)
{
	struct fake_macs macs = {0};
	struct doctor_env env = env_for(&macs);
	sr_error err = {0};
	doctor_report_free(rep);
	CHECK(fn(&env, rep, &err) == 0);
	return doctor_report_find(rep, name);
}

static void test_iommu(void)
{
	struct doctor_report rep = {0};
	const struct doctor_check *c;

	fresh_tree();
	c = run_one(doctor_check_iommu, &rep, "IOMMU");
	CHECK(c && c->result == DOCTOR_FAIL);
	CHECK(c && strstr(c->fix, "add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in "
				 "/etc/default/grub, then update-grub and reboot)"));

	put_file("vendor_id\t: AuthenticAMD\n", "proc/cpuinfo");
	c = run_one(doctor_check_iommu, &rep, "IOMMU");
	CHECK(c && c->result == DOCTOR_FAIL && strstr(c->fix, "add amd_iommu=on"));

	/* The ACPI table wins over the CPU vendor (an emulated VT-d on any CPU). */
	mkdirs("sys/firmware/acpi/tables");
	put_file("", "sys/firmware/acpi/tables/DMAR");
	c = run_one(doctor_check_iommu, &rep, "IOMMU");
	CHECK(c && c->result == DOCTOR_FAIL && strstr(c->fix, "add intel_iommu=on"));

	put_file("BOOT_IMAGE=/vmlinuz ro iommu=pt\n", "proc/cmdline");
	c = run_one(doctor_check_iommu, &rep, "IOMMU");
	CHECK(c && c->result == DOCTOR_WARN);

	/* "xintel_iommu=on" is not the parameter */
	put_file("BOOT_IMAGE=/vmlinuz xintel_iommu=on\n", "proc/cmdline");
	c = run_one(doctor_check_iommu, &rep, "IOMMU");
	CHECK(c && c->result == DOCTOR_FAIL);

	mkdirs("sys/class/iommu/dmar0");
	c = run_one(doctor_check_iommu, &rep, "IOMMU");
	CHECK(c && c->result == DOCTOR_PASS && strstr(c->finding, "dmar0") && c->fix[0] == '\0');
	doctor_report_free(&rep);
}

static void test_vfio(void)
{
	struct doctor_report rep = {0};
	const struct doctor_check *c;

	fresh_tree();
	c = run_one(doctor_check_vfio, &rep, "VFIO");
	CHECK(c && c->result == DOCTOR_FAIL);
	c = doctor_report_find(&rep, "VFIO no-IOMMU");
	CHECK(c && c->result == DOCTOR_PASS && strstr(c->finding, "vfio not loaded"));
	mkdirs("sys/module/vfio");
	c = run_one(doctor_check_vfio, &rep, "VFIO no-IOMMU");
	CHECK(c && c->result == DOCTOR_PASS && strstr(c->finding, "CONFIG_VFIO_NOIOMMU"));

	put_file("kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/vfio.ko.xz\n", "modules/modules.dep");
	c = run_one(doctor_check_vfio, &rep, "VFIO");
	CHECK(c && c->result == DOCTOR_WARN && strstr(c->fix, "modprobe vfio-pci"));

	mkdirs("sys/module/vfio_pci");
	mkdirs("sys/module/vfio/parameters");
	put_file("N\n", "sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	c = run_one(doctor_check_vfio, &rep, "VFIO");
	CHECK(c && c->result == DOCTOR_PASS);
	c = doctor_report_find(&rep, "VFIO no-IOMMU");
	CHECK(c && c->result == DOCTOR_PASS && strstr(c->finding, "off"));

	put_file("Y\n", "sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	run_one(doctor_check_vfio, &rep, "VFIO");
	c = doctor_report_find(&rep, "VFIO no-IOMMU");
	CHECK(c && c->result == DOCTOR_WARN && strstr(c->fix, "enable_unsafe_noiommu_mode"));

	doctor_report_free(&rep);
}

static void test_hugepages(void)
{
	struct doctor_report rep = {0};
	const struct doctor_check *c;
	fresh_tree();
	c = run_one(doctor_check_hugepages, &rep, "hugepages");
	CHECK(c && c->result == DOCTOR_WARN && strstr(c->fix, "nr_hugepages"));
	put_file("MemTotal: 1000 kB\nHugePages_Total:     512\n", "proc/meminfo");
	c = run_one(doctor_check_hugepages, &rep, "hugepages");
	CHECK(c && c->result == DOCTOR_PASS && strstr(c->finding, "512"));
	doctor_report_free(&rep);
}

static void nic(struct doctor_report *rep, struct fake_macs *macs)
{
	struct doctor_env env = env_for(macs);
	sr_error err = {0};
	doctor_report_free(rep);
	CHECK(doctor_check_nic(&env, "enp1s0f0", "0000:01:00.0", rep, &err) == 0);
}

static enum doctor_result result_of(const struct doctor_report *rep, const char *name)
{
	const struct doctor_check *c = doctor_report_find(rep, name);
	return c ? c->result : (enum doctor_result)-1;
}

static void test_nic(void)
{
	struct doctor_report rep = {0};
	struct fake_macs macs = {0};
	const struct doctor_check *c;

	fresh_tree();
	add_pf(3);
	nic(&rep, &macs);
	CHECK(rep.count == 5);
	CHECK(result_of(&rep, "enp1s0f0 SR-IOV") == DOCTOR_PASS);
	CHECK(result_of(&rep, "enp1s0f0 link") == DOCTOR_PASS);
	CHECK(result_of(&rep, "enp1s0f0 VF drivers") == DOCTOR_PASS);
	CHECK(result_of(&rep, "enp1s0f0 IOMMU groups") == DOCTOR_PASS);
	CHECK(result_of(&rep, "enp1s0f0 VF MACs") == DOCTOR_PASS);
	CHECK(macs.calls == 3);
	CHECK(!doctor_report_failed(&rep));

	/* all admin MACs zero: a warning, not a failure */
	macs = (struct fake_macs){.zero = true};
	nic(&rep, &macs);
	CHECK(result_of(&rep, "enp1s0f0 VF MACs") == DOCTOR_WARN);
	c = doctor_report_find(&rep, "enp1s0f0 VF MACs");
	CHECK(c && strstr(c->finding, "00:00:00:00:00:00"));
	macs = (struct fake_macs){.fail = true};
	nic(&rep, &macs);
	CHECK(result_of(&rep, "enp1s0f0 VF MACs") == DOCTOR_WARN);
	macs = (struct fake_macs){0};

	/* PF down */
	put_file("0x1002\n", "sys/class/net/enp1s0f0/flags");
	put_file("down\n", "sys/class/net/enp1s0f0/operstate");
	nic(&rep, &macs);
	c = doctor_report_find(&rep, "enp1s0f0 link");
	CHECK(c && c->result == DOCTOR_FAIL);
	CHECK_STR_EQ(c ? c->fix : NULL, "ip link set enp1s0f0 up");
	/* up, no carrier */
	put_file("0x1003\n", "sys/class/net/enp1s0f0/flags");
	nic(&rep, &macs);
	CHECK(result_of(&rep, "enp1s0f0 link") == DOCTOR_WARN);
	put_file("up\n", "sys/class/net/enp1s0f0/operstate");

	/* VF 1 unbound */
	char path[1024];
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:01:10.1/driver", root);
	unlink(path);
	nic(&rep, &macs);
	c = doctor_report_find(&rep, "enp1s0f0 VF drivers");
	CHECK(c && c->result == DOCTOR_FAIL && strstr(c->finding, "1 of 3") && strstr(c->finding, "0000:01:10.1"));
	CHECK(c && strstr(c->fix, "drivers_probe"));
	put_link("../../bus/pci/drivers/igbvf", "sys/bus/pci/devices/0000:01:10.1/driver");

	/* VF 2 shares its group with another device (no ACS) */
	put_link("../../../../bus/pci/devices/0000:01:10.1", "sys/kernel/iommu_groups/12/devices/0000:01:10.1");
	nic(&rep, &macs);
	c = doctor_report_find(&rep, "enp1s0f0 IOMMU groups");
	CHECK(c && c->result == DOCTOR_FAIL && strstr(c->finding, "VF 2") && strstr(c->fix, "ACS"));
	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups/12/devices/0000:01:10.1", root);
	unlink(path);
	nic(&rep, &macs);
	CHECK(result_of(&rep, "enp1s0f0 IOMMU groups") == DOCTOR_PASS);

	/* no IOMMU group at all */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:01:10.0/iommu_group", root);
	unlink(path);
	nic(&rep, &macs);
	c = doctor_report_find(&rep, "enp1s0f0 IOMMU groups");
	CHECK(c && c->result == DOCTOR_FAIL && strstr(c->finding, "1 of 3 VFs have no IOMMU group"));

	/* no VFs enabled: a warning whose fix is the exact sysfs write */
	fresh_tree();
	add_pf(0);
	nic(&rep, &macs);
	c = doctor_report_find(&rep, "enp1s0f0 SR-IOV");
	CHECK(c && c->result == DOCTOR_WARN);
	snprintf(path, sizeof(path), "echo 7 > %s/class/net/enp1s0f0/device/sriov_numvfs", sysfs);
	CHECK(c && strstr(c->fix, path));
	CHECK(!doctor_report_failed(&rep));

	/* totalvfs 0 */
	put_file("0\n", "sys/bus/pci/devices/0000:01:00.0/sriov_totalvfs");
	nic(&rep, &macs);
	CHECK(rep.count == 1 && result_of(&rep, "enp1s0f0 SR-IOV") == DOCTOR_FAIL);
	doctor_report_free(&rep);
}

static void test_run(void)
{
	struct doctor_report rep = {0};
	struct fake_macs macs = {0};
	struct doctor_env env = env_for(&macs);
	sr_error err = {0};

	/* no SR-IOV NIC at all */
	fresh_tree();
	mkdirs("sys/class/net/lo");
	CHECK(doctor_run(&env, &rep, &err) == 0);
	CHECK(result_of(&rep, "SR-IOV NICs") == DOCTOR_FAIL);
	CHECK(doctor_report_failed(&rep));

	/* a ready host: IOMMU on, vfio-pci loaded, a PF with VFs */
	mkdirs("sys/class/iommu/dmar0");
	mkdirs("sys/module/vfio_pci");
	add_pf(2);
	doctor_report_free(&rep);
	CHECK(doctor_run(&env, &rep, &err) == 0);
	CHECK(!doctor_report_failed(&rep));
	CHECK(result_of(&rep, "enp1s0f0 VF drivers") == DOCTOR_PASS);
	CHECK(result_of(&rep, "hugepages") == DOCTOR_WARN);

	/* the same, naming the PF by name and by PCI address */
	env.pf = "enp1s0f0";
	doctor_report_free(&rep);
	CHECK(doctor_run(&env, &rep, &err) == 0 && result_of(&rep, "enp1s0f0 link") == DOCTOR_PASS);
	env.pf = "0000:01:00.0";
	doctor_report_free(&rep);
	CHECK(doctor_run(&env, &rep, &err) == 0 && result_of(&rep, "enp1s0f0 link") == DOCTOR_PASS);
	env.pf = "eth9";
	doctor_report_free(&rep);
	CHECK(doctor_run(&env, &rep, &err) == -1 && err.code == ENODEV && strstr(err.msg, "eth9"));
	env.pf = "../etc";
	CHECK(doctor_run(&env, &rep, &err) == -1 && err.code == EINVAL);
	env.pf = NULL;

	/* IOMMU off: the run fails, and the printed report names the fix */
	clean();
	fresh_tree();
	mkdirs("sys/module/vfio_pci");
	add_pf(2);
	doctor_report_free(&rep);
	CHECK(doctor_run(&env, &rep, &err) == 0);
	CHECK(doctor_report_failed(&rep));
	CHECK(result_of(&rep, "IOMMU") == DOCTOR_FAIL);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	doctor_report_print(out, &rep);
	fclose(out);
	CHECK(text && strstr(text, "[FAIL] IOMMU: off"));
	CHECK(text && strstr(text, "       fix: add intel_iommu=on to the kernel command line"));
	CHECK(text && strstr(text, "[pass] enp1s0f0 VF drivers: all 2 VFs bound (igbvf)"));
	CHECK(text && strstr(text, "failed\n"));
	free(text);
	doctor_report_free(&rep);

	/* The same host, runc only (nothing says VFIO is used): IOMMU off is a warning, the run passes */
	env.vfio = DOCTOR_VFIO_AUTO;
	CHECK(doctor_run(&env, &rep, &err) == 0);
	CHECK(!doctor_report_failed(&rep));
	CHECK(result_of(&rep, "IOMMU") == DOCTOR_WARN);
	const struct doctor_check *c = doctor_report_find(&rep, "Kata/VFIO");
	CHECK(c && strstr(c->finding, "not in use") && strstr(c->finding, "are warnings"));
	doctor_report_free(&rep);
	/* ... no VFIO module either: still a warning */
	clean();
	fresh_tree();
	add_pf(2);
	CHECK(doctor_run(&env, &rep, &err) == 0 && !doctor_report_failed(&rep));
	CHECK(result_of(&rep, "VFIO") == DOCTOR_WARN);
	doctor_report_free(&rep);
	/* a device on vfio-pci means VFIO is used: IOMMU off fails again */
	mkdirs("sys/bus/pci/drivers/vfio-pci");
	put_link("../../../../bus/pci/devices/0000:01:10.1", "sys/bus/pci/drivers/vfio-pci/0000:01:10.1");
	CHECK(doctor_run(&env, &rep, &err) == 0 && doctor_report_failed(&rep));
	CHECK(result_of(&rep, "IOMMU") == DOCTOR_FAIL);
	c = doctor_report_find(&rep, "Kata/VFIO");
	CHECK(c && strstr(c->finding, "0000:01:10.1 is bound to vfio-pci"));
	doctor_report_free(&rep);
	/* Kata installed: the same */
	clean();
	fresh_tree();
	add_pf(2);
	mkdirs("opt/kata/bin");
	put_file("", "opt/kata/bin/containerd-shim-kata-v2");
	CHECK(doctor_run(&env, &rep, &err) == 0 && doctor_report_failed(&rep));
	c = doctor_report_find(&rep, "Kata/VFIO");
	CHECK(c && strstr(c->finding, "Kata is installed (/opt/kata/bin/containerd-shim-kata-v2)"));
	doctor_report_free(&rep);
	/* --runc-only overrides */
	env.vfio = DOCTOR_VFIO_NOT_NEEDED;
	CHECK(doctor_run(&env, &rep, &err) == 0 && !doctor_report_failed(&rep));
	doctor_report_free(&rep);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test_doctor.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(sysfs, sizeof(sysfs), "%s/sys", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(mods, sizeof(mods), "%s/modules", root);
	test_iommu();
	test_vfio();
	test_hugepages();
	test_nic();
	test_run();
	test_eswitch();
	clean();
	return check_summary("doctor");
}
