/* ipam_store: RequestPool/ReleasePool/RequestAddress/ReleaseAddress semantics,
 * default pool selection, persistence across reopen, corrupt files, atomic save. */
#include "../../ipam/ipam.h"
#include "../../ipam/ipam_store_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char dir[64];
static char path[128];
static char tmp_path[128];

static struct ipam_store *open_store(const char *defaults)
{
	struct ipam_store *s = NULL;
	sr_error err = { 0 };

	if (ipam_store_open(dir, defaults, &s, &err) < 0)
		fprintf(stderr, "open: %s\n", err.msg);
	return s;
}

static int pool(struct ipam_store *s, const char *space, const char *cidr, const char *sub, const char *excl,
		bool v6, struct ipam_pool_result *out, sr_error *err)
{
	struct ipam_pool_request r = { .address_space = space, .pool = cidr, .sub_pool = sub, .exclude = excl, .v6 = v6 };

	sr_error_clear(err);
	memset(out, 0, sizeof(*out));
	return ipam_request_pool(s, &r, out, err);
}

static const char *addr(struct ipam_store *s, const char *id, const char *address, bool gw, sr_error *err)
{
	static char out[IPAM_CIDR_MAX];

	sr_error_clear(err);
	if (ipam_request_address(s, id, address, gw, out, err) < 0)
		return "";
	return out;
}

