/* metrics_bench: what /metrics costs the plugin, measured on the real daemon (build/sriov-plugin,
 * a child process) in a private network and mount namespace (needs root: otherwise it says so
 * and prints nothing else), with 1 000 endpoints on 16 fake PFs x 64 VFs (a fake sysfs), each
 * endpoint joined to a sandbox namespace of its own that holds its "VF" (a netdev carrying the
 * endpoint's MAC): the worst case, one namespace per endpoint. Prints, never
 * asserts:
 *   - one scrape's cost: the daemon's CPU (utime + stime of /proc/<pid>/stat, which keeps the
 *     time of threads that ended) over SCRAPES scrapes, per scrape; the page's size and wall
 *     time (target < 50 ms of CPU);
 *   - GetCapabilities latency on one kept-alive connection, back to back, without scraping and
 *     while another client scrapes /metrics 10 times a second, alternated ROUNDS times in the
 *     same run (target: p99 with scraping within 10% of p99 without). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../plugin/daemon/state.h"
#include "../plugin/host/sysfs.h"
#include "../tests/fakesys/fakesys.h"
#include "bench_http.h"
#include "bench_util.h"

#define PFS 16
#define VFS_PER_PF 64
#define ENDPOINTS 1000
#define SCRAPES 20
#define ROUNDS 8
#define ROUND_S 2.0
#define MAX_SAMPLES 400000

static char dir[64], sock[96], msock[96];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static pid_t start_daemon(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char sysfs[128], state[128], metrics[160];
		int null = open("/dev/null", O_WRONLY);
		snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
		snprintf(state, sizeof(state), "%s/state", dir);
		snprintf(metrics, sizeof(metrics), "unix:%s", msock);
		dup2(null, 1);
		dup2(null, 2);
		execl("build/sriov-plugin", "sriov-plugin", "--socket", sock, "--state-dir", state, "--sysfs", sysfs,
		      "--reclaim-interval", "0", "--log-level", "error", "--metrics-addr", metrics, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) { /* up to 60 s: the start reads 1 000 records */
		int fd = dial(sock);
		if (fd >= 0 && roundtrip(fd, "Plugin.Activate", "") == 200) {
			close(fd);
			return pid;
		}
		if (fd >= 0)
			close(fd);
		usleep(100000);
	}
	fprintf(stderr, "metrics_bench: the daemon does not answer\n");
	kill(pid, SIGKILL);
	return -1;
}

