/* state_bench: what one recorded change and a start-up cost as the recorded state grows.
 * Prints, never asserts. For 10, 1 000 and 10 000 recorded networks (each with one endpoint
 * and one pool):
 *
 *   - one change: add a network and save (what CreateNetwork persists), median of 9
 *   - one endpoint change: mark an endpoint joined and save (what Join persists), median of 9
 *   - one IPAM change: RequestPool (the store saves its pool's file and ipam.json), median of 9
 *   - start-up: load state.json + networks/ + endpoints/, ipam.json + pools/ from disk
 *   - the size of one record's file
 * The saves write one file per changed record (tmp, fsync, rename, fsync of the folder), so
 * the per-change cost should be flat. Beside them, the old whole-file design on the same data
 * ("whole-file"): state.json rewritten whole (encode, write, fsync, rename, fsync of the folder)
 * per change, and a start-up loading version 1 state.json + ipam.json. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/atomic_file.h"
#include "../ipam/ipam.h"
#include "../plugin/daemon/state.h"
#include "bench_util.h"

#define ROUNDS 9

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

static int mkdir_v1(const char *dir)
{
	char path[700];
	snprintf(path, sizeof(path), "%s.v1", dir);
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
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
		net.cfg.pf_count = 1;
		snprintf(net.pf_pci[0], sizeof(net.pf_pci[0]), "0000:%02zx:00.0", i % 256);
		snprintf(net.cfg.pf_spec[0], sizeof(net.cfg.pf_spec[0]), "%s", net.pf_pci[0]);
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
	/* the whole-file baseline: the same data as the old version wrote it */
	char *v1 = state_to_json(&st);
	snprintf(path, sizeof(path), "%s.v1/state.json", dir);
	if (!v1 || mkdir_v1(dir) < 0 || atomic_file_write(path, v1, strlen(v1), &err) < 0) {
		free(v1);
		goto out;
	}
	free(v1);
	snprintf(path, sizeof(path), "%s.v1/ipam.json", dir);
	json_t *root = json_pack("{s:i, s:I, s:O}", "version", 1, "next_id", (json_int_t)n + 1, "pools", pools);
	int written = root ? json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
	json_decref(root);
	if (written < 0) {
		sr_error_set(&err, EIO, "write %s", path);
		goto out;
	}
	/* the pools in this layout: the store converts the version 1 file (what a first start does) */
	snprintf(path, sizeof(path), "cp %s.v1/ipam.json %s/ipam.json", dir, dir);
	struct ipam_store *ipam = NULL;
	if (system(path) != 0 || ipam_store_open(dir, NULL, &ipam, &err) < 0 || ipam_store_flush(ipam, &err) < 0) {
		ipam_store_close(ipam);
		goto out;
	}
	ipam_store_close(ipam);
	/* what fill wrote goes to disk now, not during the measured changes */
	sync();
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
	char dir[] = "/var/tmp/state_bench.XXXXXX", v1_dir[64], v1_path[700], one[700];
	double change[ROUNDS], join[ROUNDS], pool_save[ROUNDS], whole[ROUNDS], t0, c0, load, load_cpu, v1_load, v1_cpu;
	struct state st, st1;
	struct ipam_store *ipam = NULL, *ipam1 = NULL;
	sr_error err = {0};
	if (!mkdtemp(dir) || fill(dir, n) < 0)
		return;
	snprintf(v1_dir, sizeof(v1_dir), "%s.v1", dir);
	snprintf(v1_path, sizeof(v1_path), "%s/state.json", v1_dir);
	/* the old layout's start-up first: then both runs find the same things in the page cache */
	t0 = now();
	c0 = process_cpu();
	if (state_open(v1_dir, &st1, &err) < 0 || ipam_store_open(v1_dir, NULL, &ipam1, &err) < 0) {
		fprintf(stderr, "open %s: %s\n", v1_dir, err.msg);
		return;
	}
	v1_load = now() - t0;
	v1_cpu = process_cpu() - c0;
	ipam_store_close(ipam1);
	t0 = now();
	c0 = process_cpu();
	if (state_open(dir, &st, &err) < 0 || ipam_store_open(dir, NULL, &ipam, &err) < 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		return;
	}
	load = now() - t0;
	load_cpu = process_cpu() - c0;
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
		/* as the Join handler does: find the record, change it, save */
		char ep_id[SPEC_ID_MAX + 1];
		memcpy(ep_id, st.eps[(size_t)r % st.ep_count].id, sizeof(ep_id));
		t0 = now();
		struct ep_record *ep = state_ep_for_change(&st, ep_id);
		ep->joined = !ep->joined;
		if (state_save(&st, &err) < 0)
			fprintf(stderr, "join: %s\n", err.msg);
		join[r] = now() - t0;
		/* the old design's cost of the same change: the whole state encoded and rewritten */
		t0 = now();
		char *text = state_to_json(&st);
		if (!text || atomic_file_write(v1_path, text, strlen(text), &err) < 0)
			fprintf(stderr, "whole-file: %s\n", err.msg);
		free(text);
		whole[r] = now() - t0;
	}
	snprintf(one, sizeof(one), "endpoints/%s.json", st.eps[0].id);
	printf("%6zu networks + endpoints + pools: CreateNetwork %6.2f ms, Join %6.2f ms, RequestPool %6.2f ms "
	       "(whole-file: %8.2f ms); start-up %7.1f ms (CPU %.1f ms; whole-file %.1f ms, CPU %.1f ms); "
	       "one endpoint %ld B, state.json whole %ld KiB\n",
	       n, median(change, ROUNDS) * 1e3, median(join, ROUNDS) * 1e3, median(pool_save, ROUNDS) * 1e3,
	       median(whole, ROUNDS) * 1e3, load * 1e3, load_cpu * 1e3, v1_load * 1e3, v1_cpu * 1e3,
	       file_size(dir, one), file_size(v1_dir, "state.json") / 1024);
	ipam_store_close(ipam);
	state_free(&st);
	state_free(&st1);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, v1_dir);
	if (getenv("KEEP")) printf("kept %s\n", dir);
	else if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	printf("state persistence (one file per record: tmp, fsync, rename, fsync of the folder), "
	       "medians of %d; whole-file = the old state.json design on the same data:\n", ROUNDS);
	if (getenv("ONLY")) { measure((size_t)atol(getenv("ONLY"))); return 0; }
	measure(10);
	measure(1000);
	measure(10000);
	return 0;
}
