/* doctor_nic: the checks of one SR-IOV capable NIC (a PF): VF counts, link,
 * VF drivers, one IOMMU group per VF (ACS), VF admin MACs, eswitch mode (devlink). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../netlink/nlk.h"
#include "doctor.h"
#include "doctor_fs.h"
#define IFF_UP_FLAG 0x1

struct nic {
	const struct doctor_env *env;
	const char *ifname;
	const char *pci;
	char dev[DOCTOR_PATH_LEN]; /* <sysfs>/bus/pci/devices/<pci> */
	long total, num;
};

static int check_counts(struct nic *n, struct doctor_report *rep, sr_error *err)
{
	char path[DOCTOR_PATH_LEN + 32], name[64], fix[DOCTOR_PATH_LEN + 64];
	snprintf(name, sizeof(name), "%s SR-IOV", n->ifname);
	snprintf(path, sizeof(path), "%s/sriov_totalvfs", n->dev);
	if (!doctor_read_int(path, &n->total) || n->total <= 0)
		return doctor_add(rep, DOCTOR_FAIL, name,
				  "enable SR-IOV for this NIC in the firmware setup (and in the NIC's own firmware "
				  "configuration tool), then reboot",
				  err, "%s (%s) reports no VFs (sriov_totalvfs missing or 0)", n->ifname, n->pci);
	snprintf(path, sizeof(path), "%s/sriov_numvfs", n->dev);
	if (!doctor_read_int(path, &n->num))
		n->num = 0;
	snprintf(fix, sizeof(fix), "echo %ld > %s/class/net/%s/device/sriov_numvfs (the plugin also enables them "
		 "when a network is created on this PF)", n->total, n->env->sysfs, n->ifname);
	if (n->num == 0)
		return doctor_add(rep, DOCTOR_WARN, name, fix, err, "%s (%s): 0 of %ld VFs enabled", n->ifname, n->pci,
				  n->total);
	return doctor_add(rep, DOCTOR_PASS, name, NULL, err, "%s (%s): %ld of %ld VFs enabled", n->ifname, n->pci,
			  n->num, n->total);
}

static int check_link(struct nic *n, struct doctor_report *rep, sr_error *err)
{
	char path[DOCTOR_PATH_LEN], name[64], fix[128], oper[32] = "unknown";
	long flags = 0;
	snprintf(name, sizeof(name), "%s link", n->ifname);
	snprintf(fix, sizeof(fix), "ip link set %s up", n->ifname);
	snprintf(path, sizeof(path), "%s/class/net/%s/flags", n->env->sysfs, n->ifname);
	doctor_read_int(path, &flags);
	snprintf(path, sizeof(path), "%s/class/net/%s/operstate", n->env->sysfs, n->ifname);
	doctor_read(path, oper, sizeof(oper));
	if (!(flags & IFF_UP_FLAG))
		return doctor_add(rep, DOCTOR_FAIL, name, fix, err,
				  "PF is down (a VF probed while its PF is down takes a random MAC, not the admin MAC)");
	if (strcmp(oper, "up") != 0)
		return doctor_add(rep, DOCTOR_WARN, name, "check the cable and the switch port", err,
				  "PF is up but has no carrier (operstate %s): VFs will have no link", oper);
	return doctor_add(rep, DOCTOR_PASS, name, NULL, err, "up, carrier");
}

/* VF i's PCI address, "" if the virtfn link is missing. */
static void vf_pci(const struct nic *n, long i, char *out, size_t size)
{
	char path[DOCTOR_PATH_LEN + 32];
	snprintf(path, sizeof(path), "%s/virtfn%ld", n->dev, i);
	if (!doctor_link_base(path, out, size))
		out[0] = '\0';
}

