/* http_bench: the HTTP path, side by side with its floor, in one run. Prints, never asserts:
 *   - GetCapabilities at 1, 16 and 64 kept-alive connections (a client thread each, back to
 *     back): requests/s, p50/p99, server CPU per request, for the plugin and for a no-op HTTP
 *     server built here (thread per connection, a fixed answer: the transport floor) on a Unix
 *     socket of the same folder; target >= 70% of the floor's requests/s;
 *   - how long dockerd waits for GetCapabilities when the plugin is idle, and while another
 *     client runs CreateNetwork/DeleteNetwork pairs (each one reads sysfs and netlink, and saves
 *     the state); target p99 <= 200 us during the pairs;
 *   - CreateNetwork+DeleteNetwork pairs/s on one connection (target >= 1 000);
 *   - memory: RSS and RssAnon idle, peak RSS at the end (of this process: the server and the
 *     bench's client threads together).
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
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "../ipam/ipam.h"
#include "../plugin/daemon/daemon.h"
#include "../plugin/daemon/http_server.h"
#include "../plugin/daemon/state_dir.h"
#include "../plugin/daemon/unix_socket.h"
#include "bench_http.h"
#include "bench_util.h"

#define MAX_SAMPLES 200000
#define MEASURE_S 2.0 /* each scenario: calls back to back for this long */
#define PF_PCI "0000:01:00.0"

/* ---- the floor: a no-op HTTP server, one thread per connection, one fixed answer ---------- */

static const char NOOP_ANSWER[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n"
				  "{\"Scope\":\"local\",\"ConnectivityScope\":\"global\"}";

static void *noop_connection(void *arg)
{
	int fd = (int)(long)arg;
	char buf[8192];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
		char *end, *cl;
		size_t need;
		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		cl = strcasestr(buf, "Content-Length:");
		need = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0);
		if (got < need)
			continue;
		if (write(fd, NOOP_ANSWER, sizeof(NOOP_ANSWER) - 1) != (ssize_t)(sizeof(NOOP_ANSWER) - 1))
			break;
		memmove(buf, buf + need, got - need); /* one request at a time: nothing follows, as a rule */
		got -= need;
	}
	close(fd);
	return NULL;
}

static void *noop_accept(void *arg)
{
	int lfd = (int)(long)arg;
	for (;;) {
		pthread_t t;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			break; /* shut down */
		if (pthread_create(&t, NULL, noop_connection, (void *)(long)fd) != 0)
			close(fd);
		else
			pthread_detach(t);
	}
	return NULL;
}

/* ---- GetCapabilities from N connections at once ------------------------------------------- */

