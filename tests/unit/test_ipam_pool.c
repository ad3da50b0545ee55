/* ipam_pool: the allocator's edges: /30 /31 /32, IPv6 /64 /126 /127 /128,
 * sub-pools, exclusions, exhaustion, static and dynamic requests, release. */
#include "../../ipam/ipam_pool.h"

#include <errno.h>
#include <stdlib.h>

#include "check.h"

static struct ipam_pool *make(const char *pool, const char *sub, const char *exclude)
{
	struct ipam_pool *p = NULL;
	sr_error err = { 0 };

	if (ipam_pool_create(pool, sub, exclude, &p, &err) < 0)
		fprintf(stderr, "setup %s: %s\n", pool, err.msg);
	return p;
}

/* Requests and returns the address as text ("" on failure, err filled). */
static const char *req(struct ipam_pool *p, const char *address, bool gw, sr_error *err)
{
	static char out[IPAM_ADDR_STR_MAX];
	struct ipam_addr a;

	sr_error_clear(err);
	if (ipam_pool_request(p, address, gw, &a, err) < 0)
		return "";
	ipam_addr_format(&a, out);
	return out;
}

static bool rel(struct ipam_pool *p, const char *address)
{
	sr_error err = { 0 };
	bool released = false;

	return ipam_pool_release(p, address, &released, &err) == 0 && released;
}

