/* http_bench: the HTTP path, side by side with its floors, in one run. Prints, never asserts:
 *   - GetCapabilities at 1, 16 and 64 kept-alive connections (a client thread each, back to
 *     back): requests/s, p50/p99, server CPU per request, for the plugin and three no-op servers
 *     built here with a fixed answer on a Unix socket of the same folder: libmicrohttpd in its
 *     epoll internal-thread mode and in thread-per-connection mode (the library's settings the
 *     plugin uses, no handler work), and a hand-written thread-per-connection server (the
 *     transport floor). ROUNDS rounds, the servers in a rotating order within each, medians
 *     printed; target: the plugin at 16 connections >= 90% of the epoll no-op server's
 *     requests/s, p99 <= 1 ms;
 *   - how long dockerd waits for GetCapabilities when the plugin is idle, and while another
 *     client runs CreateNetwork/DeleteNetwork pairs (each one reads sysfs and netlink, and saves
 *     the state): target p99 <= 200 us during the pairs; EndpointOperInfo (answered in the loop
 *     from the published endpoint view) and Status (a reader thread: a state copy under the
 *     state lock, then sysfs and netlink) during the same pairs;
 *   - CreateNetwork+DeleteNetwork pairs/s on one connection (target >= 1 000);
 *   - memory: RSS and RssAnon idle, then RSS and threads of this process with 1 000 idle
 *     connections opened to the plugin and to each libmicrohttpd no-op server (how many stay
 *     open: the plugin's guard closes idle ones above its soft cap), peak RSS at the end (of
 *     this process: the servers and the bench's client threads together).
 *
 * The real HTTP server and handlers, in-process, on a Unix socket, in a private network
 * namespace (needs root: otherwise it says so and prints nothing else), against a fake sysfs
 * whose PF's netdev is the namespace's "lo" (tests/fakesys/make-fake-sysfs.sh). Each client
 * keeps one connection open, as dockerd does. */
#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../ipam/ipam.h"
#include "../plugin/daemon/daemon.h"
#include "../plugin/daemon/fd_limit.h"
#include "../plugin/daemon/http_server.h"
#include "../plugin/daemon/state_dir.h"
#include "../plugin/daemon/unix_socket.h"
#include "bench_client.h"
#include "bench_http.h"
#include "bench_util.h"

#define MAX_SAMPLES 200000
#define MEASURE_S 1.0 /* each measurement: calls back to back for this long */
#define ROUNDS 7
#define IDLE_CONNECTIONS 1000
#define PF_PCI "0000:01:00.0"
#define SEEDED_NET "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define SEEDED_EP "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

/* ---- the floors: no-op servers with one fixed answer --------------------------------------- */

static const char NOOP_BODY[] = "{\"Scope\":\"local\",\"ConnectivityScope\":\"global\"}";
/* the plugin's Content-Type, so that every server sends the client as many bytes */
#define NOOP_TYPE "application/vnd.docker.plugins.v1.2+json"
static const char NOOP_ANSWER[] = "HTTP/1.1 200 OK\r\nContent-Type: " NOOP_TYPE "\r\nContent-Length: 45\r\n\r\n"
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

