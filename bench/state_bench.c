/* state_bench: what one recorded change and a start-up cost as the recorded state grows.
 * Prints, never asserts. For 10, 1 000 and 10 000 recorded networks (each with one endpoint):
 *
 *   - one change: add a network and save (what CreateNetwork persists), median of 9
 *   - one endpoint change: mark an endpoint joined and save (what Join persists), median of 9
 *   - one IPAM change: RequestPool (the store saves ipam.json), median of 9
 *   - start-up: load state.json and ipam.json (one pool per network) from disk
 *   - the files' sizes
 * The saves are whole-file (state.json and ipam.json rewritten, fsync, rename, fsync of the
 * folder), so the per-change cost grows with the state; the target is flat. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../ipam/ipam.h"
#include "../plugin/state.h"

#define ROUNDS 9

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void net_id(char *out, size_t i)
{
	snprintf(out, SPEC_ID_MAX + 1, "%064zx", i + 1);
}

static long file_size(const char *dir, const char *name)
{
	char path[700];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static int fill(const char *dir, size_t n)
{
	struct state st;
	json_t *pools = json_array();
	char path[700];
	sr_error err = {0};
	int rc = -1;
	if (!pools || state_open(dir, &st, &err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct net_record net = {0};
		struct ep_record ep = {0};
		char pool[64], gateway[64], pool_id[128];
		net_id(net.id, i);
		snprintf(net.pf_pci, sizeof(net.pf_pci), "0000:%02zx:00.0", i % 256);
		snprintf(net.cfg.pf_spec, sizeof(net.cfg.pf_spec), "%s", net.pf_pci);
		net.cfg.vlan = (unsigned)(i / 256);
		net.cfg.spoofchk = true;
		snprintf(net.cfg.prefix, sizeof(net.cfg.prefix), "eth");
		snprintf(pool, sizeof(pool), "10.%zu.%zu.0/24", i / 256, i % 256);
		snprintf(net.pool4, sizeof(net.pool4), "%s", pool);
		ep = (struct ep_record){.vf = (int)(i / 256)};
		net_id(ep.id, i + 1000000);
		memcpy(ep.network_id, net.id, sizeof(ep.network_id));
		memcpy(ep.pf_pci, net.pf_pci, sizeof(ep.pf_pci));
		snprintf(ep.address4, sizeof(ep.address4), "10.%zu.%zu.2/24", i / 256, i % 256);
		if (!state_add_net(&st, &net, &err) || !state_add_ep(&st, &ep, &err))
			goto out;
		/* ipam.json as the store writes it, built at once (the store would save N times) */
		snprintf(gateway, sizeof(gateway), "10.%zu.%zu.1-10.%zu.%zu.2", i / 256, i % 256, i / 256, i % 256);
		snprintf(pool_id, sizeof(pool_id), "sriov-%zu-10.%zu.%zu.0_24", i + 1, i / 256, i % 256);
		if (json_array_append_new(pools, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "id", pool_id,
							    "address_space", "local", "pool", pool, "sub_pool", "",
							    "exclude", "", "allocated", gateway)) < 0)
			goto out;
	}
	if (state_save(&st, &err) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	json_t *root = json_pack("{s:i, s:I, s:O}", "version", 1, "next_id", (json_int_t)n + 1, "pools", pools);
	int written = root ? json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
	json_decref(root);
	if (written < 0) {
		sr_error_set(&err, EIO, "write %s", path);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "fill %zu: %s\n", n, err.msg);
	json_decref(pools);
	state_free(&st);
	return rc;
}

static void measure(size_t n)
{
	char dir[] = "/var/tmp/state_bench.XXXXXX";
	double change[ROUNDS], join[ROUNDS], pool_save[ROUNDS], t0, c0, load, load_cpu;
	struct state st;
	struct ipam_store *ipam = NULL;
	sr_error err = {0};
	if (!mkdtemp(dir) || fill(dir, n) < 0)
		return;
	t0 = now();
	c0 = cpu_now();
	if (state_open(dir, &st, &err) < 0 || ipam_store_open(dir, NULL, &ipam, &err) < 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		return;
	}
	load = now() - t0;
	load_cpu = cpu_now() - c0;
	for (int r = 0; r < ROUNDS; r++) {
		struct ipam_pool_request req = {.address_space = "local", .pool = NULL};
		struct ipam_pool_result res;
		char pool[64];
		snprintf(pool, sizeof(pool), "172.16.%d.0/24", r);
		req.pool = pool;
		t0 = now();
		if (ipam_request_pool(ipam, &req, &res, &err) < 0)
			fprintf(stderr, "pool: %s\n", err.msg);
		pool_save[r] = now() - t0;
		struct net_record net = st.nets[0];
		net_id(net.id, n + 10 + (size_t)r);
		t0 = now();
		if (!state_add_net(&st, &net, &err) || state_save(&st, &err) < 0)
			fprintf(stderr, "change: %s\n", err.msg);
		change[r] = now() - t0;
		struct ep_record *ep = &st.eps[(size_t)r % st.ep_count];
		t0 = now();
		ep->joined = !ep->joined;
		if (state_save(&st, &err) < 0)
			fprintf(stderr, "join: %s\n", err.msg);
		join[r] = now() - t0;
	}
	printf("%6zu networks + endpoints + pools: CreateNetwork %8.2f ms, Join %8.2f ms, RequestPool %8.2f ms; "
	       "start-up load %8.1f ms (CPU %.1f ms); state.json %ld KiB, ipam.json %ld KiB\n",
	       n, median(change, ROUNDS) * 1e3, median(join, ROUNDS) * 1e3, median(pool_save, ROUNDS) * 1e3, load * 1e3, load_cpu * 1e3,
	       file_size(dir, "state.json") / 1024, file_size(dir, "ipam.json") / 1024);
	ipam_store_close(ipam);
	state_free(&st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (getenv("KEEP")) printf("kept %s\n", dir);
	else if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	printf("state persistence (state.json + ipam.json, whole-file atomic saves with fsync), "
	       "medians of %d:\n", ROUNDS);
	if (getenv("ONLY")) { measure((size_t)atol(getenv("ONLY"))); return 0; }
	measure(10);
	measure(1000);
	measure(10000);
	return 0;
}