static void test_v4_small(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p;

	/* /30: network and broadcast never handed out. */
	p = make("10.0.0.0/30", NULL, NULL);
	CHECK(ipam_pool_free_count(p) == 2);
	CHECK_STR_EQ(req(p, "", false, &err), "10.0.0.1");
	CHECK_STR_EQ(req(p, "", false, &err), "10.0.0.2");
	CHECK_STR_EQ(req(p, "", false, &err), "");
	CHECK_STR_EQ(err.msg, "pool 10.0.0.0/30: no free address");
	CHECK(err.code == ENOSPC);
	CHECK_STR_EQ(req(p, "10.0.0.0", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 10.0.0.0 is the network address of pool 10.0.0.0/30");
	CHECK_STR_EQ(req(p, "10.0.0.3", true, &err), "");
	CHECK_STR_EQ(err.msg, "address 10.0.0.3 is the broadcast address of pool 10.0.0.0/30");
	CHECK(ipam_pool_allocated(p) == 2 && ipam_pool_free_count(p) == 0);
	ipam_pool_destroy(p);

	/* /31: both addresses (RFC 3021). */
	p = make("10.0.0.0/31", NULL, NULL);
	CHECK(ipam_pool_free_count(p) == 2);
	CHECK_STR_EQ(req(p, "", true, &err), "10.0.0.0");
	CHECK_STR_EQ(req(p, "", false, &err), "10.0.0.1");
	CHECK_STR_EQ(req(p, "", false, &err), "");
	CHECK_STR_EQ(err.msg, "pool 10.0.0.0/31: no free address");
	ipam_pool_destroy(p);

	/* /32: the one address. */
	p = make("10.0.0.7/32", NULL, NULL);
	CHECK_STR_EQ(req(p, "10.0.0.7", false, &err), "10.0.0.7");
	CHECK_STR_EQ(req(p, "", false, &err), "");
	CHECK(rel(p, "10.0.0.7"));
	CHECK_STR_EQ(req(p, "", false, &err), "10.0.0.7");
	ipam_pool_destroy(p);
}

static void test_v4_dynamic_and_static(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p = make("192.168.0.0/24", NULL, NULL);

	CHECK(ipam_pool_free_count(p) == 254);
	CHECK_STR_EQ(req(p, "", true, &err), "192.168.0.1");
	CHECK_STR_EQ(req(p, "", false, &err), "192.168.0.2");
	CHECK_STR_EQ(req(p, "192.168.0.3", false, &err), "192.168.0.3");
	CHECK_STR_EQ(req(p, "", false, &err), "192.168.0.4");
	CHECK_STR_EQ(req(p, "192.168.0.3", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 192.168.0.3 already allocated in pool 192.168.0.0/24");
	CHECK(err.code == EEXIST);
	CHECK_STR_EQ(req(p, "10.0.0.5", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 10.0.0.5 is not in pool 192.168.0.0/24");
	CHECK_STR_EQ(req(p, "fd00::5", false, &err), "");
	CHECK_STR_EQ(req(p, "192.168.0.x", false, &err), "");
	CHECK(err.code == EINVAL);
	/* The lowest free comes back after a release. */
	CHECK(rel(p, "192.168.0.2"));
	CHECK(!rel(p, "192.168.0.2"));   /* twice: no error, nothing freed */
	CHECK(!rel(p, "192.168.0.200")); /* never allocated */
	CHECK(!rel(p, "10.0.0.1"));      /* outside the pool */
	{
		bool released = true;

		CHECK(ipam_pool_release(p, "junk", &released, &err) == -1 && !released);
	}
	CHECK_STR_EQ(req(p, "", false, &err), "192.168.0.2");
	CHECK_STR_EQ(req(p, "192.168.0.254", false, &err), "192.168.0.254");
	CHECK(ipam_pool_allocated(p) == 5 && ipam_pool_free_count(p) == 249);
	ipam_pool_destroy(p);
}

static void test_sub_pool(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p = make("192.168.0.0/24", "192.168.0.128/28", NULL);
	int i;

	CHECK(ipam_pool_free_count(p) == 16);
	/* Dynamic gateway: first usable address of the POOL, outside the sub-pool. */
	CHECK_STR_EQ(req(p, "", true, &err), "192.168.0.1");
	CHECK_STR_EQ(req(p, "", false, &err), "192.168.0.128");
	/* Static inside and outside the sub-pool (inside the pool) both work. */
	CHECK_STR_EQ(req(p, "192.168.0.140", false, &err), "192.168.0.140");
	CHECK_STR_EQ(req(p, "192.168.0.20", false, &err), "192.168.0.20");
	CHECK_STR_EQ(req(p, "192.168.0.20", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 192.168.0.20 already allocated in pool 192.168.0.0/24");
	for (i = 0; i < 14; i++)
		CHECK(req(p, "", false, &err)[0] != '\0');
	CHECK_STR_EQ(req(p, "", false, &err), "");
	CHECK_STR_EQ(err.msg, "pool 192.168.0.128/28 (in 192.168.0.0/24): no free address");
	CHECK(ipam_pool_allocated(p) == 18 && ipam_pool_free_count(p) == 0);
	/* Releasing the out-of-window ones. */
	CHECK(rel(p, "192.168.0.20") && rel(p, "192.168.0.1"));
	CHECK(ipam_pool_allocated(p) == 16);
	CHECK_STR_EQ(req(p, "", true, &err), "192.168.0.1");
	ipam_pool_destroy(p);

	/* Sub-pool at the pool's end: the broadcast address stays out. */
	p = make("192.168.0.0/24", "192.168.0.128/25", NULL);
	CHECK(ipam_pool_free_count(p) == 127);
	for (i = 0; i < 126; i++)
		req(p, "", false, &err);
	CHECK_STR_EQ(req(p, "", false, &err), "192.168.0.254");
	CHECK_STR_EQ(req(p, "", false, &err), "");
	CHECK_STR_EQ(err.msg, "pool 192.168.0.128/25 (in 192.168.0.0/24): no free address");
	CHECK_STR_EQ(req(p, "", true, &err), "192.168.0.1");
	ipam_pool_destroy(p);

	CHECK(ipam_pool_create("192.168.0.0/24", "192.168.1.0/25", NULL, &p, &err) == -1);
	CHECK_STR_EQ(err.msg, "sub-pool 192.168.1.0/25 is not inside pool 192.168.0.0/24");
	CHECK(ipam_pool_create("192.168.0.0/24", "192.168.0.0/23", NULL, &p, &err) == -1);
	CHECK(ipam_pool_create("192.168.0.0/24", "192.168.0.1/25", NULL, &p, &err) == -1);
	CHECK_STR_EQ(err.msg, "sub-pool: 192.168.0.1/25: host bits set");
	CHECK(ipam_pool_create("192.168.0.1/24", NULL, NULL, &p, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool: 192.168.0.1/24: host bits set");
	CHECK(ipam_pool_create("10.0.0.0/8", "fd00::/64", NULL, &p, &err) == -1);
}

static void test_exclusions(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p = make("192.168.0.0/24", NULL, " 192.168.0.130,192.168.0.1, 192.168.0.2-192.168.0.4,192.168.0.3");

	CHECK_STR_EQ(ipam_pool_exclude_spec(p), "192.168.0.1-192.168.0.4,192.168.0.130");
	CHECK(ipam_pool_free_count(p) == 254 - 5);
	/* Dynamic gateway and endpoints skip exclusions. */
	CHECK_STR_EQ(req(p, "", true, &err), "192.168.0.5");
	CHECK_STR_EQ(req(p, "", false, &err), "192.168.0.6");
	CHECK_STR_EQ(req(p, "192.168.0.130", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 192.168.0.130 is excluded in pool 192.168.0.0/24");
	CHECK_STR_EQ(req(p, "192.168.0.3", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 192.168.0.3 is excluded in pool 192.168.0.0/24");
	/* An explicit gateway wins over an exclusion. */
	CHECK_STR_EQ(req(p, "192.168.0.1", true, &err), "192.168.0.1");
	CHECK_STR_EQ(req(p, "192.168.0.1", true, &err), "");
	CHECK_STR_EQ(err.msg, "address 192.168.0.1 already allocated in pool 192.168.0.0/24");
	CHECK(ipam_pool_allocated(p) == 3);
	CHECK(ipam_pool_free_count(p) == 254 - 5 - 2);
	CHECK(rel(p, "192.168.0.1"));
	CHECK(ipam_pool_free_count(p) == 254 - 5 - 2);
	ipam_pool_destroy(p);

	/* Exclusions that fill the whole dynamic range exhaust it. */
	p = make("10.0.0.0/29", NULL, "10.0.0.0-10.0.0.7");
	CHECK(ipam_pool_free_count(p) == 0);
	CHECK_STR_EQ(req(p, "", false, &err), "");
	CHECK_STR_EQ(err.msg, "pool 10.0.0.0/29: no free address");
	CHECK_STR_EQ(req(p, "", true, &err), "");
	CHECK_STR_EQ(req(p, "10.0.0.6", true, &err), "10.0.0.6");
	ipam_pool_destroy(p);

	CHECK(ipam_pool_create("192.168.0.0/24", NULL, "10.0.0.1", &p, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool 192.168.0.0/24: exclude: 10.0.0.1: not in pool 192.168.0.0/24");
	CHECK(ipam_pool_create("192.168.0.0/24", NULL, "192.168.0.9-192.168.0.2", &p, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool 192.168.0.0/24: exclude: 192.168.0.9-192.168.0.2: range end before its start");
	CHECK(ipam_pool_create("192.168.0.0/24", NULL, "192.168.0.9,,192.168.0.2", &p, &err) == -1);
	CHECK(ipam_pool_create("192.168.0.0/24", NULL, "192.168.0.9-", &p, &err) == -1);
	CHECK(ipam_pool_create("192.168.0.0/24", NULL, "nonsense", &p, &err) == -1);
}

static void test_v6(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p = make("fd00::/64", NULL, NULL);

	/* The dynamic window of a /64 is its first 2^20 addresses minus the anycast one. */
	CHECK(ipam_pool_free_count(p) == IPAM_WINDOW_MAX_V6 - 1);
	CHECK_STR_EQ(req(p, "", true, &err), "fd00::1");
	CHECK_STR_EQ(req(p, "", false, &err), "fd00::2");
	CHECK_STR_EQ(req(p, "fd00::", false, &err), "");
	CHECK_STR_EQ(err.msg, "address fd00:: is the subnet-router anycast address of pool fd00::/64");
	/* Static far outside the window still works, once. */
	CHECK_STR_EQ(req(p, "fd00::ffff:ffff:ffff:ffff", false, &err), "fd00::ffff:ffff:ffff:ffff");
	CHECK_STR_EQ(req(p, "fd00::ffff:ffff:ffff:ffff", false, &err), "");
	CHECK_STR_EQ(err.msg, "address fd00::ffff:ffff:ffff:ffff already allocated in pool fd00::/64");
	CHECK_STR_EQ(req(p, "fd00::1:0:0:0", false, &err), "fd00::1:0:0:0");
	CHECK(ipam_pool_allocated(p) == 4);
	CHECK(ipam_pool_free_count(p) == IPAM_WINDOW_MAX_V6 - 3);
	CHECK(ipam_pool_memory(p) < 64 * 1024);
	CHECK(rel(p, "fd00::ffff:ffff:ffff:ffff"));
	CHECK(ipam_pool_allocated(p) == 3);
	CHECK_STR_EQ(req(p, "fd00:0:0:1::1", false, &err), "");
	CHECK_STR_EQ(req(p, "10.0.0.1", false, &err), "");
	ipam_pool_destroy(p);

	/* /126: four addresses, the anycast one never handed out. */
	p = make("fd00::/126", NULL, NULL);
	CHECK(ipam_pool_free_count(p) == 3);
	CHECK_STR_EQ(req(p, "", true, &err), "fd00::1");
	CHECK_STR_EQ(req(p, "", false, &err), "fd00::2");
	CHECK_STR_EQ(req(p, "", false, &err), "fd00::3");
	CHECK_STR_EQ(req(p, "", false, &err), "");
	CHECK_STR_EQ(err.msg, "pool fd00::/126: no free address");
	ipam_pool_destroy(p);

	/* /127 and /128 use every address. */
	p = make("fd00::/127", NULL, NULL);
	CHECK_STR_EQ(req(p, "", false, &err), "fd00::");
	CHECK_STR_EQ(req(p, "", false, &err), "fd00::1");
	CHECK_STR_EQ(req(p, "", false, &err), "");
	ipam_pool_destroy(p);
	p = make("fd00::9/128", NULL, NULL);
	CHECK_STR_EQ(req(p, "", true, &err), "fd00::9");
	ipam_pool_destroy(p);

	/* IPv6 sub-pool and exclusions. */
	p = make("fd00:1::/64", "fd00:1::100/120", "fd00:1::100-fd00:1::101");
	CHECK_STR_EQ(req(p, "", true, &err), "fd00:1::1");
	CHECK_STR_EQ(req(p, "", false, &err), "fd00:1::102");
	CHECK(ipam_pool_free_count(p) == 256 - 2 - 1);
	ipam_pool_destroy(p);
}

static void test_big_v4(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p = make("10.0.0.0/8", NULL, NULL);

	/* A /8 is fully inside the dynamic window; empty, it costs little. */
	CHECK(ipam_pool_free_count(p) == (1u << 24) - 2);
	CHECK(ipam_pool_memory(p) < 64 * 1024);
	CHECK_STR_EQ(req(p, "10.255.255.254", false, &err), "10.255.255.254");
	CHECK_STR_EQ(req(p, "10.255.255.255", false, &err), "");
	CHECK_STR_EQ(req(p, "", false, &err), "10.0.0.1");
	ipam_pool_destroy(p);
}

static void test_runs(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p = make("10.1.0.0/24", "10.1.0.64/26", NULL);
	struct ipam_range run;
	char text[IPAM_RANGE_STR_MAX];
	int i;

	req(p, "", true, &err); /* .1, outside the window */
	for (i = 0; i < 5; i++)
		req(p, "", false, &err); /* .64-.68 */
	req(p, "10.1.0.70", false, &err);
	req(p, "10.1.0.200", false, &err);
	CHECK(ipam_pool_next_run(p, 0, &run));
	ipam_pool_format_range(p, &run, text);
	CHECK_STR_EQ(text, "10.1.0.1");
	CHECK(ipam_pool_next_run(p, run.hi + 1, &run));
	ipam_pool_format_range(p, &run, text);
	CHECK_STR_EQ(text, "10.1.0.64-10.1.0.68");
	CHECK(ipam_pool_next_run(p, run.hi + 1, &run));
	ipam_pool_format_range(p, &run, text);
	CHECK_STR_EQ(text, "10.1.0.70");
	CHECK(ipam_pool_next_run(p, run.hi + 1, &run));
	ipam_pool_format_range(p, &run, text);
	CHECK_STR_EQ(text, "10.1.0.200");
	CHECK(!ipam_pool_next_run(p, run.hi + 1, &run));
	/* Marking (the loader's path) refuses reserved addresses. */
	run.lo = 250, run.hi = 255;
	CHECK(ipam_pool_mark_range(p, &run, &err) == -1);
	CHECK_STR_EQ(err.msg, "address 10.1.0.255 is the broadcast address");
	ipam_pool_destroy(p);
}

static void test_cycles(void)
{
	sr_error err = { 0 };
	struct ipam_pool *p = make("172.20.0.0/16", "172.20.8.0/21", NULL);
	size_t empty_mem = ipam_pool_memory(p), empty_free = ipam_pool_free_count(p);
	char held[8][IPAM_ADDR_STR_MAX];
	int cycle, i, ok = 1;

	for (cycle = 0; cycle < 1000; cycle++) {
		for (i = 0; i < 8; i++) {
			const char *a = req(p, (cycle + i) % 3 ? "" : NULL, i == 0, &err);

			if (!a[0])
				ok = 0;
			snprintf(held[i], sizeof(held[i]), "%s", a);
		}
		for (i = 7; i >= 0; i--)
			if (!rel(p, held[i]))
				ok = 0;
	}
	CHECK(ok);
	CHECK(ipam_pool_allocated(p) == 0);
	CHECK(ipam_pool_free_count(p) == empty_free);
	CHECK(ipam_pool_memory(p) == empty_mem);
	CHECK_STR_EQ(req(p, "", false, &err), "172.20.8.0");
	ipam_pool_destroy(p);
}

static bool excluded_off(int k)
{
	return (k >= 8192 && k <= 8201) || (k >= 9216 && k <= 9471);
}

/* Random requests and releases against a plain array model: the dynamic
 * answer is always the model's lowest free usable address (checks the
 * lowest-free hint), across chunk boundaries of the bitmap. */
static void test_against_model(void)
{
	enum { N = 16384, SUB_LO = 8192, SUB_HI = 16383 }; /* 10.64.0.0/18, sub 10.64.32.0/19 at its end */
	static bool taken[N];
	struct ipam_pool *p = make("10.64.0.0/18", "10.64.32.0/19", "10.64.32.0-10.64.32.9,10.64.36.0-10.64.36.255");
	sr_error err = { 0 };
	unsigned seed = 12345;
	int i, bad = 0, ops = 60000;

	memset(taken, 0, sizeof(taken));
	for (i = 0; i < ops && p; i++) {
		unsigned r, off;
		char text[IPAM_ADDR_STR_MAX];

		seed = seed * 1103515245u + 12345u;
		r = (seed >> 8) % 100;
		if (r < 55) { /* dynamic */
			int want = -1, k;

			for (k = SUB_LO; k <= SUB_HI && want < 0; k++)
				if (!taken[k] && !excluded_off(k) && k != N - 1)
					want = k;
			snprintf(text, sizeof(text), "%s", req(p, "", false, &err));
			if (want < 0) {
				bad += text[0] != '\0';
			} else {
				char w[IPAM_ADDR_STR_MAX];

				snprintf(w, sizeof(w), "10.64.%d.%d", want / 256, want % 256);
				bad += strcmp(text, w) != 0;
				taken[want] = true;
			}
		} else {
			off = 1 + (seed >> 12) % (N - 2);
			snprintf(text, sizeof(text), "10.64.%u.%u", off / 256, off % 256);
			if (r < 65) { /* static, anywhere in the pool */
				bool excluded = excluded_off((int)off);
				bool ok = req(p, text, false, &err)[0] != '\0';

				bad += ok != (!taken[off] && !excluded);
				if (ok)
					taken[off] = true;
			} else { /* release, also of free ones */
				bad += rel(p, text) != taken[off];
				taken[off] = false;
			}
		}
	}
	CHECK(p != NULL);
	CHECK(bad == 0);
	{
		size_t n = 0;

		for (i = 0; i < N; i++)
			n += taken[i];
		CHECK(p && ipam_pool_allocated(p) == n);
	}
	ipam_pool_destroy(p);
}

int main(void)
{
	test_v4_small();
	test_v4_dynamic_and_static();
	test_sub_pool();
	test_exclusions();
	test_v6();
	test_big_v4();
	test_runs();
	test_cycles();
	test_against_model();
	return check_summary("ipam_pool");
}