static int check_vf_drivers(struct nic *n, struct doctor_report *rep, sr_error *err)
{
	char name[64], pci[64], path[DOCTOR_PATH_LEN + 96], driver[64], drivers[256] = "", unbound[256] = "";
	char fix[512];
	long bound = 0, missing = 0;
	snprintf(name, sizeof(name), "%s VF drivers", n->ifname);
	for (long i = 0; i < n->num; i++) {
		vf_pci(n, i, pci, sizeof(pci));
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", n->env->sysfs, pci);
		if (pci[0] && doctor_link_base(path, driver, sizeof(driver))) {
			bound++;
			if (!strstr(drivers, driver) && strlen(drivers) + strlen(driver) + 3 < sizeof(drivers))
				snprintf(drivers + strlen(drivers), sizeof(drivers) - strlen(drivers), "%s%s",
					 drivers[0] ? ", " : "", driver);
		} else {
			missing++;
			if (strlen(unbound) + strlen(pci) + 8 < sizeof(unbound))
				snprintf(unbound + strlen(unbound), sizeof(unbound) - strlen(unbound), "%s%ld%s%s%s",
					 unbound[0] ? ", " : "", i, pci[0] ? " (" : "", pci, pci[0] ? ")" : "");
		}
	}
	if (n->num == 0)
		return doctor_add(rep, DOCTOR_WARN, name, "enable VFs first (see the SR-IOV check above)", err,
				  "no VFs to check");
	if (missing) {
		snprintf(fix, sizeof(fix),
			 "load the VF driver (e.g. modprobe iavf / ixgbevf / igbvf / mlx5_core), then for each VF: "
			 "echo <VF PCI address> > %s/bus/pci/drivers_probe",
			 n->env->sysfs);
		return doctor_add(rep, DOCTOR_FAIL, name, fix, err, "%ld of %ld VFs have no driver: VF %s", missing,
				  n->num, unbound);
	}
	return doctor_add(rep, DOCTOR_PASS, name, NULL, err, "all %ld VFs bound (%s)", bound, drivers);
}

