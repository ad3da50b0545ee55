/* ipam_bench: figures for the IPAM allocator and its store. Prints, never asserts.
 *
 *   - dynamic allocations/s and releases/s filling a /16 (in memory)
 *   - memory of a /16 and a /8 pool, empty and full: our own accounting and
 *     the growth of the process's peak RSS (getrusage ru_maxrss)
 *   - persistence: a RequestAddress through the store (one atomic save with
 *     fsync), loading and saving a /16 stored as one run and as 32767 runs */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../ipam/ipam.h"
#include "../ipam/ipam_pool.h"
#include "bench_util.h"

static long maxrss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static struct ipam_pool *make_pool(const char *cidr)
{
	struct ipam_pool *p = NULL;
	sr_error err = { 0 };

	if (ipam_pool_create(cidr, NULL, NULL, &p, &err) < 0) {
		fprintf(stderr, "ipam_bench: %s\n", err.msg);
		exit(1);
	}
	return p;
}

/* Fills the pool dynamically; returns the number of addresses taken. */
static size_t fill(struct ipam_pool *p)
{
	struct ipam_addr a;
	sr_error err = { 0 };
	size_t n = 0;

	while (ipam_pool_request(p, "", false, &a, &err) == 0)
		n++;
	return n;
}

static void bench_alloc_rate(void)
{
	struct ipam_pool *p = make_pool("10.16.0.0/16");
	const struct ipam_prefix *prefix = ipam_pool_prefix(p);
	double t0, t1, t2;
	size_t n = 0, i;
	int round;

	t1 = t2 = t0 = now();
	for (round = 0; round < 5; round++) {
		double a = now(), b;

		n = fill(p);
		b = now();
		for (i = 1; i <= n; i++) {
			struct ipam_addr addr = ipam_prefix_addr_at(prefix, i);

			ipam_pool_unmark(p, &addr);
		}
		t1 += b - a;
		t2 += now() - b;
	}
	t1 -= t0;
	t2 -= t0;
	printf("alloc  /16: %zu dynamic allocations x5 in %.3f s = %.0f allocations/s\n", n, t1, 5.0 * (double)n / t1);
	printf("alloc  /16: %zu releases x5 in %.3f s = %.0f releases/s\n", n, t2, 5.0 * (double)n / t2);
	ipam_pool_destroy(p);
}

static void bench_memory(const char *cidr)
{
	long rss0 = maxrss_kib(), rss1;
	struct ipam_pool *p = make_pool(cidr);
	size_t empty = ipam_pool_memory(p), n;
	double t0 = now();

	n = fill(p);
	rss1 = maxrss_kib();
	printf("memory %-12s empty %zu bytes, full (%zu addresses, filled in %.2f s) %zu bytes (own accounting); "
	       "peak RSS grew %ld KiB\n",
	       cidr, empty, n, now() - t0, ipam_pool_memory(p), rss1 - rss0);
	ipam_pool_destroy(p);
}

static void bench_v6_memory(void)
{
	struct ipam_pool *p = make_pool("fd00::/64");

	printf("memory %-12s empty %zu bytes (dynamic window: first %llu addresses)\n", "fd00::/64",
	       ipam_pool_memory(p), (unsigned long long)IPAM_WINDOW_MAX_V6);
	ipam_pool_destroy(p);
}

/* Writes an ipam.json holding one 10.20.0.0/16 pool with the given runs. */
static int write_state(const char *path, bool fragmented)
{
	json_t *root = json_object(), *pools = json_array(), *pool = json_object(), *alloc = json_array();
	char text[64];
	int i, rc;

	if (fragmented) {
		for (i = 1; i < 65535; i += 2) {
			snprintf(text, sizeof(text), "10.20.%d.%d", i / 256, i % 256);
			json_array_append_new(alloc, json_string(text));
		}
	} else {
		json_array_append_new(alloc, json_string("10.20.0.1-10.20.255.254"));
	}
	json_object_set_new(pool, "id", json_string("bench"));
	json_object_set_new(pool, "address_space", json_string("local"));
	json_object_set_new(pool, "pool", json_string("10.20.0.0/16"));
	json_object_set_new(pool, "allocated", alloc);
	json_array_append_new(pools, pool);
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "next_id", json_integer(2));
	json_object_set_new(root, "pools", pools);
	rc = json_dump_file(root, path, JSON_INDENT(2));
	json_decref(root);
	return rc;
}

static void bench_persistence(void)
{
	char dir[] = "/tmp/ipam_bench.XXXXXX", path[128], out[IPAM_CIDR_MAX];
	struct ipam_store *s = NULL;
	struct ipam_pool_result res;
	struct ipam_pool_request req = { .address_space = "local", .pool = "10.30.0.0/16", .sub_pool = "" };
	sr_error err = { 0 };
	double t0, t1;
	int i, n = 200;

	if (!mkdtemp(dir)) {
		perror("ipam_bench: mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	if (ipam_store_open(dir, NULL, &s, &err) < 0 || ipam_request_pool(s, &req, &res, &err) < 0) {
		fprintf(stderr, "ipam_bench: %s\n", err.msg);
		exit(1);
	}
	t0 = now();
	for (i = 0; i < n; i++)
		if (ipam_request_address(s, res.pool_id, "", false, out, &err) < 0)
			break;
	t1 = now();
	printf("persist: %d RequestAddress (each an atomic save + fsync) in %.3f s = %.2f ms each\n", i, t1 - t0,
	       (t1 - t0) * 1000.0 / i);
	ipam_store_close(s);

	for (i = 0; i < 2; i++) {
		bool fragmented = i == 1;
		struct stat st;

		unlink(path);
		write_state(path, fragmented);
		if (stat(path, &st) < 0)
			st.st_size = -1;
		t0 = now();
		if (ipam_store_open(dir, NULL, &s, &err) < 0) {
			fprintf(stderr, "ipam_bench: %s\n", err.msg);
			exit(1);
		}
		t1 = now();
		/* Open saves once; time one more save through a change. */
		ipam_release_address(s, "bench", "10.20.0.1", &err);
		printf("persist: /16 stored as %s (%lld bytes): open (load) %.2f ms, release + save %.2f ms\n",
		       fragmented ? "32767 runs" : "one run", (long long)st.st_size, (t1 - t0) * 1000.0,
		       (now() - t1) * 1000.0);
		ipam_store_close(s);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	bench_alloc_rate();
	bench_memory("10.16.0.0/16");
	bench_memory("10.0.0.0/8");
	bench_v6_memory();
	bench_persistence();
	return 0;
}
