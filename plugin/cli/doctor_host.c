/* doctor_host: the host-wide checks: IOMMU, VFIO, hugepages. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "doctor.h"
#include "doctor_fs.h"

/* True when the whitespace-separated kernel command line has a word starting with word. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = cmdline; (p = strstr(p, word)) != NULL; p += len)
		if (p == cmdline || p[-1] == ' ')
			return true;
	return false;
}

/* The firmware's ACPI table names the IOMMU the platform has (DMAR: Intel VT-d, IVRS: AMD-Vi);
 * without either (firmware has it off), the CPU vendor is the best guess. */
static const char *iommu_parameter(const struct doctor_env *env)
{
	char path[DOCTOR_PATH_LEN];
	snprintf(path, sizeof(path), "%s/firmware/acpi/tables/DMAR", env->sysfs);
	if (doctor_exists(path))
		return "intel_iommu=on";
	snprintf(path, sizeof(path), "%s/firmware/acpi/tables/IVRS", env->sysfs);
	if (doctor_exists(path))
		return "amd_iommu=on";
	snprintf(path, sizeof(path), "%s/cpuinfo", env->proc);
	return doctor_file_contains(path, "AuthenticAMD") ? "amd_iommu=on" : "intel_iommu=on";
}

enum doctor_result doctor_vfio_severity(const struct doctor_env *env)
{
	return env->vfio == DOCTOR_VFIO_NEEDED ? DOCTOR_FAIL : DOCTOR_WARN;
}