static int check_iommu_groups(struct nic *n, struct doctor_report *rep, sr_error *err)
{
	char name[64], pci[64], path[DOCTOR_PATH_LEN + 96], group[32], first[64], detail[256] = "";
	long alone = 0, shared = 0, none = 0;
	snprintf(name, sizeof(name), "%s IOMMU groups", n->ifname);
	if (n->num == 0)
		return doctor_add(rep, DOCTOR_WARN, name, "enable VFs first (see the SR-IOV check above)", err,
				  "no VFs to check");
	for (long i = 0; i < n->num; i++) {
		int members;
		vf_pci(n, i, pci, sizeof(pci));
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group", n->env->sysfs, pci);
		if (!pci[0] || !doctor_link_base(path, group, sizeof(group))) {
			none++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%s/devices", n->env->sysfs, group);
		members = doctor_dir_count(path, first, sizeof(first));
		if (members == 1 && !strcmp(first, pci)) {
			alone++;
		} else {
			shared++;
			if (!detail[0])
				snprintf(detail, sizeof(detail), "VF %ld (%s) shares group %s with %d other device(s)", i,
					 pci, group, members - 1);
		}
	}
	if (none)
		return doctor_add(rep, doctor_vfio_severity(n->env), name,
				  "turn the IOMMU on (see the IOMMU check above)", err, "%ld of %ld VFs have no IOMMU group",
				  none, n->num);
	if (shared)
		return doctor_add(rep, doctor_vfio_severity(n->env), name,
				  "put the NIC in a slot whose PCIe path has ACS (Access Control Services), or update the "
				  "firmware; VFs of one group can only go to VFIO together",
				  err, "%s", detail);
	return doctor_add(rep, DOCTOR_PASS, name, NULL, err, "each of the %ld VFs is alone in its IOMMU group", alone);
}

static int check_vf_macs(struct nic *n, struct doctor_report *rep, sr_error *err)
{
	char name[64], fix[256], first_error[SR_ERROR_MSG_MAX] = "";
	long set = 0, zero = 0, unreadable = 0;
	snprintf(name, sizeof(name), "%s VF MACs", n->ifname);
	snprintf(fix, sizeof(fix),
		 "none needed for the plugin (it sets one per container); for VFs used outside it: ip link set %s vf N "
		 "mac 02:xx:xx:xx:xx:xx",
		 n->ifname);
	if (n->num == 0)
		return doctor_add(rep, DOCTOR_WARN, name, "enable VFs first (see the SR-IOV check above)", err,
				  "no VFs to check");
	if (!n->env->vf_mac)
		return doctor_add(rep, DOCTOR_WARN, name, "run doctor as root", err, "not checked (no netlink)");
	for (long i = 0; i < n->num; i++) {
		uint8_t mac[6];
		sr_error e = {0};
		if (n->env->vf_mac(n->env->vf_mac_ctx, n->ifname, (int)i, mac, &e) < 0) {
			unreadable++;
			if (!first_error[0])
				snprintf(first_error, sizeof(first_error), "%s", e.msg);
		} else if (nlk_mac_is_zero(mac)) {
			zero++;
		} else {
			set++;
		}
	}
	if (unreadable)
		return doctor_add(rep, DOCTOR_WARN, name, "check that the PF driver reports VF info (ip link show PF)",
				  err, "%ld of %ld VFs unreadable through %s: %s", unreadable, n->num, n->ifname,
				  first_error);
	if (set == 0)
		return doctor_add(rep, DOCTOR_WARN, name, fix, err, "all %ld VF admin MACs are 00:00:00:00:00:00", zero);
	return doctor_add(rep, DOCTOR_PASS, name, NULL, err, "%ld of %ld VFs have an admin MAC", set, n->num);
}

/* The plugin configures VFs the legacy way, through the PF. In switchdev mode traffic is steered
 * by TC/OVS rules on representors instead, and the PF's VF settings are refused or ignored. */
static int check_eswitch(struct nic *n, struct doctor_report *rep, sr_error *err)
{
	char name[64], fix[256];
	int mode = 0;
	sr_error why = {0};
	if (!n->env->eswitch)
		return 0;
	snprintf(name, sizeof(name), "%s eswitch", n->ifname);
	if (n->env->eswitch(n->pci, &mode, &why) < 0) {
		if (why.code == ENODEV || why.code == ENOENT || why.code == EOPNOTSUPP)
			return doctor_add(rep, DOCTOR_PASS, name, NULL, err,
					  "no devlink eswitch (legacy SR-IOV only): %s", why.msg);
		return doctor_add(rep, DOCTOR_WARN, name, "run doctor as root", err, "not checked: %s", why.msg);
	}
	if (mode == NLK_ESWITCH_LEGACY)
		return doctor_add(rep, DOCTOR_PASS, name, NULL, err, "legacy (devlink): VFs are configured through the PF");
	snprintf(fix, sizeof(fix), "devlink dev eswitch set pci/%s mode legacy (with no VF in use)", n->pci);
	return doctor_add(rep, DOCTOR_FAIL, name, fix, err,
			  "switchdev: VLAN/QoS, spoof check, trust, link state and rates set through the PF (ip link "
			  "set %s vf N ...) are refused or not enforced; traffic goes through the representors' "
			  "TC/OVS rules, and the admin MAC is set with devlink port function hw_addr. The plugin needs "
			  "legacy mode",
			  n->ifname);
}

int doctor_check_nic(const struct doctor_env *env, const char *ifname, const char *pci, struct doctor_report *rep,
		     sr_error *err)
{
	struct nic n = {.env = env, .ifname = ifname, .pci = pci};
	snprintf(n.dev, sizeof(n.dev), "%s/bus/pci/devices/%s", env->sysfs, pci);
	if (check_counts(&n, rep, err) < 0)
		return -1;
	if (n.total <= 0)
		return 0;
	if (check_link(&n, rep, err) < 0 || check_vf_drivers(&n, rep, err) < 0 || check_iommu_groups(&n, rep, err) < 0 ||
	    check_vf_macs(&n, rep, err) < 0 || check_eswitch(&n, rep, err) < 0)
		return -1;
	return 0;
}
