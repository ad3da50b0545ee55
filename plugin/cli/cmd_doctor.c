/* sriov-plugin doctor [PF] [--sysfs DIR] [--proc DIR] [--modules DIR]: the host
 * checklist (see doctor.h). Exit 0 only if no check fails. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../../netlink/nlk.h"
#include "../../common/default_paths.h"
#include "commands.h"
#include "doctor.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: sriov-plugin doctor [PF] [--kata|--runc-only] [--sysfs DIR] [--proc DIR] [--modules DIR]\n"
		     "Checks this host for SR-IOV: IOMMU, VFIO, each SR-IOV NIC (or only PF: a netdev name or\n"
		     "PCI address), its VFs' drivers, IOMMU groups and admin MACs, hugepages. Prints pass, warn\n"
		     "or FAIL per check with the command that fixes it. Exit status 0 when nothing fails.\n"
		     "IOMMU and VFIO problems fail only when VFIO is in use (Kata installed, a device on vfio-pci,\n"
		     "or --kata); otherwise (or with --runc-only) they are warnings.\n");
}

static int vf_mac_netlink(void *ctx, const char *pf_ifname, int vf, uint8_t mac[6], sr_error *err)
{
	struct nlk_vf_config cfg;
	if (nlk_vf_get(ctx, pf_ifname, vf, &cfg, err) < 0)
		return -1;
	memcpy(mac, cfg.mac, 6);
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option options[] = {
		{"sysfs", required_argument, NULL, 'y'},   {"proc", required_argument, NULL, 'p'},
		{"modules", required_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'},
		{"kata", no_argument, NULL, 'k'},          {"runc-only", no_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct doctor_env env = {
		.sysfs = SRIOV_DEFAULT_SYSFS, .proc = SRIOV_DEFAULT_PROC, .eswitch = nlk_devlink_eswitch_mode};
	struct doctor_report rep = {0};
	struct nlk *nl = NULL;
	sr_error err = {0};
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'y':
			env.sysfs = optarg;
			break;
		case 'p':
			env.proc = optarg;
			break;
		case 'm':
			env.modules_dir = optarg;
			break;
		case 'k':
			env.vfio = DOCTOR_VFIO_NEEDED;
			break;
		case 'r':
			env.vfio = DOCTOR_VFIO_NOT_NEEDED;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		env.pf = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "sriov-plugin doctor: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Without netlink (no permission) the MAC check says so instead of failing the run. */
	if (nlk_open(&nl, &err) == 0) {
		env.vf_mac = vf_mac_netlink;
		env.vf_mac_ctx = nl;
	}
	sr_error_clear(&err);
	if (doctor_run(&env, &rep, &err) < 0) {
		fprintf(stderr, "sriov-plugin doctor: %s\n", err.msg);
		rc = 2;
	} else {
		doctor_report_print(stdout, &rep);
		rc = doctor_report_failed(&rep) ? 1 : 0;
	}
	doctor_report_free(&rep);
	if (nl)
		nlk_close(nl);
	return rc;
}
