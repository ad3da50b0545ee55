/* bench_client: what a bench asks of the plugin over bench_http.h's kept-alive connection (a
 * network created and deleted), and the fake host an in-process daemon serves. Header-only:
 * each bench is one program built from one .c file (mk/bench.mk). */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_http.h"

/* CreateNetwork (network number n on pf_pci, VLAN vlan) then its DeleteNetwork: whether both
 * answered 200. */
static inline bool bench_network_pair(int fd, unsigned long n, long vlan, const char *pf_pci)
{
	char create[700], del[200], id[65];
	snprintf(id, sizeof(id), "%064lx", n);
	snprintf(create, sizeof(create),
		 "{\"NetworkID\":\"%s\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
		 "\"com.docker.network.generic\":{\"pf_iface\":\"%s\",\"vlanid\":\"%ld\"}},"
		 "\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.9.0.0/16\",\"Gateway\":\"10.9.0.1/16\"}],"
		 "\"IPv6Data\":[]}\n",
		 id, pf_pci, vlan);
	snprintf(del, sizeof(del), "{\"NetworkID\":\"%s\"}\n", id);
	return roundtrip(fd, "NetworkDriver.CreateNetwork", create) == 200 &&
	       roundtrip(fd, "NetworkDriver.DeleteNetwork", del) == 200;
}

/* A private network namespace, and in a new folder (dir: a mkdtemp template, filled in) a fake
 * sysfs (<dir>/sys) whose PF pf_pci has the namespace's "lo" as its netdev. 1: skipped (needs
 * root; said so), 0: ready, -1: failed (said so). */
static inline int bench_fake_host(const char *who, char *dir, const char *pf_pci)
{
	char cmd[600];
	if (unshare(CLONE_NEWNET) < 0) {
		printf("%s: skipped (a private network namespace needs root: %s)\n", who, strerror(errno));
		return 1;
	}
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "tests/fakesys/make-fake-sysfs.sh -r %s/sys -p lo -a %s -t 4 -n 4", dir, pf_pci);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s: %s failed\n", who, cmd);
		return -1;
	}
	return 0;
}

#endif
