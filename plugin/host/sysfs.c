#include "sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/small_file.h"
#include "../../netlink/nlk.h"
#include "net_config.h"

static int build_path(char *out, size_t size, sr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int build_path(char *out, size_t size, sr_error *err, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return sr_error_set(err, ENAMETOOLONG, "sysfs path too long");
	return 0;
}

static int read_int_file(const char *path, int *value, sr_error *err)
{
	char buf[32];
	char *end;
	long v;
	if (small_file_read(path, buf, sizeof(buf), err) < 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || v < 0 || v > INT_MAX)
		return sr_error_set(err, EINVAL, "%s: not a number: '%s'", path, buf);
	*value = (int)v;
	return 0;
}

static int check_pci(const char *pci, sr_error *err)
{
	if (!net_config_is_pci_address(pci))
		return sr_error_set(err, EINVAL, "'%s' is not a PCI address", pci);
	return 0;
}

int sysfs_netdev_pci(const char *root, const char *ifname, char pci[SYSFS_PCI_MAX], sr_error *err)
{
	char path[PATH_MAX];
	struct stat sb;
	if (!nlk_ifname_valid(ifname))
		return sr_error_set(err, EINVAL, "'%s' is not a valid interface name", ifname);
	if (build_path(path, sizeof(path), err, "%s/class/net/%s", root, ifname) < 0)
		return -1;
	if (lstat(path, &sb) < 0)
		return sr_error_set(err, ENODEV, "%s: no such network interface", ifname);
	if (build_path(path, sizeof(path), err, "%s/class/net/%s/device", root, ifname) < 0)
		return -1;
	if (small_file_link_base(path, pci, SYSFS_PCI_MAX, err) < 0)
		return sr_error_set(err, ENOTSUP, "not a PCI device (no device link)");
	if (!net_config_is_pci_address(pci))
		return sr_error_set(err, ENOTSUP, "not a PCI device (its device is %s)", pci);
	return 0;
}

bool sysfs_pci_exists(const char *root, const char *pci)
{
	char path[PATH_MAX];
	struct stat sb;
	if (!net_config_is_pci_address(pci))
		return false;
	if (snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, pci) >= (int)sizeof(path))
		return false;
	return stat(path, &sb) == 0;
}