static bool id_chars_ok(const char *id)
{
	return id[0] && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(id);
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_pools(void)
{
	struct ipam_store *s = open_store("10.50.0.0/16, 10.51.0.0/16,fd01::/64");
	struct ipam_pool_result a, b, c, d;
	sr_error err = { 0 };

	CHECK(s != NULL);
	if (!s)
		return;
	/* nothing written at open (a full disk must not stop a start); the new store is pending */
	CHECK(access(path, F_OK) == -1 && errno == ENOENT);
	CHECK(!ipam_store_loaded(s) && ipam_store_pending(s));
	CHECK(ipam_store_flush(s, &err) == 0 && access(path, F_OK) == 0 && !ipam_store_pending(s));
	CHECK(pool(s, "local", "10.1.0.0/16", "", NULL, false, &a, &err) == 0);
	CHECK_STR_EQ(a.pool, "10.1.0.0/16");
	CHECK_STR_EQ(a.pool_id, "sriov-1-10.1.0.0_16");
	/* a replay (same request, no address handed out yet): the same PoolID, nothing new */
	CHECK(pool(s, "local", "10.1.0.0/16", "", NULL, false, &b, &err) == 0);
	CHECK_STR_EQ(b.pool_id, a.pool_id);
	CHECK_STR_EQ(b.pool, "10.1.0.0/16");
	CHECK(ipam_store_count(s) == 1);
	/* once dockerd asked for the gateway it had the answer: the same request is another network */
	CHECK_STR_EQ(addr(s, a.pool_id, "", true, &err), "10.1.0.1/16");
	CHECK(pool(s, "local", "10.1.0.0/16", "", NULL, false, &b, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool 10.1.0.0/16 overlaps pool 10.1.0.0/16 already in use");
	CHECK(err.code == EEXIST);
	CHECK(pool(s, "local", "10.1.2.0/24", "", NULL, false, &b, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool 10.1.2.0/24 overlaps pool 10.1.0.0/16 already in use");
	CHECK(pool(s, "local", "10.0.0.0/8", "", NULL, false, &b, &err) == -1);
	/* Another address space may reuse the range. */
	CHECK(pool(s, "global", "10.1.0.0/16", "", NULL, false, &b, &err) == 0);
	CHECK(strcmp(a.pool_id, b.pool_id) != 0);
	CHECK(pool(s, "local", "10.2.0.0/16", "", NULL, true, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool 10.2.0.0/16 is IPv4 but V6 is true");
	CHECK(pool(s, "local", "fd02::/64", "", NULL, false, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool fd02::/64 is IPv6 but V6 is false");
	CHECK(pool(s, "local", "10.2.0.1/16", "", NULL, false, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "pool: 10.2.0.1/16: host bits set");
	CHECK(pool(s, "local", "10.2.0.0/16", "10.3.0.0/24", NULL, false, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "sub-pool 10.3.0.0/24 is not inside pool 10.2.0.0/16");
	CHECK(pool(s, "local", "", "10.3.0.0/24", NULL, false, &c, &err) == -1);
	CHECK(pool(s, "local", "fd02::/64", NULL, NULL, true, &c, &err) == 0);
	CHECK_STR_EQ(c.pool_id, "sriov-3-fd02--_64"); /* failed requests take no ID */
	CHECK(id_chars_ok(c.pool_id));

	/* Release: unknown IDs and repeats are fine; IDs are never reused. */
	CHECK(ipam_release_pool(s, "no-such-pool", &err) == 0);
	CHECK(ipam_release_pool(s, a.pool_id, &err) == 0);
	CHECK(ipam_release_pool(s, a.pool_id, &err) == 0);
	CHECK(pool(s, "local", "10.1.0.0/16", "", NULL, false, &d, &err) == 0);
	CHECK_STR_EQ(d.pool_id, "sriov-4-10.1.0.0_16");
	CHECK(ipam_store_count(s) == 3);
	CHECK_STR_EQ(ipam_store_pool_id(s, 0), b.pool_id);
	CHECK(ipam_store_pool_id(s, 3) == NULL);
	ipam_store_close(s);
}

static void test_default_pools(void)
{
	struct ipam_store *s = open_store("10.50.0.0/16,10.51.0.0/16,10.52.0.0/16,fd01::/64");
	struct ipam_pool_result a, b, c, x, v6;
	sr_error err = { 0 };

	/* dockerd holds each rejected pool while asking again: each answer differs. */
	CHECK(pool(s, "local", "", "", NULL, false, &a, &err) == 0);
	CHECK_STR_EQ(a.pool, "10.50.0.0/16");
	/* A pool held explicitly (in any address space) is skipped too. */
	CHECK(pool(s, "global", "10.51.4.0/24", "", NULL, false, &x, &err) == 0);
	CHECK(pool(s, "local", NULL, NULL, NULL, false, &b, &err) == 0);
	CHECK_STR_EQ(b.pool, "10.52.0.0/16");
	CHECK(pool(s, "local", "", "", NULL, false, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "no free default pool (tried: 10.50.0.0/16, 10.51.0.0/16, 10.52.0.0/16)");
	CHECK(err.code == ENOSPC);
	CHECK(pool(s, "local", "", "", NULL, true, &v6, &err) == 0);
	CHECK_STR_EQ(v6.pool, "fd01::/64");
	CHECK(pool(s, "local", "", "", NULL, true, &c, &err) == -1);
	CHECK_STR_EQ(err.msg, "no free default pool (tried: fd01::/64)");
	/* dockerd releases the rejected ones; the first comes back. */
	CHECK(ipam_release_pool(s, a.pool_id, &err) == 0);
	CHECK(pool(s, "local", "", "", NULL, false, &c, &err) == 0);
	CHECK_STR_EQ(c.pool, "10.50.0.0/16");
	CHECK(strcmp(c.pool_id, a.pool_id) != 0);
	ipam_store_close(s);
}

static void test_builtin_defaults(void)
{
	struct ipam_store *s = NULL;
	struct ipam_pool_result a, b;
	sr_error err = { 0 };

	CHECK(ipam_store_open(dir, "10.0.0.0/8,bogus", &s, &err) == -1);
	CHECK_STR_EQ(err.msg, "default pools: prefix bogus: missing /length");
	CHECK(ipam_store_open(dir, " , ", &s, &err) == -1);
	s = open_store(NULL);
	CHECK(pool(s, "local", "", "", NULL, false, &a, &err) == 0);
	CHECK_STR_EQ(a.pool, "10.200.0.0/16");
	CHECK(pool(s, "local", "", "", NULL, true, &b, &err) == 0);
	CHECK_STR_EQ(b.pool, "fd5e:2f0a:70c5::/64");
	CHECK(id_chars_ok(b.pool_id));
	CHECK(ipam_release_pool(s, a.pool_id, &err) == 0 && ipam_release_pool(s, b.pool_id, &err) == 0);
	ipam_store_close(s);
}

static void test_addresses_and_reopen(void)
{
	struct ipam_store *s = open_store(NULL);
	struct ipam_pool_result p4, p6, gone;
	char id4[IPAM_POOL_ID_MAX + 1], id6[IPAM_POOL_ID_MAX + 1];
	char cidr[IPAM_CIDR_MAX], sub[IPAM_CIDR_MAX], cidr2[IPAM_CIDR_MAX], sub2[IPAM_CIDR_MAX];
	size_t alloc = 0, freec = 0, alloc2 = 1, free2 = 1;
	sr_error err = { 0 };

	CHECK(pool(s, "local", "10.9.0.0/16", "10.9.1.0/24", "10.9.1.5,10.9.1.1-10.9.1.2", false, &p4, &err) == 0);
	CHECK(pool(s, "local", "fd00:9::/64", "", NULL, true, &p6, &err) == 0);
	CHECK(pool(s, "local", "10.8.0.0/16", "", NULL, false, &gone, &err) == 0);
	snprintf(id4, sizeof(id4), "%s", p4.pool_id);
	snprintf(id6, sizeof(id6), "%s", p6.pool_id);
	CHECK_STR_EQ(addr(s, id4, "", true, &err), "10.9.0.1/16");
	CHECK_STR_EQ(addr(s, id4, "", false, &err), "10.9.1.0/16");
	CHECK_STR_EQ(addr(s, id4, "", false, &err), "10.9.1.3/16");
	CHECK_STR_EQ(addr(s, id4, "10.9.1.4", false, &err), "10.9.1.4/16");
	CHECK_STR_EQ(addr(s, id4, "10.9.7.7", false, &err), "10.9.7.7/16");
	CHECK_STR_EQ(addr(s, id4, "10.9.1.5", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 10.9.1.5 is excluded in pool 10.9.0.0/16");
	CHECK_STR_EQ(addr(s, id6, "", true, &err), "fd00:9::1/64");
	CHECK_STR_EQ(addr(s, id6, "fd00:9::abcd:0:0:1", false, &err), "fd00:9::abcd:0:0:1/64");
	CHECK_STR_EQ(addr(s, "sriov-999-x", "", false, &err), "");
	CHECK(err.code == ENOENT);
	CHECK_STR_EQ(err.msg, "pool ID sriov-999-x: no such pool");
	/* Releases of unknown pools and unallocated addresses succeed (Docker repeats). */
	CHECK(ipam_release_address(s, "sriov-999-x", "10.9.1.0", &err) == 0);
	CHECK(ipam_release_address(s, id4, "10.9.200.1", &err) == 0);
	CHECK(ipam_release_address(s, id4, "10.9.1.3", &err) == 0);
	CHECK(ipam_release_address(s, id4, "10.9.1.3", &err) == 0);
	CHECK(ipam_release_address(s, id4, "not-an-ip", &err) == -1);
	CHECK(ipam_release_pool(s, gone.pool_id, &err) == 0);
	CHECK(ipam_pool_info(s, id4, cidr, sub, &alloc, &freec, &err) == 0);
	CHECK_STR_EQ(cidr, "10.9.0.0/16");
	CHECK_STR_EQ(sub, "10.9.1.0/24");
	CHECK(alloc == 4);
	CHECK(freec == 256 - 3 - 2); /* .0 and .4 taken, .1 .2 .5 excluded */
	CHECK(ipam_pool_info(s, "nope", cidr, sub, &alloc, &freec, &err) == -1 && err.code == ENOENT);
	CHECK(access(tmp_path, F_OK) == -1 && errno == ENOENT);
	ipam_store_close(s);

	/* The file says what we hold, readably. */
	{
		json_error_t jerr;
		json_t *root = json_load_file(path, 0, &jerr);
		json_t *p0 = json_array_get(json_object_get(root, "pools"), 0);
		json_t *al = json_object_get(p0, "allocated");

		CHECK(root != NULL);
		CHECK(json_integer_value(json_object_get(root, "version")) == 1);
		CHECK(json_array_size(json_object_get(root, "pools")) == 2);
		CHECK_STR_EQ(json_string_value(json_object_get(p0, "id")), id4);
		CHECK_STR_EQ(json_string_value(json_object_get(p0, "sub_pool")), "10.9.1.0/24");
		CHECK_STR_EQ(json_string_value(json_object_get(p0, "exclude")), "10.9.1.1-10.9.1.2,10.9.1.5");
		CHECK(json_array_size(al) == 4);
		CHECK_STR_EQ(json_string_value(json_array_get(al, 0)), "10.9.0.1");
		CHECK_STR_EQ(json_string_value(json_array_get(al, 1)), "10.9.1.0");
		CHECK_STR_EQ(json_string_value(json_array_get(al, 2)), "10.9.1.4");
		CHECK_STR_EQ(json_string_value(json_array_get(al, 3)), "10.9.7.7");
		json_decref(root);
	}

	/* "Restart": the same allocations, no double hand-out. */
	s = open_store(NULL);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(ipam_store_count(s) == 2);
	CHECK(ipam_pool_info(s, id4, cidr2, sub2, &alloc2, &free2, &err) == 0);
	CHECK_STR_EQ(cidr2, cidr);
	CHECK_STR_EQ(sub2, sub);
	CHECK(alloc2 == alloc && free2 == freec);
	CHECK_STR_EQ(addr(s, id4, "", true, &err), "10.9.0.2/16");
	CHECK_STR_EQ(addr(s, id4, "", false, &err), "10.9.1.3/16");
	CHECK_STR_EQ(addr(s, id4, "", false, &err), "10.9.1.6/16");
	CHECK_STR_EQ(addr(s, id4, "10.9.7.7", false, &err), "");
	CHECK_STR_EQ(err.msg, "address 10.9.7.7 already allocated in pool 10.9.0.0/16");
	CHECK_STR_EQ(addr(s, id4, "10.9.1.5", false, &err), "");
	CHECK_STR_EQ(addr(s, id6, "", false, &err), "fd00:9::2/64");
	CHECK_STR_EQ(addr(s, id6, "fd00:9::abcd:0:0:1", false, &err), "");
	CHECK(pool(s, "local", "10.8.0.0/16", "", NULL, false, &gone, &err) == 0);
	CHECK_STR_EQ(gone.pool_id, "sriov-4-10.8.0.0_16"); /* next_id survived */
	CHECK(ipam_release_pool(s, id4, &err) == 0 && ipam_release_pool(s, id6, &err) == 0);
	CHECK(ipam_release_pool(s, gone.pool_id, &err) == 0);
	ipam_store_close(s);
}

static void test_corrupt(void)
{
	struct ipam_store *s = NULL;
	sr_error err = { 0 };
	char want[512];
	struct stat st;

	const char *truncated = "{\"version\": 1, \"next_id\": 1, \"pools\": [";

	write_file(truncated);
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && s == NULL);
	snprintf(want, sizeof(want), "IPAM state %s: line ", path);
	CHECK(strncmp(err.msg, want, strlen(want)) == 0);
	CHECK(err.code == EINVAL);
	/* The file is left alone for a human to look at. */
	CHECK(stat(path, &st) == 0 && st.st_size == (off_t)strlen(truncated));

	write_file("{\"version\": 2, \"next_id\": 1, \"pools\": []}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	snprintf(want, sizeof(want), "IPAM state %s: version: missing or not 1", path);
	CHECK_STR_EQ(err.msg, want);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"pool\": \"10.9.0.0/24\","
		   " \"allocated\": [\"10.9.0.1\", \"10.9.9.9\"]}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	snprintf(want, sizeof(want),
		 "IPAM state %s: pools[0]: pool p1: allocated[1]: 10.9.9.9: not in pool 10.9.0.0/24", path);
	CHECK_STR_EQ(err.msg, want);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"a/b\", \"pool\": \"10.9.0.0/24\"}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "id a/b: not a valid pool ID") != NULL);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"pool\": \"10.9.0.0/24\", "
		   "\"allocated\": []}, {\"id\": \"p1\", \"pool\": \"10.8.0.0/24\", \"allocated\": []}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "pools[1]: id p1: duplicate") != NULL);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"pool\": 7}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "pools[0]: pool: not a string") != NULL);

	/* A hand-written, valid file loads. */
	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"address_space\": \"local\","
		   " \"pool\": \"10.9.0.0/24\", \"allocated\": [\"10.9.0.1-10.9.0.9\"]}]}");
	s = open_store(NULL);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR_EQ(addr(s, "p1", "", false, &err), "10.9.0.10/24");
		ipam_store_close(s);
	}
	unlink(path);
}

static void test_atomic_save(void)
{
	struct ipam_store *s;
	struct ipam_pool_result p, q;
	sr_error err = { 0 };
	FILE *f = fopen(tmp_path, "w");

	/* A tmp file left by a crash is discarded at open. */
	if (f) {
		fputs("half a save", f);
		fclose(f);
	}
	s = open_store(NULL);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(access(tmp_path, F_OK) == -1 && errno == ENOENT);
	CHECK(pool(s, "local", "10.7.0.0/24", "", NULL, false, &p, &err) == 0);
	CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "10.7.0.1/24");
	CHECK(access(tmp_path, F_OK) == -1 && errno == ENOENT);

	/* Make every save fail (a directory where the tmp file goes, which
	 * stops root too): each change is refused and undone in memory. */
	CHECK(mkdir(tmp_path, 0700) == 0);
	CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "");
	CHECK(strstr(err.msg, "save ") == err.msg && strstr(err.msg, "Is a directory") != NULL);
	CHECK(pool(s, "local", "10.6.0.0/24", "", NULL, false, &q, &err) == -1);
	CHECK(ipam_store_count(s) == 1);
	CHECK(rmdir(tmp_path) == 0);
	/* Nothing of the failed requests stuck. */
	CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "10.7.0.2/24");
	CHECK(pool(s, "local", "10.6.0.0/24", "", NULL, false, &q, &err) == 0);
	CHECK_STR_EQ(q.pool_id, "sriov-2-10.6.0.0_24");
	/* Releases are never retried by Docker: a failed save keeps them, pending, so nothing leaks. */
	CHECK(mkdir(tmp_path, 0700) == 0);
	CHECK(ipam_release_address(s, p.pool_id, "10.7.0.1", &err) == -1);
	CHECK(strstr(err.msg, "address 10.7.0.1 released, but not yet saved (pending") == err.msg);
	CHECK(ipam_store_pending(s));
	CHECK(ipam_release_pool(s, q.pool_id, &err) == -1);
	CHECK(strstr(err.msg, "pool sriov-2-10.6.0.0_24 released, but not yet saved (pending") == err.msg);
	CHECK(ipam_store_count(s) == 1);
	/* handing the released address out again is safe: its save fails, it is undone */
	CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "");
	CHECK(ipam_store_flush(s, &err) == -1 && ipam_store_pending(s));
	CHECK(rmdir(tmp_path) == 0);
	CHECK(ipam_store_flush(s, &err) == 0 && !ipam_store_pending(s));
	ipam_store_close(s);
	/* what the disk says now: both releases written */
	s = open_store(NULL);
	CHECK(s != NULL);
	if (s) {
		CHECK(ipam_store_loaded(s) && !ipam_store_pending(s));
		CHECK(ipam_store_count(s) == 1);
		CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "10.7.0.1/24");
		ipam_store_close(s);
	}
	unlink(path);
}

static void test_cycles_persisted(void)
{
	struct ipam_store *s = open_store(NULL);
	struct ipam_pool_result p;
	sr_error err = { 0 };
	char held[3][IPAM_CIDR_MAX];
	size_t alloc = 1, freec = 0;
	int i, j, ok = 1;

	CHECK(pool(s, "local", "10.5.0.0/24", "", NULL, false, &p, &err) == 0);
	/* Each change is fsynced: 100 cycles here, 1000 in test_ipam_pool. */
	for (i = 0; i < 100; i++) {
		for (j = 0; j < 3; j++) {
			snprintf(held[j], sizeof(held[j]), "%s", addr(s, p.pool_id, "", j == 0, &err));
			if (!held[j][0])
				ok = 0;
			*strchr(held[j], '/') = '\0';
		}
		for (j = 0; j < 3; j++)
			if (ipam_release_address(s, p.pool_id, held[j], &err) < 0)
				ok = 0;
		if (i == 50) { /* and through a restart */
			ipam_store_close(s);
			s = open_store(NULL);
		}
	}
	CHECK(ok);
	CHECK(ipam_pool_info(s, p.pool_id, NULL, NULL, &alloc, &freec, &err) == 0);
	CHECK(alloc == 0 && freec == 254);
	ipam_store_close(s);
	unlink(path);
}

/* Files that are not what a save writes are refused, never read as an empty store. */
static void test_odd_files(void)
{
	struct ipam_store *s = NULL;
	sr_error err = { 0 };
	struct stat before, after;
	char want[512];

	/* a pool without "allocated" would hand its addresses out again */
	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"pool\": \"10.9.0.0/24\"}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	snprintf(want, sizeof(want), "IPAM state %s: pools[0]: pool p1: allocated: missing", path);
	CHECK_STR_EQ(err.msg, want);
	/* two pools over one prefix (or overlapping) in one address space */
	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"address_space\": \"local\", "
		   "\"pool\": \"10.9.0.0/24\", \"allocated\": []}, {\"id\": \"p2\", \"address_space\": \"local\", "
		   "\"pool\": \"10.9.0.0/25\", \"allocated\": []}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "pools[1]: pool p2: 10.9.0.0/25 overlaps pool p1 (10.9.0.0/24) in address space 'local'"));
	/* ...in two spaces they may */
	write_file("{\"version\": 1, \"next_id\": 1, \"pools\": [{\"id\": \"sriov-7-x\", \"address_space\": \"local\", "
		   "\"pool\": \"10.9.0.0/24\", \"allocated\": []}, {\"id\": \"p2\", \"address_space\": \"global\", "
		   "\"pool\": \"10.9.0.0/24\", \"allocated\": []}]}");
	CHECK(stat(path, &before) == 0);
	s = open_store(NULL);
	CHECK(s != NULL);
	if (s) {
		struct ipam_pool_result r;

		/* nothing rewritten at open when nothing changed */
		CHECK(stat(path, &after) == 0 && after.st_ino == before.st_ino &&
		      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_mtim.tv_sec == before.st_mtim.tv_sec);
		CHECK(ipam_store_loaded(s) && !ipam_store_pending(s));
		/* next_id stays above the IDs held, even when the file says less */
		CHECK(pool(s, "local", "10.8.0.0/24", "", NULL, false, &r, &err) == 0);
		CHECK_STR_EQ(r.pool_id, "sriov-8-10.8.0.0_24");
		ipam_store_close(s);
	}
	unlink(path);
	/* a dangling symlink (state disk not mounted yet): refused, the link left alone */
	CHECK(symlink("/nonexistent/ipam.json", path) == 0);
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "is a symbolic link") != NULL);
	CHECK(lstat(path, &after) == 0 && S_ISLNK(after.st_mode));
	unlink(path);
	/* a FIFO: refused at once (the old code waited for a writer forever) */
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "is not a regular file") != NULL);
	unlink(path);
}

/* jansson allocations still live: every failed save must have freed what it built. */
static long json_live;
static long json_fail_at;
static long json_calls;

static void *counting_malloc(size_t n)
{
	void *p;

	if (++json_calls == json_fail_at)
		return NULL;
	p = malloc(n);
	if (p)
		json_live++;
	return p;
}

static void counting_free(void *p)
{
	if (p)
		json_live--;
	free(p);
}

static void test_save_allocation_failures(void)
{
	struct ipam_store *s = open_store(NULL);
	struct ipam_pool_result r;
	sr_error err = { 0 };
	int failures = 0, leaks = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(pool(s, "local", "10.4.0.0/24", "10.4.0.128/25", "10.4.0.200", false, &r, &err) == 0);
	CHECK_STR_EQ(addr(s, r.pool_id, "", true, &err), "10.4.0.1/24");
	json_set_alloc_funcs(counting_malloc, counting_free);
	for (json_fail_at = 1; json_fail_at < 200; json_fail_at++) {
		json_calls = 0;
		json_live = 0;
		if (ipam_store_save(s, &err) == 0) {
			if (json_calls < json_fail_at)
				break; /* every allocation of a save tried */
		} else {
			failures++;
			if (json_live != 0) {
				leaks++;
				fprintf(stderr, "allocation %ld failing leaks %ld jansson allocations\n", json_fail_at,
					json_live);
			}
		}
	}
	json_set_alloc_funcs(malloc, free);
	CHECK(failures > 5);
	CHECK(leaks == 0);
	ipam_store_close(s);
	unlink(path);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_ipam_store.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ipam.json", dir);
	snprintf(tmp_path, sizeof(tmp_path), "%s/ipam.json.tmp", dir);

	test_pools();
	unlink(path);
	test_default_pools();
	unlink(path);
	test_builtin_defaults();
	unlink(path);
	test_addresses_and_reopen();
	test_corrupt();
	test_atomic_save();
	test_cycles_persisted();
	test_odd_files();
	test_save_allocation_failures();

	unlink(path);
	unlink(tmp_path);
	rmdir(tmp_path);
	CHECK(rmdir(dir) == 0);
	return check_summary("ipam_store");
}
