/* doctor: the SR-IOV host checklist, automated.
 *
 * Every check reads files under a sysfs root and a proc root (and the kernel's
 * module directory), so tests point it at a fake tree. The one kernel query
 * (VF admin MACs through the PF) goes through a callback, the seam for tests.
 * Each check gives pass / warn / fail, a one-line finding, and, when not pass,
 * the exact command or kernel parameter that fixes it. Nothing is changed on
 * the host. */
#ifndef DOCTOR_H
#define DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../common/sr_error.h"

#define DOCTOR_PATH_LEN 1024 /* a path under the sysfs or proc root the checks read */

enum doctor_result { DOCTOR_PASS = 0, DOCTOR_WARN = 1, DOCTOR_FAIL = 2 };

struct doctor_check {
	enum doctor_result result;
	char name[64];     /* "IOMMU", "enp1s0f0 VF drivers", ... */
	char finding[512]; /* what was seen */
	char fix[512];     /* the command or parameter that fixes it; "" when pass */
};

struct doctor_report {
	struct doctor_check *checks;
	size_t count, cap;
};

/* Reads VF `vf`'s admin MAC through the PF `pf_ifname` (nlk_vf_get in the command). */
typedef int (*doctor_vf_mac_fn)(void *ctx, const char *pf_ifname, int vf, uint8_t mac[6], sr_error *err);

/* Whether VFs are given to VMs (Kata) or user space (DPDK) through VFIO. Only then are IOMMU and
 * VFIO problems failures; for runc-only hosts they are warnings. AUTO: doctor_run decides
 * (doctor_vfio_detect). */
enum doctor_vfio { DOCTOR_VFIO_AUTO = 0, DOCTOR_VFIO_NEEDED, DOCTOR_VFIO_NOT_NEEDED };

/* The PF's eswitch mode through devlink (nlk_devlink_eswitch_mode in the command): 0 legacy,
 * 1 switchdev; -1 with err when it has none (ENODEV/ENOENT/EOPNOTSUPP) or cannot be asked. */
typedef int (*doctor_eswitch_fn)(const char *pci, int *mode, sr_error *err);

struct doctor_env {
	const char *sysfs;       /* "/sys" */
	const char *proc;        /* "/proc" */
	const char *modules_dir; /* NULL: /lib/modules/<proc>/sys/kernel/osrelease */
	const char *pf;          /* netdev name or PCI address to check; NULL = every SR-IOV NIC */
	doctor_vf_mac_fn vf_mac; /* NULL: the admin MAC check is skipped (reported as warn) */
	void *vf_mac_ctx;
	doctor_eswitch_fn eswitch; /* NULL: the eswitch check is skipped */
	enum doctor_vfio vfio;   /* the individual checks treat AUTO as NOT_NEEDED */
	const char *root;        /* where Kata's binaries and /etc/docker are looked for; NULL = "/" */
};

/* NEEDED when a Kata runtime is installed, Docker's daemon.json names one, or a PCI device is
 * bound to vfio-pci; why says which (or what was looked for). */
enum doctor_vfio doctor_vfio_detect(const struct doctor_env *env, char *why, size_t why_size);
/* FAIL when VFIO is needed, WARN otherwise: the severity of an IOMMU/VFIO problem. */
enum doctor_result doctor_vfio_severity(const struct doctor_env *env);

/* Runs every check into rep (which the caller frees). Fails only when out of
 * memory or when env->pf names no SR-IOV network device. */
int doctor_run(const struct doctor_env *env, struct doctor_report *rep, sr_error *err);
void doctor_report_free(struct doctor_report *rep);
bool doctor_report_failed(const struct doctor_report *rep);
void doctor_report_print(FILE *out, const struct doctor_report *rep);
/* The first check whose name starts with prefix, or NULL (for tests). */
const struct doctor_check *doctor_report_find(const struct doctor_report *rep, const char *prefix);

/* The individual checks (exposed for tests). Each adds one or more entries. */
int doctor_check_iommu(const struct doctor_env *env, struct doctor_report *rep, sr_error *err);
int doctor_check_vfio(const struct doctor_env *env, struct doctor_report *rep, sr_error *err);
int doctor_check_hugepages(const struct doctor_env *env, struct doctor_report *rep, sr_error *err);
/* Checks one PF (netdev ifname at PCI address pci): SR-IOV, link, VF drivers, IOMMU groups, admin MACs. */
int doctor_check_nic(const struct doctor_env *env, const char *ifname, const char *pci, struct doctor_report *rep,
		     sr_error *err);

/* Internal: appends an entry (printf-style finding and fix; fix may be NULL). */
int doctor_add(struct doctor_report *rep, enum doctor_result result, const char *name, const char *fix,
	       sr_error *err, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