/* libmicrohttpd with nothing to do: the body is read (none here) and the one response queued. */
static enum MHD_Result mhd_noop(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static int started;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (!*con_cls) {
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(conn, 200, cls);
}

static struct MHD_Daemon *mhd_noop_start(int listen_fd, unsigned flags, struct MHD_Response *answer)
{
	return MHD_start_daemon(flags | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, mhd_noop, answer,
				MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)(16 * 1024), MHD_OPTION_END);
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

struct row {
	double rate, p50, p99, cpu_us;
	int bad;
};

/* requests/s, p50/p99 over every call, server CPU per request (this process's CPU minus the
 * client threads' own) */
static struct row throughput(const char *sock, int conns)
{
	struct client *cl = calloc((size_t)conns, sizeof(*cl));
	pthread_t *th = calloc((size_t)conns, sizeof(*th));
	double *all = NULL, t0, cpu0, elapsed, client_cpu = 0;
	struct row row = {0};
	int total = 0, started = 0;
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
		row.bad += cl[i].bad;
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
	row.rate = total / elapsed;
	row.p50 = all[total / 2];
	row.p99 = all[(size_t)total * 99 / 100];
	row.cpu_us = server_cpu * 1e6 / total;
out:
	for (int i = 0; cl && i < conns; i++)
		free(cl[i].lat);
	free(cl);
	free(th);
	free(all);
	return row;
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
	int fd = dial(l->sock);
	for (long i = 0; fd >= 0 && !atomic_load(&l->stop); i++) {
		if (!bench_network_pair(fd, (unsigned long)i + 1, 1 + i % 4000, PF_PCI))
			atomic_fetch_add(&l->failures, 1);
		else
			atomic_fetch_add(&l->pairs, 1);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int loader_start(struct loader *l, pthread_t *thread)
{
	atomic_init(&l->stop, false);
	atomic_init(&l->pairs, 0);
	atomic_init(&l->failures, 0);
	return pthread_create(thread, NULL, load_networks, l);
}

struct latency {
	double p50, p99, max;
	int calls, bad;
};

/* One method back to back on one kept-alive connection for MEASURE_S. */
static struct latency measure(const char *sock, const char *method, const char *body)
{
	static double lat[MAX_SAMPLES];
	struct latency out = {0};
	int fd = dial(sock), n = 0;
	double start = now();
	while (n < MAX_SAMPLES && now() - start < MEASURE_S) {
		double t0 = now();
		if (fd < 0 || roundtrip(fd, method, body) != 200)
			out.bad++;
		lat[n++] = (now() - t0) * 1e6;
	}
	if (fd >= 0)
		close(fd);
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp_double);
	out.calls = n;
	out.p50 = lat[n / 2];
	out.p99 = lat[n * 99 / 100];
	out.max = lat[n - 1];
	return out;
}

/* ---- the servers, side by side -------------------------------------------------------------- */

enum { SRV_PLUGIN, SRV_MHD_EPOLL, SRV_MHD_THREADS, SRV_HAND, SRV_COUNT };
static const char *const server_name[SRV_COUNT] = {"plugin", "mhd-epoll", "mhd-thread", "hand-thread"};
static const char *const server_what[SRV_COUNT] = {
	"the plugin (epoll loop, constant answer)",
	"libmicrohttpd no-op, epoll internal thread",
	"libmicrohttpd no-op, thread per connection",
	"hand-written no-op, thread per connection",
};

static double median_of(double *v, int n)
{
	double copy[ROUNDS];
	memcpy(copy, v, (size_t)n * sizeof(*v));
	return median(copy, n);
}

static void throughput_table(char socks[SRV_COUNT][200])
{
	const int conns[] = {1, 16, 64};
	printf("http_bench: GetCapabilities, a client thread per kept-alive connection, %.0f s each, %d rounds "
	       "(servers in a rotating order), medians\n", MEASURE_S, ROUNDS);
	for (int s = 0; s < SRV_COUNT; s++)
		printf("  %-11s = %s\n", server_name[s], server_what[s]);
	for (size_t c = 0; c < sizeof(conns) / sizeof(conns[0]); c++) {
		double rate[SRV_COUNT][ROUNDS], p50[SRV_COUNT][ROUNDS], p99[SRV_COUNT][ROUNDS], cpu[SRV_COUNT][ROUNDS];
		int bad[SRV_COUNT] = {0};
		for (int r = 0; r < ROUNDS; r++)
			for (int k = 0; k < SRV_COUNT; k++) {
				int s = (k + r) % SRV_COUNT;
				struct row row = throughput(socks[s], conns[c]);
				rate[s][r] = row.rate;
				p50[s][r] = row.p50;
				p99[s][r] = row.p99;
				cpu[s][r] = row.cpu_us;
				bad[s] += row.bad;
			}
		for (int s = 0; s < SRV_COUNT; s++)
			printf("  %-11s %3d conn  %9.0f req/s  p50 %6.0f us  p99 %6.0f us  server CPU %5.2f us/req%s\n",
			       server_name[s], conns[c], median_of(rate[s], ROUNDS), median_of(p50[s], ROUNDS),
			       median_of(p99[s], ROUNDS), median_of(cpu[s], ROUNDS), bad[s] ? "  (some calls failed)" : "");
		double plugin = median_of(rate[SRV_PLUGIN], ROUNDS);
		printf("  %-11s %3d conn  plugin/mhd-epoll = %.0f%% (target >= 90%% at 16), plugin/mhd-thread = %.0f%%, "
		       "plugin/hand-thread = %.0f%%; plugin p99 %.0f us (target <= 1000 at 16)\n",
		       "", conns[c], 100.0 * plugin / median_of(rate[SRV_MHD_EPOLL], ROUNDS),
		       100.0 * plugin / median_of(rate[SRV_MHD_THREADS], ROUNDS),
		       100.0 * plugin / median_of(rate[SRV_HAND], ROUNDS), median_of(p99[SRV_PLUGIN], ROUNDS));
	}
}

struct probe {
	const char *label, *method, *body;
	double p50[ROUNDS], p99[ROUNDS], max[ROUNDS];
	int calls, bad;
};

static void probe_run(struct probe *p, const char *sock, int round)
{
	struct latency l = measure(sock, p->method, p->body);
	p->p50[round] = l.p50;
	p->p99[round] = l.p99;
	p->max[round] = l.max;
	p->calls += l.calls;
	p->bad += l.bad;
}

static void probe_print(struct probe *p)
{
	printf("  %-52s %7d calls  p50 %7.0f us  p99 %7.0f us  max %7.0f us%s\n", p->label, p->calls,
	       median_of(p->p50, ROUNDS), median_of(p->p99, ROUNDS), median_of(p->max, ROUNDS),
	       p->bad ? "  (some calls failed)" : "");
}

static void latency_table(const char *sock)
{
	static const char oper[] = "{\"NetworkID\":\"" SEEDED_NET "\",\"EndpointID\":\"" SEEDED_EP "\"}\n";
	struct probe idle[] = {
		{.label = "GetCapabilities, idle", .method = "NetworkDriver.GetCapabilities", .body = ""},
		{.label = "Status, idle", .method = "SriovPlugin.Status", .body = ""},
	};
	struct probe busy[] = {
		{.label = "GetCapabilities while CreateNetwork/DeleteNetwork run",
		 .method = "NetworkDriver.GetCapabilities", .body = ""},
		{.label = "EndpointOperInfo while CreateNetwork/DeleteNetwork run",
		 .method = "NetworkDriver.EndpointOperInfo", .body = oper},
		{.label = "Status while CreateNetwork/DeleteNetwork run", .method = "SriovPlugin.Status", .body = ""},
	};
	struct loader l = {.sock = sock};
	long pairs = 0, failures = 0;
	double busy_s = 0;
	printf("http_bench: latency, back to back on one kept-alive connection for %.0f s, %d rounds, medians "
	       "(target: GetCapabilities p99 <= 200 us while the pairs run)\n", MEASURE_S, ROUNDS);
	for (int r = 0; r < ROUNDS; r++) {
		pthread_t loader;
		for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
			probe_run(&idle[i], sock, r);
		if (loader_start(&l, &loader) != 0)
			continue;
		double t0 = now();
		while (atomic_load(&l.pairs) + atomic_load(&l.failures) == 0 && now() - t0 < 5) /* the load is on */
			usleep(1000);
		for (size_t i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
			probe_run(&busy[(i + (size_t)r) % 3], sock, r);
		atomic_store(&l.stop, true);
		pthread_join(loader, NULL);
		busy_s += now() - t0;
		pairs += atomic_load(&l.pairs);
		failures += atomic_load(&l.failures);
	}
	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		probe_print(&idle[i]);
	for (size_t i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
		probe_print(&busy[i]);
	printf("  (the other client meanwhile: %ld pairs in %.1f s, %ld failed)\n", pairs, busy_s, failures);
}

static void pairs_alone(const char *sock)
{
	struct loader l = {.sock = sock};
	pthread_t loader;
	if (loader_start(&l, &loader) != 0)
		return;
	double t0 = now();
	usleep((useconds_t)(2 * MEASURE_S * 1e6));
	atomic_store(&l.stop, true);
	pthread_join(loader, NULL);
	double t = now() - t0;
	printf("http_bench: CreateNetwork+DeleteNetwork pairs on one connection: %.0f pairs/s (%ld in %.2f s, "
	       "%ld failed; target >= 1000)\n",
	       atomic_load(&l.pairs) / t, atomic_load(&l.pairs), t, atomic_load(&l.failures));
}

/* Opens IDLE_CONNECTIONS connections that send nothing; prints this process's RSS and threads
 * with them open, and how many the server kept. */
static void idle_connections(const char *who, const char *sock)
{
	static int fds[IDLE_CONNECTIONS];
	long rss0 = status_kb("VmRSS");
	int threads0 = (int)status_kb("Threads"), opened = 0, kept = 0;
	for (int i = 0; i < IDLE_CONNECTIONS; i++) {
		fds[i] = -1;
		for (int tries = 0; tries < 200 && fds[i] < 0; tries++) {
			fds[i] = dial(sock);
			if (fds[i] < 0)
				usleep(1000); /* the backlog is full: the server is accepting */
		}
		opened += fds[i] >= 0;
	}
	usleep(1000 * 1000); /* accepted, and the guard done with them */
	long rss = status_kb("VmRSS");
	int threads = (int)status_kb("Threads");
	for (int i = 0; i < IDLE_CONNECTIONS; i++) {
		struct pollfd p = {.fd = fds[i], .events = POLLIN};
		kept += fds[i] >= 0 && poll(&p, 1, 0) == 0; /* not closed by the server */
	}
	printf("  %-11s %d idle connections opened, %4d kept open: RSS %+6ld kB (%ld kB), threads %+5d\n", who,
	       opened, kept, rss - rss0, rss, threads - threads0);
	for (int i = 0; i < IDLE_CONNECTIONS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	usleep(500 * 1000); /* the server closes its side */
}

/* An endpoint (and its network) for EndpointOperInfo to find; not on the loader's VLANs. */
static int seed_endpoint(struct daemon *d, sr_error *err)
{
	struct net_record net = {0};
	struct ep_record ep = {0};
	snprintf(net.id, sizeof(net.id), "%s", SEEDED_NET);
	snprintf(net.pf_pci[0], sizeof(net.pf_pci[0]), "%s", PF_PCI);
	net.cfg.vlan = 4094;
	net.cfg.pf_count = 1;
	net.cfg.spoofchk = true;
	snprintf(net.cfg.pf_spec[0], sizeof(net.cfg.pf_spec[0]), "%s", PF_PCI);
	snprintf(net.cfg.prefix, sizeof(net.cfg.prefix), "eth");
	snprintf(ep.id, sizeof(ep.id), "%s", SEEDED_EP);
	snprintf(ep.network_id, sizeof(ep.network_id), "%s", SEEDED_NET);
	snprintf(ep.pf_pci, sizeof(ep.pf_pci), "%s", PF_PCI);
	snprintf(ep.vf_pci, sizeof(ep.vf_pci), "0000:01:10.1");
	ep.vf = 1;
	memcpy(ep.mac, "\x02\x42\x0a\x09\x00\x02", 6);
	if (!state_add_net(&d->state, &net, err) || !state_add_ep(&d->state, &ep, err))
		return -1;
	return 0;
}

int main(void)
{
	static struct daemon d;
	char dir[] = "/tmp/http_bench.XXXXXX", cmd[600];
	char socks[SRV_COUNT][200];
	struct http_server *srv = NULL;
	struct MHD_Daemon *mhd[SRV_COUNT] = {NULL};
	int lfd[SRV_COUNT] = {-1, -1, -1, -1};
	pthread_t hand_thread;
	sr_error err = {0};
	int host = bench_fake_host("http_bench", dir, PF_PCI);
	if (host != 0)
		return host > 0 ? 0 : 1;
	fd_limit_raise(); /* as the daemon does: 1 000 idle connections and their server sides */
	daemon_locks_init(&d);
	d.log.level = getenv("HTTP_BENCH_LOG") ? SR_LOG_WARN : -1; /* HTTP_BENCH_LOG=1: warnings and errors on stderr */
	snprintf(d.cfg.sysfs_root, sizeof(d.cfg.sysfs_root), "%s/sys", dir);
	snprintf(d.cfg.state_dir, sizeof(d.cfg.state_dir), "%s/state", dir);
	snprintf(d.cfg.udev_dir, sizeof(d.cfg.udev_dir), "%s/no-udev", dir);
	for (int s = 0; s < SRV_COUNT; s++) {
		snprintf(socks[s], sizeof(socks[s]), "%s/%s.sock", dir, server_name[s]);
		if (unix_socket_listen(socks[s], "", &lfd[s], &err) < 0) {
			fprintf(stderr, "http_bench: %s\n", err.msg);
			return 1;
		}
	}
	if (nlk_open(&d.host.nl, &err) < 0 || state_dir_open(&d, &err) < 0 || seed_endpoint(&d, &err) < 0 ||
	    http_server_start(&d, lfd[SRV_PLUGIN], &srv, &err) < 0) {
		fprintf(stderr, "http_bench: %s\n", err.msg);
		return 1;
	}
	long rss_idle = status_kb("VmRSS"), anon_idle = status_kb("RssAnon");
	struct MHD_Response *answer = MHD_create_response_from_buffer(sizeof(NOOP_BODY) - 1, (void *)NOOP_BODY,
								      MHD_RESPMEM_PERSISTENT);
	if (answer)
		MHD_add_response_header(answer, "Content-Type", NOOP_TYPE);
	mhd[SRV_MHD_EPOLL] = answer ? mhd_noop_start(lfd[SRV_MHD_EPOLL], MHD_USE_EPOLL, answer) : NULL;
	mhd[SRV_MHD_THREADS] =
		answer ? mhd_noop_start(lfd[SRV_MHD_THREADS], MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, answer) : NULL;
	if (!mhd[SRV_MHD_EPOLL] || !mhd[SRV_MHD_THREADS] ||
	    pthread_create(&hand_thread, NULL, noop_accept, (void *)(long)lfd[SRV_HAND]) != 0) {
		fprintf(stderr, "http_bench: the no-op servers did not start\n");
		return 1;
	}

	throughput_table(socks);
	latency_table(socks[SRV_PLUGIN]);
	pairs_alone(socks[SRV_PLUGIN]);
	printf("http_bench: memory of this process (servers + bench clients): idle RSS %ld kB (RssAnon %ld kB)\n",
	       rss_idle, anon_idle);
	idle_connections(server_name[SRV_PLUGIN], socks[SRV_PLUGIN]);
	idle_connections(server_name[SRV_MHD_EPOLL], socks[SRV_MHD_EPOLL]);
	idle_connections(server_name[SRV_MHD_THREADS], socks[SRV_MHD_THREADS]);
	printf("  peak RSS %ld kB\n", status_kb("VmHWM"));

	shutdown(lfd[SRV_HAND], SHUT_RDWR);
	pthread_join(hand_thread, NULL);
	MHD_stop_daemon(mhd[SRV_MHD_EPOLL]);
	MHD_stop_daemon(mhd[SRV_MHD_THREADS]);
	MHD_destroy_response(answer);
	http_server_stop(srv);
	for (int s = 0; s < SRV_COUNT; s++)
		close(lfd[s]);
	ipam_store_close(d.ipam);
	state_free(&d.state);
	nlk_close(d.host.nl);
	daemon_locks_destroy(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
