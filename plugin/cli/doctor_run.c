/* doctor_run: which NICs to check, and the order of the checklist. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "doctor_fs.h"
#include "../../netlink/nlk.h"
#include "../host/net_config.h"
#include "../host/sysfs.h"

/* The named PF (netdev or PCI address) -> both names, read as the daemon reads them (sysfs.h:
 * a switchdev PF's representors are never its netdev). */
static int resolve_pf(const struct doctor_env *env, char ifname[SYSFS_IFNAME_MAX], char pci[SYSFS_PCI_MAX],
		      sr_error *err)
{
	sr_error why = {0};
	bool found = false;
	if (net_config_is_pci_address(env->pf)) {
		snprintf(pci, SYSFS_PCI_MAX, "%s", env->pf);
		if (sysfs_pci_netdev(env->sysfs, pci, ifname, &found, &why) < 0 || !found)
			return sr_error_set(err, ENODEV, "%s: no such PCI network device", env->pf);
		return 0;
	}
	if (!nlk_ifname_valid(env->pf))
		return sr_error_set(err, EINVAL, "'%s' is not an interface name or PCI address", env->pf);
	snprintf(ifname, SYSFS_IFNAME_MAX, "%s", env->pf);
	if (sysfs_netdev_pci(env->sysfs, env->pf, pci, &why) < 0)
		return sr_error_set(err, ENODEV, "%s: no such PCI network device", env->pf);
	return 0;
}

static int check_all_nics(const struct doctor_env *env, struct doctor_report *rep, sr_error *err)
{
	char path[DOCTOR_PATH_LEN], pci[64];
	struct dirent **names = NULL;
	int count, found = 0, rc = 0;
	snprintf(path, sizeof(path), "%s/class/net", env->sysfs);
	count = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < count; i++) {
		const char *ifname = names[i]->d_name;
		if (rc == 0 && ifname[0] != '.') {
			snprintf(path, sizeof(path), "%s/class/net/%s/device", env->sysfs, ifname);
			if (doctor_link_base(path, pci, sizeof(pci)) && net_config_is_pci_address(pci)) {
				snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/sriov_totalvfs", env->sysfs, pci);
				if (doctor_exists(path)) {
					found++;
					rc = doctor_check_nic(env, ifname, pci, rep, err);
				}
			}
		}
		free(names[i]);
	}
	free(names);
	if (rc == 0 && !found)
		rc = doctor_add(rep, DOCTOR_FAIL, "SR-IOV NICs",
				"use a NIC with SR-IOV (lspci -vvv shows 'Single Root I/O Virtualization'), enable "
				"SR-IOV in the firmware setup, and load its PF driver",
				err, "no network device here has sriov_totalvfs");
	return rc;
}

/* Says once whether IOMMU/VFIO problems fail the run, and why. */
static int decide_vfio(struct doctor_env *env, struct doctor_report *rep, sr_error *err)
{
	char why[256] = "";
	if (env->vfio == DOCTOR_VFIO_AUTO)
		env->vfio = doctor_vfio_detect(env, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "as asked (%s)", env->vfio == DOCTOR_VFIO_NEEDED ? "--kata" : "--runc-only");
	if (env->vfio == DOCTOR_VFIO_NEEDED)
		return doctor_add(rep, DOCTOR_PASS, "Kata/VFIO", NULL, err,
				  "in use: %s; IOMMU and VFIO problems fail", why);
	return doctor_add(rep, DOCTOR_PASS, "Kata/VFIO", NULL, err,
			  "not in use: %s; IOMMU and VFIO problems are warnings (runc containers need neither; "
			  "--kata checks as for Kata)",
			  why);
}

int doctor_run(const struct doctor_env *env_in, struct doctor_report *rep, sr_error *err)
{
	struct doctor_env copy = *env_in, *env = &copy;
	char ifname[SYSFS_IFNAME_MAX], pci[SYSFS_PCI_MAX];
	if (env->pf && resolve_pf(env, ifname, pci, err) < 0)
		return -1;
	if (decide_vfio(env, rep, err) < 0)
		return -1;
	if (doctor_check_iommu(env, rep, err) < 0 || doctor_check_vfio(env, rep, err) < 0)
		return -1;
	if (env->pf ? doctor_check_nic(env, ifname, pci, rep, err) < 0 : check_all_nics(env, rep, err) < 0)
		return -1;
	return doctor_check_hugepages(env, rep, err);
}