static void stop_daemon(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* utime + stime of the whole process, in seconds */
static double daemon_cpu(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')'); /* the name may hold spaces; fields 14 and 15 count from after it */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* PF p's PCI address and its VF v's (the layout of make-fake-sysfs.sh, written here directly:
 * the script's thousand processes per PF would take minutes) */
static void pf_pci(int p, char out[SYSFS_PCI_MAX])
{
	snprintf(out, SYSFS_PCI_MAX, "0000:%02x:00.0", p + 1);
}

static void fake_pf(int p)
{
	char pci[SYSFS_PCI_MAX], vf[SYSFS_PCI_MAX], target[64];
	pf_pci(p, pci);
	mkdirs("bus/pci/devices/%s/net/bpf%d", pci, p);
	mkdirs("class/net/bpf%d", p);
	snprintf(target, sizeof(target), "../../../bus/pci/devices/%s", pci);
	symlinkf(target, "class/net/bpf%d/device", p);
	writef("64\n", "bus/pci/devices/%s/sriov_totalvfs", pci);
	writef("64\n", "bus/pci/devices/%s/sriov_numvfs", pci);
	for (int v = 0; v < VFS_PER_PF; v++) {
		snprintf(vf, sizeof(vf), "0000:%02x:%02x.%d", p + 1, 0x10 + v / 8, v % 8);
		mkdirs("bus/pci/devices/%s/net/bpf%dv%d", vf, p, v);
		mkdirs("kernel/iommu_groups/%d", 100 + p * 256 + v);
		snprintf(target, sizeof(target), "../%s", vf);
		symlinkf(target, "bus/pci/devices/%s/virtfn%d", pci, v);
		snprintf(target, sizeof(target), "../%s", pci);
		symlinkf(target, "bus/pci/devices/%s/physfn", vf);
		symlinkf("../../drivers/igbvf", "bus/pci/devices/%s/driver", vf);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", 100 + p * 256 + v);
		symlinkf(target, "bus/pci/devices/%s/iommu_group", vf);
		writef("", "bus/pci/devices/%s/driver_override", vf);
	}
}

/* 16 PFs (veths) with 64 VFs each in the fake sysfs; the first 1 000 VFs' netdevs are each in
 * a namespace of its own, with their endpoint's MAC. A bridge device stands for the VF netdev
 * there: like a VF's and unlike a veth's, it names no peer in another namespace, which would
 * make the kernel look that namespace's id up for every link it describes. */
static int build_host(void)
{
	char batch[128];
	FILE *f;
	int self;
	snprintf(batch, sizeof(batch), "%s/links.batch", dir);
	f = fopen(batch, "w");
	if (!f)
		return -1;
	snprintf(fakesys_root, sizeof(fakesys_root), "%s/sys", dir);
	mkdirs("bus/pci/drivers/igbvf");
	writef("", "bus/pci/drivers_probe");
	for (int p = 0; p < PFS; p++) {
		fake_pf(p);
		fprintf(f, "link add bpf%d type veth peer name bpf%dp\n", p, p);
	}
	for (int e = 0; e < ENDPOINTS; e++)
		fprintf(f, "netns add bsb%d\n", e);
	fclose(f);
	if (sh("ip link set lo up && ip -batch %s", batch) != 0)
		return -1;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (int e = 0; e < ENDPOINTS && self >= 0; e++) {
		int p = e / (ENDPOINTS / PFS + 1), v = e % (ENDPOINTS / PFS + 1), ns;
		char path[64];
		snprintf(path, sizeof(path), "/run/netns/bsb%d", e);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		/* the child of system() is born in the namespace this thread is in */
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0 ||
		    sh("ip link add bpf%dv%d address 02:42:ac:%02x:%02x:01 type bridge", p, v, p, v) != 0 ||
		    setns(self, CLONE_NEWNET) < 0) {
			fprintf(stderr, "metrics_bench: sandbox %d: %s\n", e, strerror(errno));
			return -1;
		}
		close(ns);
	}
	if (self >= 0)
		close(self);
	return self >= 0 ? 0 : -1;
}

/* 16 networks through the API, then 1 000 joined endpoint records written while the daemon is
 * stopped (CreateEndpoint itself needs real VFs). */
static int build_state(void)
{
	char state[128], body[700];
	struct state st;
	sr_error err = {0};
	pid_t pid = start_daemon();
	int fd = pid > 0 ? dial(sock) : -1;
	if (fd < 0)
		return -1;
	for (int p = 0; p < PFS; p++) {
		snprintf(body, sizeof(body),
			 "{\"NetworkID\":\"%064x\",\"Options\":{\"com.docker.network.generic\":{\"pf_iface\":\"bpf%d\","
			 "\"vlanid\":\"%d\"}},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.%d.0.0/16\","
			 "\"Gateway\":\"10.%d.0.1/16\"}],\"IPv6Data\":[]}\n",
			 p + 1, p, 100 + p, p + 1, p + 1);
		if (roundtrip(fd, "NetworkDriver.CreateNetwork", body) != 200) {
			fprintf(stderr, "metrics_bench: CreateNetwork on bpf%d failed\n", p);
			return -1;
		}
	}
	close(fd);
	stop_daemon(pid);
	snprintf(state, sizeof(state), "%s/state", dir);
	if (state_open(state, &st, &err) < 0) {
		fprintf(stderr, "metrics_bench: %s\n", err.msg);
		return -1;
	}
	for (int e = 0; e < ENDPOINTS; e++) {
		int p = e / (ENDPOINTS / PFS + 1), v = e % (ENDPOINTS / PFS + 1);
		struct ep_record r;
		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "%064x", 0x10000 + e);
		snprintf(r.network_id, sizeof(r.network_id), "%064x", p + 1);
		pf_pci(p, r.pf_pci);
		r.vf = v;
		snprintf(state, sizeof(state), "%s/sys", dir);
		if (sysfs_vf_pci(state, r.pf_pci, v, r.vf_pci, &err) < 0)
			return -1;
		r.mac[0] = 0x02, r.mac[1] = 0x42, r.mac[2] = 0xac, r.mac[3] = (uint8_t)p, r.mac[4] = (uint8_t)v, r.mac[5] = 1;
		snprintf(r.address4, sizeof(r.address4), "10.%d.%d.%d/16", p + 1, v / 200, 2 + v % 200);
		r.joined = true;
		snprintf(r.sandbox_key, sizeof(r.sandbox_key), "/run/netns/bsb%d", e);
		r.joined_at = r.unjoined_at = (long long)time(NULL);
		r.saved.vf = v;
		r.phase = EP_READY;
		if (!state_add_ep(&st, &r, &err))
			return -1;
	}
	if (state_save(&st, &err) < 0) {
		fprintf(stderr, "metrics_bench: %s\n", err.msg);
		return -1;
	}
	state_free(&st);
	return 0;
}