struct client {
	const char *sock;
	double deadline;
	double *lat;
	int cap, n, bad;
	double cpu;
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	int fd = dial(c->sock);
	double cpu0 = thread_cpu();
	while (c->n < c->cap && now() < c->deadline) {
		double t0 = now();
		if (fd < 0 || roundtrip(fd, "NetworkDriver.GetCapabilities", "") != 200)
			c->bad++;
		c->lat[c->n++] = (now() - t0) * 1e6;
	}
	c->cpu = thread_cpu() - cpu0;
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* One row: requests/s, p50/p99 over every call, server CPU per request (this process's CPU
 * minus the client threads' own). Returns requests/s. */
static double throughput(const char *who, const char *sock, int conns)
{
	struct client *cl = calloc((size_t)conns, sizeof(*cl));
	pthread_t *th = calloc((size_t)conns, sizeof(*th));
	double *all = NULL, t0, cpu0, elapsed, client_cpu = 0, rate = 0;
	int total = 0, bad = 0, started = 0;
	if (!cl || !th)
		goto out;
	t0 = now();
	cpu0 = process_cpu();
	for (int i = 0; i < conns; i++) {
		cl[i] = (struct client){.sock = sock, .deadline = t0 + MEASURE_S, .cap = MAX_SAMPLES / conns + 1000};
		cl[i].lat = malloc((size_t)cl[i].cap * sizeof(double));
		if (!cl[i].lat || pthread_create(&th[i], NULL, client_run, &cl[i]) != 0)
			break;
		started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		total += cl[i].n;
		bad += cl[i].bad;
		client_cpu += cl[i].cpu;
	}
	elapsed = now() - t0;
	double server_cpu = process_cpu() - cpu0 - client_cpu;
	all = malloc(((size_t)total + 1) * sizeof(double));
	if (!all || total == 0)
		goto out;
	for (int i = 0, k = 0; i < started; i++)
		for (int j = 0; j < cl[i].n; j++)
			all[k++] = cl[i].lat[j];
	qsort(all, (size_t)total, sizeof(all[0]), cmp_double);
	rate = total / elapsed;
	printf("  %-8s %3d conn  %9.0f req/s  p50 %6.0f us  p99 %6.0f us  server CPU %5.2f us/req%s\n", who, conns,
	       rate, all[total / 2], all[(size_t)total * 99 / 100], server_cpu * 1e6 / total,
	       bad ? "  (some calls failed)" : "");
out:
	for (int i = 0; cl && i < conns; i++)
		free(cl[i].lat);
	free(cl);
	free(th);
	free(all);
	return rate;
}

/* "VmRSS 1234 kB" and friends from /proc/self/status */
static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	size_t k = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && line[k] == ':')
			v = strtol(line + k + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
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
	if (nlk_open(&d.host.nl, &err) < 0 || state_dir_open(&d, &err) < 0 || unix_socket_listen(sock, "", &fd, &err) < 0 ||
	    http_server_start(&d, fd, &srv, &err) < 0) {
		fprintf(stderr, "http_bench: %s\n", err.msg);
		return 1;
	}
	long rss_idle = status_kb("VmRSS"), anon_idle = status_kb("RssAnon");
	char noop_sock[200];
	int noop_fd = -1;
	pthread_t noop_thread;
	snprintf(noop_sock, sizeof(noop_sock), "%s/noop.sock", dir);
	if (unix_socket_listen(noop_sock, "", &noop_fd, &err) < 0 ||
	    pthread_create(&noop_thread, NULL, noop_accept, (void *)(long)noop_fd) != 0) {
		fprintf(stderr, "http_bench: no-op server: %s\n", err.msg);
		return 1;
	}
	printf("http_bench: GetCapabilities, a client thread per kept-alive connection, %.0f s each, "
	       "the plugin beside a no-op server (the floor)\n", MEASURE_S);
	const int conns[] = {1, 16, 64};
	for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++) {
		double floor_rate = throughput("no-op", noop_sock, conns[i]);
		double plugin_rate = throughput("plugin", sock, conns[i]);
		printf("  %-8s %3d conn  plugin/no-op = %.0f%% (target >= 70%%)\n", "", conns[i],
		       floor_rate > 0 ? 100.0 * plugin_rate / floor_rate : 0.0);
	}
	shutdown(noop_fd, SHUT_RDWR);
	pthread_join(noop_thread, NULL);
	close(noop_fd);
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
	/* the pairs alone: what one dockerd creating and removing networks gets */
	atomic_store(&l.stop, false);
	atomic_store(&l.pairs, 0);
	atomic_store(&l.failures, 0);
	if (pthread_create(&loader, NULL, load_networks, &l) == 0) {
		double t0 = now();
		usleep((useconds_t)(MEASURE_S * 1e6));
		atomic_store(&l.stop, true);
		pthread_join(loader, NULL);
		double t = now() - t0;
		printf("http_bench: CreateNetwork+DeleteNetwork pairs on one connection: %.0f pairs/s (%ld in %.2f s, "
		       "%ld failed; target >= 1000)\n",
		       atomic_load(&l.pairs) / t, atomic_load(&l.pairs), t, atomic_load(&l.failures));
	}
	printf("http_bench: memory of this process (server + bench clients): idle RSS %ld kB (RssAnon %ld kB), "
	       "peak RSS %ld kB\n", rss_idle, anon_idle, status_kb("VmHWM"));
	http_server_stop(srv);
	close(fd);
	ipam_store_close(d.ipam);
	state_free(&d.state);
	nlk_close(d.host.nl);
	daemon_locks_destroy(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