bool sysfs_pci_is_vf(const char *root, const char *pci)
{
	char path[PATH_MAX];
	struct stat sb;
	if (!net_config_is_pci_address(pci))
		return false;
	if (snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/physfn", root, pci) >= (int)sizeof(path))
		return false;
	return lstat(path, &sb) == 0;
}

/* Switchdev representors name their port "pf0vf3", "pf0sf1" or "c1pf0vf3" (controller, PF, VF or
 * SF); the uplink is "p0" and a legacy PF has none. */
static bool port_name_is_representor(const char *port)
{
	unsigned a, b, c;
	int n = 0;
	if ((sscanf(port, "pf%uvf%u%n", &a, &b, &n) == 2 || sscanf(port, "pf%usf%u%n", &a, &b, &n) == 2) &&
	    port[n] == '\0')
		return true;
	n = 0;
	return (sscanf(port, "c%upf%uvf%u%n", &a, &b, &c, &n) == 3 || sscanf(port, "c%upf%usf%u%n", &a, &b, &c, &n) == 3) &&
	       port[n] == '\0';
}

bool sysfs_netdev_is_representor(const char *dir, char port[SYSFS_PORT_MAX])
{
	char path[PATH_MAX];
	sr_error ignored = {0};
	port[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/phys_port_name", dir) >= (int)sizeof(path))
		return false;
	/* EOPNOTSUPP on read: the driver has no port name (legacy, igb) */
	if (small_file_read(path, port, SYSFS_PORT_MAX, &ignored) < 0) {
		port[0] = '\0';
		return false;
	}
	return port_name_is_representor(port);
}

int sysfs_pci_netdev(const char *root, const char *pci, char ifname[SYSFS_IFNAME_MAX], bool *found, sr_error *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	*found = false;
	ifname[0] = '\0';
	if (check_pci(pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/net", root, pci) < 0)
		return -1;
	dir = opendir(path);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return sr_error_set_errno(err, errno, "open %s", path);
	}
	while ((de = readdir(dir)) != NULL) {
		char dev[PATH_MAX], port[SYSFS_PORT_MAX];
		if (de->d_name[0] == '.')
			continue;
		if (!nlk_ifname_valid(de->d_name))
			continue;
		/* A PF in switchdev mode carries its VFs' representors too: never one of those. */
		if (snprintf(dev, sizeof(dev), "%s/%s", path, de->d_name) < (int)sizeof(dev) &&
		    sysfs_netdev_is_representor(dev, port))
			continue;
		memcpy(ifname, de->d_name, strlen(de->d_name) + 1);
		*found = true;
		break;
	}
	closedir(dir);
	return 0;
}

int sysfs_pci_netdev_ifindex(const char *root, const char *pci, const char *ifname, int *ifindex, sr_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	*ifindex = 0;
	if (check_pci(pci, err) < 0)
		return -1;
	if (!nlk_ifname_valid(ifname))
		return sr_error_set(err, EINVAL, "'%s' is not a netdev name", ifname);
	if (build_path(dir, sizeof(dir), err, "%s/bus/pci/devices/%s/net/%s", root, pci, ifname) < 0 ||
	    build_path(path, sizeof(path), err, "%s/ifindex", dir) < 0)
		return -1;
	if (read_int_file(path, ifindex, err) == 0)
		return 0;
	if (access(dir, F_OK) == 0 && access(path, F_OK) < 0 && errno == ENOENT) {
		sr_error_clear(err);
		return 0;
	}
	return sr_error_set(err, ENOENT, "PCI device %s has no netdev %s (renamed or moved)", pci, ifname);
}

int sysfs_pf_totalvfs(const char *root, const char *pf_pci, int *total, sr_error *err)
{
	char path[PATH_MAX];
	if (check_pci(pf_pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/sriov_totalvfs", root, pf_pci) < 0)
		return -1;
	if (access(path, F_OK) < 0)
		return sr_error_set(err, EOPNOTSUPP, "does not support SR-IOV: no sriov_totalvfs");
	return read_int_file(path, total, err);
}

int sysfs_pf_numvfs(const char *root, const char *pf_pci, int *num, sr_error *err)
{
	char path[PATH_MAX];
	if (check_pci(pf_pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/sriov_numvfs", root, pf_pci) < 0)
		return -1;
	return read_int_file(path, num, err);
}

int sysfs_pf_set_numvfs(const char *root, const char *pf_pci, int num, sr_error *err)
{
	char path[PATH_MAX];
	char text[16];
	if (check_pci(pf_pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/sriov_numvfs", root, pf_pci) < 0)
		return -1;
	snprintf(text, sizeof(text), "%d", num);
	return small_file_write(path, text, err);
}

int sysfs_vf_pci(const char *root, const char *pf_pci, int vf, char vf_pci[SYSFS_PCI_MAX], sr_error *err)
{
	char path[PATH_MAX];
	struct stat sb;
	if (check_pci(pf_pci, err) < 0)
		return -1;
	if (vf < 0)
		return sr_error_set(err, EINVAL, "VF index %d is negative", vf);
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/virtfn%d", root, pf_pci, vf) < 0)
		return -1;
	if (lstat(path, &sb) < 0)
		return sr_error_set(err, ENOENT, "PF %s has no VF %d", pf_pci, vf);
	if (small_file_link_base(path, vf_pci, SYSFS_PCI_MAX, err) < 0)
		return -1;
	return check_pci(vf_pci, err);
}

int sysfs_pci_driver(const char *root, const char *pci, char driver[SYSFS_DRIVER_MAX], sr_error *err)
{
	char path[PATH_MAX];
	struct stat sb;
	driver[0] = '\0';
	if (check_pci(pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/driver", root, pci) < 0)
		return -1;
	if (lstat(path, &sb) < 0)
		return 0;
	return small_file_link_base(path, driver, SYSFS_DRIVER_MAX, err);
}

/* The kernel's boot ID: an inode number means something only within one boot. */
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

int sysfs_pci_instance(const char *root, const char *pci, char out[SYSFS_INSTANCE_MAX], sr_error *err)
{
	char path[PATH_MAX], boot[40];
	struct stat sb;
	out[0] = '\0';
	if (check_pci(pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s", root, pci) < 0)
		return -1;
	if (stat(path, &sb) < 0)
		return sr_error_set_errno(err, errno, "PCI device %s", pci);
	if (small_file_read(BOOT_ID_PATH, boot, sizeof(boot), err) < 0)
		return -1;
	snprintf(out, SYSFS_INSTANCE_MAX, "%s/%llu", boot, (unsigned long long)sb.st_ino);
	return 0;
}

enum sysfs_instance_match sysfs_instance_compare(const char *recorded, const char *now)
{
	const char *a = strchr(recorded, '/'), *b = strchr(now, '/');
	if (!a || !b || a - recorded != b - now || strncmp(recorded, now, (size_t)(a - recorded)) != 0)
		return SYSFS_INSTANCE_UNKNOWN;
	return strcmp(a, b) == 0 ? SYSFS_INSTANCE_SAME : SYSFS_INSTANCE_OTHER;
}

int sysfs_pci_iommu_group(const char *root, const char *pci, int *group, sr_error *err)
{
	char path[PATH_MAX];
	char name[32];
	char *end;
	struct stat sb;
	long g;
	*group = -1;
	if (check_pci(pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/iommu_group", root, pci) < 0)
		return -1;
	if (lstat(path, &sb) < 0)
		return 0;
	if (small_file_link_base(path, name, sizeof(name), err) < 0)
		return -1;
	g = strtol(name, &end, 10);
	if (end == name || *end || g < 0 || g > INT_MAX)
		return sr_error_set(err, EINVAL, "%s: bad IOMMU group '%s'", pci, name);
	*group = (int)g;
	return 0;
}

int sysfs_pci_driver_override(const char *root, const char *pci, char out[SYSFS_DRIVER_MAX], sr_error *err)
{
	char path[PATH_MAX];
	out[0] = '\0';
	if (check_pci(pci, err) < 0)
		return -1;
	if (build_path(path, sizeof(path), err, "%s/bus/pci/devices/%s/driver_override", root, pci) < 0)
		return -1;
	if (access(path, F_OK) < 0)
		return 0; /* a kernel without it (before 3.16) */
	if (small_file_read(path, out, SYSFS_DRIVER_MAX, err) < 0)
		return -1;
	if (!strcmp(out, "(null)"))
		out[0] = '\0';
	return 0;
}

int sysfs_pci_rebind_host_driver(const char *root, const char *pci, const char *from, const char *host_driver,
				 sr_error *err)
{
	char path[PATH_MAX], override[PATH_MAX];
	char driver[SYSFS_DRIVER_MAX];
	bool has_override;
	int rc = 0;
	if (sysfs_pci_driver(root, pci, driver, err) < 0)
		return -1;
	if (strcmp(driver, from) != 0)
		return sr_error_set(err, EBUSY, "%s is on %s now, not %s: someone else moved it, not ours to move", pci,
				    driver[0] ? driver : "no driver", from[0] ? from : "no driver");
	if (driver[0] && (!strcmp(driver, ".") || !strcmp(driver, "..")))
		return sr_error_set(err, EINVAL, "%s: driver name '%s'", pci, driver);
	if (build_path(override, sizeof(override), err, "%s/bus/pci/devices/%s/driver_override", root, pci) < 0)
		return -1;
	has_override = access(override, F_OK) == 0;
	if (host_driver[0] && !has_override)
		return sr_error_set(err, ENOTSUP, "cannot name %s's driver for %s: no driver_override (kernel before 3.16?)",
				    host_driver, pci);
	/* the override first (cleared, or naming the host driver), so that drivers_probe picks the
	 * device's own driver, not vfio-pci again */
	if (has_override && small_file_write(override, host_driver[0] ? host_driver : "\n", err) < 0)
		return sr_error_wrap(err, "set driver_override of %s", pci);
	if (driver[0] && (build_path(path, sizeof(path), err, "%s/bus/pci/drivers/%s/unbind", root, driver) < 0 ||
			  small_file_write(path, pci, err) < 0)) {
		sr_error_wrap(err, "unbind %s from %s", pci, driver);
		rc = -1;
	}
	if (rc == 0 && (build_path(path, sizeof(path), err, "%s/bus/pci/drivers_probe", root) < 0 ||
			small_file_write(path, pci, err) < 0)) {
		sr_error_wrap(err, "probe %s for %s", host_driver[0] ? host_driver : "a driver", pci);
		rc = -1;
	}
	/* never left set: it would keep vfio-pci (Kata) from taking the device later */
	if (host_driver[0]) {
		sr_error clear_err = {0};
		if (small_file_write(override, "\n", &clear_err) < 0 && rc == 0) {
			*err = clear_err;
			rc = sr_error_wrap(err, "clear driver_override of %s", pci);
		}
	}
	return rc;
}