static void scrape_cost(pid_t pid)
{
	double cpu0, cpu1, t0, t1;
	size_t len = 0, series_len = 0;
	int bad = 0;
	http_get(msock, "/metrics", &len); /* the first one warms the daemon's caches up */
	cpu0 = daemon_cpu(pid);
	t0 = now();
	for (int i = 0; i < SCRAPES; i++) {
		if (http_get(msock, "/metrics", &series_len) != 200)
			bad++;
	}
	t1 = now();
	cpu1 = daemon_cpu(pid);
	printf("  one scrape, %d endpoints each in its own sandbox namespace (%d PFs x %d VFs): daemon CPU %.1f ms "
	       "(target < 50 ms), wall %.1f ms, page %zu kB%s\n",
	       ENDPOINTS, PFS, VFS_PER_PF, (cpu1 - cpu0) * 1e3 / SCRAPES, (t1 - t0) * 1e3 / SCRAPES, series_len / 1024,
	       bad ? "  (some scrapes failed)" : "");
	(void)len;
}

struct scraper {
	atomic_bool stop;
	atomic_int scrapes, failed;
};

static void *scrape_10_per_s(void *arg)
{
	struct scraper *s = arg;
	double next = now();
	while (!atomic_load(&s->stop)) {
		size_t len;
		if (http_get(msock, "/metrics", &len) != 200)
			atomic_fetch_add(&s->failed, 1);
		atomic_fetch_add(&s->scrapes, 1);
		next += 0.1;
		while (!atomic_load(&s->stop) && now() < next)
			usleep(2000);
	}
	return NULL;
}

/* GetCapabilities back to back for ROUND_S; appends latencies (us) to lat. */
static int capabilities_round(double *lat, int n)
{
	int fd = dial(sock);
	double start = now();
	while (fd >= 0 && n < MAX_SAMPLES && now() - start < ROUND_S) {
		double t0 = now();
		if (roundtrip(fd, "NetworkDriver.GetCapabilities", "") != 200)
			break;
		lat[n++] = (now() - t0) * 1e6;
	}
	if (fd >= 0)
		close(fd);
	return n;
}

static void capabilities_while_scraped(void)
{
	static double idle[MAX_SAMPLES], busy[MAX_SAMPLES];
	int ni = 0, nb = 0;
	struct scraper s;
	atomic_init(&s.scrapes, 0);
	atomic_init(&s.failed, 0);
	for (int round = 0; round < ROUNDS; round++) {
		if (round % 2 == 0) {
			ni = capabilities_round(idle, ni);
			continue;
		}
		pthread_t t;
		atomic_init(&s.stop, false);
		if (pthread_create(&t, NULL, scrape_10_per_s, &s) != 0)
			continue;
		nb = capabilities_round(busy, nb);
		atomic_store(&s.stop, true);
		pthread_join(t, NULL);
	}
	if (!ni || !nb)
		return;
	qsort(idle, (size_t)ni, sizeof(double), cmp_double);
	qsort(busy, (size_t)nb, sizeof(double), cmp_double);
	printf("  GetCapabilities, one kept-alive connection, %d rounds of %.0f s alternated:\n", ROUNDS, ROUND_S);
	printf("    no scraping          %7d calls  p50 %6.0f us  p99 %6.0f us\n", ni, idle[ni / 2], idle[ni * 99 / 100]);
	printf("    /metrics 10 times/s  %7d calls  p50 %6.0f us  p99 %6.0f us  (%d scrapes, %d failed)\n", nb,
	       busy[nb / 2], busy[nb * 99 / 100], atomic_load(&s.scrapes), atomic_load(&s.failed));
	printf("    p99 with scraping / without = %.2f (target <= 1.10)\n", busy[nb * 99 / 100] / idle[ni * 99 / 100]);
}

int main(void)
{
	pid_t pid;
	double t0 = now();
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		printf("metrics_bench: skipped (private network and mount namespaces need root: %s)\n", strerror(errno));
		return 0;
	}
	/* the sandboxes' bind mounts stay in this mount namespace, and go with it */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || (mkdir("/run/netns", 0755) < 0 && errno != EEXIST) ||
	    mount("tmpfs", "/run/netns", "tmpfs", 0, "mode=0755") < 0) {
		fprintf(stderr, "metrics_bench: private /run/netns: %s\n", strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/metrics_bench.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/plugin.sock", dir);
	snprintf(msock, sizeof(msock), "%s/metrics.sock", dir);
	printf("metrics_bench: the daemon with --metrics-addr, %d endpoints, their VFs' netdevs in %d namespaces\n",
	       ENDPOINTS, ENDPOINTS);
	if (build_host() != 0 || build_state() != 0) {
		fprintf(stderr, "metrics_bench: set-up failed\n");
		return 1;
	}
	printf("  (set-up %.1f s)\n", now() - t0);
	pid = start_daemon();
	if (pid < 0)
		return 1;
	scrape_cost(pid);
	capabilities_while_scraped();
	stop_daemon(pid);
	/* the namespaces' files are in this process' own tmpfs; the namespaces go with their
	 * last reference (this process's mount namespace) */
	return sh("rm -rf '%s'", dir) == 0 ? 0 : 1;
}