enum doctor_vfio doctor_vfio_detect(const struct doctor_env *env, char *why, size_t why_size)
{
	static const char *const kata[] = {"/usr/bin/containerd-shim-kata-v2", "/usr/local/bin/containerd-shim-kata-v2",
					   "/opt/kata/bin/containerd-shim-kata-v2", "/usr/bin/kata-runtime",
					   "/usr/local/bin/kata-runtime", "/opt/kata/bin/kata-runtime"};
	const char *root = env->root && strcmp(env->root, "/") != 0 ? env->root : "";
	char path[DOCTOR_PATH_LEN], first[256];
	struct dirent *de;
	DIR *dir;
	for (size_t i = 0; i < sizeof(kata) / sizeof(kata[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, kata[i]);
		if (doctor_exists(path)) {
			snprintf(why, why_size, "Kata is installed (%s)", kata[i]);
			return DOCTOR_VFIO_NEEDED;
		}
	}
	snprintf(path, sizeof(path), "%s/etc/docker/daemon.json", root);
	if (doctor_file_contains(path, "kata")) {
		snprintf(why, why_size, "/etc/docker/daemon.json names a Kata runtime");
		return DOCTOR_VFIO_NEEDED;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci", env->sysfs);
	dir = opendir(path);
	first[0] = '\0';
	while (dir && (de = readdir(dir)) != NULL) {
		if (strchr(de->d_name, ':')) { /* a bound device's PCI address */
			snprintf(first, sizeof(first), "%s", de->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	if (first[0]) {
		snprintf(why, why_size, "%s is bound to vfio-pci", first);
		return DOCTOR_VFIO_NEEDED;
	}
	snprintf(why, why_size, "no Kata runtime installed or named in /etc/docker/daemon.json, no device on vfio-pci");
	return DOCTOR_VFIO_NOT_NEEDED;
}

int doctor_check_iommu(const struct doctor_env *env, struct doctor_report *rep, sr_error *err)
{
	char path[DOCTOR_PATH_LEN], first[256], cmdline[4096] = "", fix[512];
	const char *param = iommu_parameter(env);
	int units;
	snprintf(path, sizeof(path), "%s/class/iommu", env->sysfs);
	units = doctor_dir_count(path, first, sizeof(first));
	snprintf(path, sizeof(path), "%s/cmdline", env->proc);
	doctor_read(path, cmdline, sizeof(cmdline));
	snprintf(fix, sizeof(fix),
		 "add %s to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and "
		 "reboot); enable VT-d / AMD-Vi in the firmware setup",
		 param);
	if (units > 0)
		return doctor_add(rep, DOCTOR_PASS, "IOMMU", NULL, err, "on (%s/class/iommu has %s%s)", env->sysfs,
				  first, units > 1 ? " and more" : "");
	if (cmdline_has(cmdline, "intel_iommu=on") || cmdline_has(cmdline, "amd_iommu=on") ||
	    cmdline_has(cmdline, "iommu=pt"))
		return doctor_add(rep, DOCTOR_WARN, "IOMMU",
				  "enable VT-d / AMD-Vi in the firmware setup (the kernel asked for it but found none)",
				  err, "requested on the kernel command line but no IOMMU is active (%s/class/iommu is empty)",
				  env->sysfs);
	return doctor_add(rep, doctor_vfio_severity(env), "IOMMU", fix, err,
			  "off: %s/class/iommu is empty and the kernel command line has no %s (VFs cannot be isolated "
			  "or given to VFIO)",
			  env->sysfs, param);
}

static void modules_dir(const struct doctor_env *env, char *out, size_t size)
{
	char path[DOCTOR_PATH_LEN], release[256] = "";
	if (env->modules_dir) {
		snprintf(out, size, "%s", env->modules_dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/sys/kernel/osrelease", env->proc);
	doctor_read(path, release, sizeof(release));
	snprintf(out, size, "/lib/modules/%s", release);
}

static bool vfio_pci_available(const struct doctor_env *env)
{
	char dir[DOCTOR_PATH_LEN], path[DOCTOR_PATH_LEN + 32];
	modules_dir(env, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	if (doctor_file_contains(path, "/vfio-pci.ko"))
		return true;
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	return doctor_file_contains(path, "/vfio-pci.ko");
}

int doctor_check_vfio(const struct doctor_env *env, struct doctor_report *rep, sr_error *err)
{
	char path[DOCTOR_PATH_LEN], mode[16] = "";
	int rc;
	snprintf(path, sizeof(path), "%s/module/vfio_pci", env->sysfs);
	if (doctor_exists(path))
		rc = doctor_add(rep, DOCTOR_PASS, "VFIO", NULL, err, "vfio-pci is loaded");
	else if (vfio_pci_available(env))
		rc = doctor_add(rep, DOCTOR_WARN, "VFIO",
				"modprobe vfio-pci (and add vfio-pci to /etc/modules-load.d/vfio.conf to keep it)", err,
				"vfio-pci is available but not loaded (needed to give VFs to VMs, Kata or DPDK)");
	else
		rc = doctor_add(rep, doctor_vfio_severity(env), "VFIO",
				"install a kernel built with CONFIG_VFIO_PCI (e.g. Debian's linux-image-amd64), then "
				"modprobe vfio-pci",
				err, "vfio-pci is neither loaded (%s) nor in the kernel's modules.dep / modules.builtin",
				path);
	if (rc < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/module/vfio/parameters/enable_unsafe_noiommu_mode", env->sysfs);
	if (!doctor_read(path, mode, sizeof(mode))) {
		snprintf(path, sizeof(path), "%s/module/vfio", env->sysfs);
		return doctor_add(rep, DOCTOR_PASS, "VFIO no-IOMMU mode", NULL, err, "%s: VFIO relies on the IOMMU",
				  doctor_exists(path) ? "not built into this kernel (no CONFIG_VFIO_NOIOMMU)"
						      : "not available (vfio not loaded)");
	}
	if (mode[0] == 'Y' || mode[0] == 'y' || mode[0] == '1')
		return doctor_add(rep, DOCTOR_WARN, "VFIO no-IOMMU mode", "echo N > " "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode (and turn the IOMMU on)",
				  err, "enabled: devices given to VFIO have no DMA isolation (unsafe, taints the kernel)");
	return doctor_add(rep, DOCTOR_PASS, "VFIO no-IOMMU mode", NULL, err, "off (%s = %s)", path, mode);
}

int doctor_check_hugepages(const struct doctor_env *env, struct doctor_report *rep, sr_error *err)
{
	char path[DOCTOR_PATH_LEN], line[256];
	long total = -1;
	FILE *f;
	snprintf(path, sizeof(path), "%s/meminfo", env->proc);
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "HugePages_Total: %ld", &total) == 1)
				break;
		fclose(f);
	}
	if (total > 0)
		return doctor_add(rep, DOCTOR_PASS, "hugepages", NULL, err, "%ld reserved", total);
	return doctor_add(rep, DOCTOR_WARN, "hugepages",
			  "echo 1024 > /proc/sys/vm/nr_hugepages (keep it: vm.nr_hugepages = 1024 in "
			  "/etc/sysctl.d/hugepages.conf)",
			  err, "%s (only DPDK users need them)",
			  total == 0 ? "none reserved (HugePages_Total: 0)" : "HugePages_Total not found in meminfo");
}
