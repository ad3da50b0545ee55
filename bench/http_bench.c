/* http_bench: how long dockerd waits for a constant answer (NetworkDriver.GetCapabilities) when
 * the plugin is idle, and while another client runs CreateNetwork/DeleteNetwork pairs (each one
 * reads sysfs and netlink, and saves the state: write, fsync, rename, fsync of the folder).
 * Prints p50/p99/max side by side, never asserts.
 *
 * The real HTTP server and handlers, in-process, on a Unix socket, in a private network
 * namespace (needs root: otherwise it says so and prints nothing else), against a fake sysfs
 * whose PF's netdev is the namespace's "lo" (tests/fakesys/make-fake-sysfs.sh). Each client
 * keeps one connection open, as dockerd does. */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../ipam/ipam.h"
#include "../plugin/daemon.h"
#include "../plugin/http_server.h"
#include "../plugin/state_dir.h"
#include "../plugin/unix_socket.h"

#define MAX_SAMPLES 200000
#define MEASURE_S 2.0 /* each scenario: calls back to back for this long */
#define PF_PCI "0000:01:00.0"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int dial(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a kept-alive connection; the HTTP status, or -1. */
static int roundtrip(int fd, const char *method, const char *body)
{
	char req[2048], buf[8192];
	size_t got = 0;
	int n = snprintf(req, sizeof(req),
			 "POST /%s HTTP/1.1\r\nHost: plugin.moby.localhost\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 method, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
		char *end, *cl;
		if (r <= 0)
			return -1;
		got += (size_t)r;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
		cl = strcasestr(buf, "Content-Length:");
		if (end && cl && got >= (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10))
			return atoi(buf + 9);
		if (got == sizeof(buf) - 1)
			return -1;
	}
}

struct loader {
	const char *sock;
	atomic_bool stop;
	atomic_long pairs, failures; /* read by main while the loader runs */
};

static void *load_networks(void *arg)
{
	struct loader *l = arg;
	char create[600], del[200], id[65];
	int fd = dial(l->sock);
	for (long i = 0; fd >= 0 && !atomic_load(&l->stop); i++) {
		snprintf(id, sizeof(id), "%064lx", (unsigned long)i + 1);
		snprintf(create, sizeof(create),
			 "{\"NetworkID\":\"%s\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
			 "\"com.docker.network.generic\":{\"pf_iface\":\"" PF_PCI "\",\"vlanid\":\"%ld\"}},"
			 "\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.9.0.0/16\",\"Gateway\":\"10.9.0.1/16\"}],"
			 "\"IPv6Data\":[]}\n",
			 id, 1 + i % 4000);
		snprintf(del, sizeof(del), "{\"NetworkID\":\"%s\"}\n", id);
		if (roundtrip(fd, "NetworkDriver.CreateNetwork", create) != 200 ||
		    roundtrip(fd, "NetworkDriver.DeleteNetwork", del) != 200)
			atomic_fetch_add(&l->failures, 1);
		else
			atomic_fetch_add(&l->pairs, 1);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void measure(const char *label, const char *sock)
{
	static double lat[MAX_SAMPLES];
	int fd = dial(sock), bad = 0, n = 0;
	double start = now();
	while (n < MAX_SAMPLES && now() - start < MEASURE_S) {
		double t0 = now();
		if (fd < 0 || roundtrip(fd, "NetworkDriver.GetCapabilities", "") != 200)
			bad++;
		lat[n++] = (now() - t0) * 1e6;
	}
	if (fd >= 0)
		close(fd);
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp_double);
	printf("  %-44s %7d calls  p50 %7.0f us  p99 %7.0f us  max %7.0f us%s\n", label, n, lat[n / 2],
	       lat[n * 99 / 100], lat[n - 1], bad ? "  (some calls failed)" : "");
}

int main(void)
{
	static struct daemon d;
	char dir[] = "/tmp/http_bench.XXXXXX", cmd[600], sock[200];
	struct http_server *srv = NULL;
	struct loader l = {.sock = sock};
	atomic_init(&l.pairs, 0);
	atomic_init(&l.failures, 0);
	pthread_t loader;
	sr_error err = {0};
	int fd = -1;
	if (unshare(CLONE_NEWNET) < 0) {
		printf("http_bench: skipped (a private network namespace needs root: %s)\n", strerror(errno));
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(cmd, sizeof(cmd), "tests/fakesys/make-fake-sysfs.sh -r %s/sys -p lo -a " PF_PCI " -t 4 -n 4", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "http_bench: %s failed\n", cmd);
		return 1;
	}
	daemon_locks_init(&d);
	d.log.level = -1;
	snprintf(d.cfg.sysfs_root, sizeof(d.cfg.sysfs_root), "%s/sys", dir);
	snprintf(d.cfg.state_dir, sizeof(d.cfg.state_dir), "%s/state", dir);
	snprintf(d.cfg.udev_dir, sizeof(d.cfg.udev_dir), "%s/no-udev", dir);
	snprintf(sock, sizeof(sock), "%s/plugin.sock", dir);
	if (nlk_open(&d.nl, &err) < 0 || state_dir_open(&d, &err) < 0 || unix_socket_listen(sock, "", &fd, &err) < 0 ||
	    http_server_start(&d, fd, &srv, &err) < 0) {
		fprintf(stderr, "http_bench: %s\n", err.msg);
		return 1;
	}
	printf("http_bench: GetCapabilities latency, back to back on one kept-alive connection for %.0f s\n",
	       MEASURE_S);
	measure("idle", sock);
	atomic_init(&l.stop, false);
	if (pthread_create(&loader, NULL, load_networks, &l) == 0) {
		double t0 = now();
		while (atomic_load(&l.pairs) + atomic_load(&l.failures) == 0 && now() - t0 < 5) /* the load is on before measuring */
			usleep(1000);
		measure("while CreateNetwork/DeleteNetwork pairs run", sock);
		atomic_store(&l.stop, true);
		pthread_join(loader, NULL);
		printf("  (the other client meanwhile: %ld pairs in %.2f s, %ld failed)\n", atomic_load(&l.pairs),
		       now() - t0, atomic_load(&l.failures));
	}
	http_server_stop(srv);
	close(fd);
	ipam_store_close(d.ipam);
	state_free(&d.state);
	nlk_close(d.nl);
	daemon_locks_destroy(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
