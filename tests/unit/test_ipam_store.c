/* ipam_store: RequestPool/ReleasePool/RequestAddress/ReleaseAddress semantics,
 * default pool selection, persistence across reopen (ipam.json + pools/<id>.json),
 * corrupt files, atomic save, per-pool writes, crash leftovers, version 1 conversion. */
#include "../../ipam/ipam.h"
#include "../../ipam/ipam_store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char dir[64];
static char path[128];
static char tmp_path[128];
static char pools[128];
static char note[140];

/* A state dir with nothing in it: ipam.json and every file of pools/ gone. */
static void reset_store(void)
{
	DIR *dp = opendir(pools);
	struct dirent *de;
	char p[800];

	unlink(path);
	unlink(note);
	while (dp && (de = readdir(dp))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		snprintf(p, sizeof(p), "%s/%s", pools, de->d_name);
		if (unlink(p) < 0)
			rmdir(p);
	}
	if (dp)
		closedir(dp);
	rmdir(pools);
}

static void pool_file(const char *id, char *out, size_t size)
{
	snprintf(out, size, "%s/%s.json", pools, id);
}

static size_t pool_files(void)
{
	DIR *dp = opendir(pools);
	struct dirent *de;
	size_t n = 0;

	while (dp && (de = readdir(dp)))
		n += de->d_name[0] != '.';
	if (dp)
		closedir(dp);
	return n;
}

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

static void write_file_at(const char *at, const char *text)
{
	FILE *f = fopen(at, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void write_file(const char *text)
{
	write_file_at(path, text);
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

	/* The files say what we hold, readably: ipam.json next_id, one file per pool held. */
	{
		json_error_t jerr;
		char p0_path[800];
		json_t *root = json_load_file(path, 0, &jerr), *p0;
		json_t *al;

		CHECK(root != NULL);
		CHECK(json_integer_value(json_object_get(root, "version")) == 2);
		CHECK(json_integer_value(json_object_get(root, "next_id")) == 4);
		CHECK(json_object_get(root, "pools") == NULL);
		json_decref(root);
		CHECK(pool_files() == 2); /* the released pool's file is gone, no .tmp left */
		pool_file(id4, p0_path, sizeof(p0_path));
		p0 = json_load_file(p0_path, 0, &jerr);
		al = json_object_get(p0, "allocated");
		CHECK(p0 != NULL);
		CHECK_STR_EQ(json_string_value(json_object_get(p0, "id")), id4);
		CHECK_STR_EQ(json_string_value(json_object_get(p0, "sub_pool")), "10.9.1.0/24");
		CHECK_STR_EQ(json_string_value(json_object_get(p0, "exclude")), "10.9.1.1-10.9.1.2,10.9.1.5");
		CHECK(json_array_size(al) == 4);
		CHECK_STR_EQ(json_string_value(json_array_get(al, 0)), "10.9.0.1");
		CHECK_STR_EQ(json_string_value(json_array_get(al, 1)), "10.9.1.0");
		CHECK_STR_EQ(json_string_value(json_array_get(al, 2)), "10.9.1.4");
		CHECK_STR_EQ(json_string_value(json_array_get(al, 3)), "10.9.7.7");
		json_decref(p0);
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
	reset_store();
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

	write_file("{\"version\": 3, \"next_id\": 1, \"pools\": []}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	snprintf(want, sizeof(want), "IPAM state %s: version: missing or not 1", path);
	CHECK_STR_EQ(err.msg, want);
	/* version 2 names pools/: a missing folder is not an empty store */
	write_file("{\"version\": 2, \"next_id\": 1}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "which is missing") != NULL);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"address_space\": \"local\", \"pool\": \"10.9.0.0/24\","
		   " \"allocated\": [\"10.9.0.1\", \"10.9.9.9\"]}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	snprintf(want, sizeof(want),
		 "IPAM state %s: pools[0]: pool p1: allocated[1]: 10.9.9.9: not in pool 10.9.0.0/24", path);
	CHECK_STR_EQ(err.msg, want);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"a/b\", \"address_space\": \"local\", \"pool\": \"10.9.0.0/24\"}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "id 'a/b': not a valid pool ID") != NULL);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"address_space\": \"local\", \"pool\": \"10.9.0.0/24\", "
		   "\"allocated\": []}, {\"id\": \"p1\", \"address_space\": \"local\", \"pool\": \"10.8.0.0/24\", \"allocated\": []}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, "pools[1]: id p1: duplicate") != NULL);

	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"address_space\": \"local\", \"pool\": 7}]}");
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
	reset_store();
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

	/* Make every save fail (a directory where a tmp file goes, which stops root too;
	 * for a removal, a directory where the pool's file was): each change is refused
	 * and undone in memory. */
	char p_tmp[800], q_file[800], leftover[800];
	snprintf(p_tmp, sizeof(p_tmp), "%s/%s.json.tmp", pools, p.pool_id);
	CHECK(mkdir(tmp_path, 0700) == 0 && mkdir(p_tmp, 0700) == 0);
	CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "");
	CHECK(strstr(err.msg, "save ") == err.msg && strstr(err.msg, "Is a directory") != NULL);
	CHECK(pool(s, "local", "10.6.0.0/24", "", NULL, false, &q, &err) == -1);
	CHECK(ipam_store_count(s) == 1);
	CHECK(rmdir(tmp_path) == 0 && rmdir(p_tmp) == 0);
	/* Nothing of the failed requests stuck. */
	CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "10.7.0.2/24");
	CHECK(pool(s, "local", "10.6.0.0/24", "", NULL, false, &q, &err) == 0);
	CHECK_STR_EQ(q.pool_id, "sriov-2-10.6.0.0_24");
	/* Releases are never retried by Docker: a failed save keeps them, pending, so nothing leaks. */
	pool_file(q.pool_id, q_file, sizeof(q_file));
	CHECK(mkdir(p_tmp, 0700) == 0 && unlink(q_file) == 0 && mkdir(q_file, 0700) == 0);
	CHECK(ipam_release_address(s, p.pool_id, "10.7.0.1", &err) == -1);
	CHECK(strstr(err.msg, "address 10.7.0.1 released, but not yet saved (pending") == err.msg);
	CHECK(ipam_store_pending(s));
	CHECK(ipam_release_pool(s, q.pool_id, &err) == -1);
	CHECK(strstr(err.msg, "pool sriov-2-10.6.0.0_24 released, but not yet saved (pending") == err.msg);
	CHECK(ipam_store_count(s) == 1);
	/* handing the released address out again is safe: its save fails, it is undone */
	CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "");
	CHECK(ipam_store_flush(s, &err) == -1 && ipam_store_pending(s));
	CHECK(rmdir(p_tmp) == 0 && rmdir(q_file) == 0);
	CHECK(ipam_store_flush(s, &err) == 0 && !ipam_store_pending(s));
	ipam_store_close(s);
	/* a crash mid-save leaves a pool's .tmp: a save that never happened, removed at open */
	snprintf(leftover, sizeof(leftover), "%s/%s.json.tmp", pools, p.pool_id);
	f = fopen(leftover, "w");
	if (f) {
		fputs("{\"id\": \"half", f);
		fclose(f);
	}
	/* what the disk says now: both releases written */
	s = open_store(NULL);
	CHECK(s != NULL);
	if (s) {
		CHECK(ipam_store_loaded(s) && !ipam_store_pending(s));
		CHECK(ipam_store_count(s) == 1);
		CHECK_STR_EQ(addr(s, p.pool_id, "", false, &err), "10.7.0.1/24");
		ipam_store_close(s);
	}
	CHECK(access(leftover, F_OK) == -1 && errno == ENOENT);
	reset_store();
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
	reset_store();
}

/* Files that are not what a save writes are refused, never read as an empty store. */
static void test_odd_files(void)
{
	struct ipam_store *s = NULL;
	sr_error err = { 0 };
	struct stat before, after;
	char want[512];

	/* a pool without "allocated" would hand its addresses out again */
	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"p1\", \"address_space\": \"local\", \"pool\": \"10.9.0.0/24\"}]}");
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
		/* a version 1 file: loaded as it is, converted by the next save */
		CHECK(ipam_store_loaded(s) && ipam_store_pending(s));
		/* next_id stays above the IDs held, even when the file says less */
		CHECK(pool(s, "local", "10.8.0.0/24", "", NULL, false, &r, &err) == 0);
		CHECK_STR_EQ(r.pool_id, "sriov-8-10.8.0.0_24");
		CHECK(!ipam_store_pending(s) && pool_files() == 3);
		ipam_store_close(s);
	}
	/* this layout: nothing rewritten at open either */
	{
		char p2[800];
		struct stat b2, a2;
		pool_file("p2", p2, sizeof(p2));
		CHECK(stat(path, &before) == 0 && stat(p2, &b2) == 0);
		s = open_store(NULL);
		CHECK(s != NULL && ipam_store_loaded(s) && !ipam_store_pending(s) && ipam_store_count(s) == 3);
		/* in request order, as before the restart */
		CHECK(s && !strcmp(ipam_store_pool_id(s, 0), "sriov-7-x") && !strcmp(ipam_store_pool_id(s, 2), "p2"));
		ipam_store_close(s);
		CHECK(stat(path, &after) == 0 && after.st_ino == before.st_ino &&
		      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
		CHECK(stat(p2, &a2) == 0 && a2.st_ino == b2.st_ino && a2.st_mtim.tv_nsec == b2.st_mtim.tv_nsec);
	}
	/* odd entries in pools/ are refused, each named */
	{
		char odd[800], p2[800], *good = NULL;
		FILE *f;
		long n;
		pool_file("p2", p2, sizeof(p2));
		f = fopen(p2, "r");
		if (f) {
			good = calloc(1, 4096);
			n = good ? (long)fread(good, 1, 4095, f) : 0;
			(void)n;
			fclose(f);
		}
		snprintf(odd, sizeof(odd), "%s/notes.txt", pools);
		f = fopen(odd, "w");
		if (f)
			fclose(f);
		CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && strstr(err.msg, "notes.txt: unexpected entry"));
		unlink(odd);
		/* a half-written pool file (a torn write) */
		f = fopen(p2, "w");
		if (f) {
			fputs("{\"id\": \"p2\", \"addr", f);
			fclose(f);
		}
		CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && strstr(err.msg, p2) && strstr(err.msg, "line 1"));
		/* a pool in another pool's file */
		snprintf(odd, sizeof(odd), "%s/p3.json", pools);
		f = fopen(p2, "w");
		if (f) {
			fputs(good ? good : "", f);
			fclose(f);
		}
		CHECK(rename(p2, odd) == 0);
		CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && strstr(err.msg, "pool p2 is in the file of p3"));
		CHECK(rename(odd, p2) == 0);
		/* a symlink in place of a pool file (its target never read) */
		CHECK(rename(p2, odd) == 0 && symlink(odd, p2) == 0);
		CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && strstr(err.msg, "is a symbolic link"));
		CHECK(unlink(p2) == 0 && rename(odd, p2) == 0);
		/* ipam.json lost while pools/ holds pools: refused, not an empty store */
		snprintf(odd, sizeof(odd), "%s.aside", path);
		CHECK(rename(path, odd) == 0);
		CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && strstr(err.msg, "is missing but") &&
		      strstr(err.msg, "holds 3 pools"));
		CHECK(rename(odd, path) == 0);
		s = open_store(NULL);
		CHECK(s != NULL);
		ipam_store_close(s);
		free(good);
	}
	reset_store();
	reset_store();
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
		/* a save writes what changed: make it write the pool and ipam.json each time */
		s->keys[0].dirty = true;
		s->meta_dirty = true;
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
	reset_store();
}

/* A version 1 ipam.json (every pool in it) loads and is converted: the pool files are
 * written first, then ipam.json replaced; a crash before that rename leaves the version 1
 * file in charge (stale pool files from the interrupted attempt are never read). */
static void test_convert_v1(void)
{
	struct ipam_store *s;
	sr_error err = { 0 };
	char stale[800];
	const char *v1 = "{\"version\": 1, \"next_id\": 5, \"pools\": [{\"id\": \"sriov-2-10.3.0.0_24\", "
			 "\"address_space\": \"local\", \"pool\": \"10.3.0.0/24\", \"sub_pool\": \"\", \"exclude\": \"\", "
			 "\"allocated\": [\"10.3.0.1-10.3.0.3\"]}, {\"id\": \"sriov-4-10.2.0.0_24\", \"address_space\": "
			 "\"local\", \"pool\": \"10.2.0.0/24\", \"allocated\": [\"10.2.0.1\"]}]}";

	write_file(v1);
	/* a pools/ holding a pool beside a version 1 ipam.json that does not list it (an older
	 * ipam.json restored, an upgrade after a downgrade): refused, the pool's file kept */
	CHECK(mkdir(pools, 0700) == 0);
	snprintf(stale, sizeof(stale), "%s/sriov-1-10.1.0.0_24.json", pools);
	write_file_at(stale, "{\"id\": \"sriov-1-10.1.0.0_24\", \"address_space\": \"local\", \"pool\": "
			     "\"10.1.0.0/24\", \"allocated\": []}");
	s = NULL;
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && s == NULL);
	CHECK(strstr(err.msg, path) && strstr(err.msg, "holds 1 pools of the newer layout") &&
	      strstr(err.msg, "move pools/ aside"));
	CHECK(access(stale, F_OK) == 0);
	/* the same left by an interrupted conversion (its note is there): replaced */
	write_file_at(note, "");
	s = open_store(NULL);
	CHECK(s != NULL && ipam_store_count(s) == 2 && ipam_store_pending(s));
	if (!s)
		return;
	CHECK(ipam_store_flush(s, &err) == 0 && !ipam_store_pending(s));
	ipam_store_close(s);
	CHECK(access(stale, F_OK) == -1 && pool_files() == 2 && access(note, F_OK) == -1);
	{
		json_error_t jerr;
		json_t *root = json_load_file(path, 0, &jerr);
		CHECK(json_integer_value(json_object_get(root, "version")) == 2 &&
		      json_integer_value(json_object_get(root, "next_id")) == 5);
		json_decref(root);
	}
	s = open_store(NULL);
	CHECK(s != NULL && ipam_store_count(s) == 2 && !ipam_store_pending(s));
	if (s) {
		struct ipam_pool_result r;
		CHECK_STR_EQ(ipam_store_pool_id(s, 0), "sriov-2-10.3.0.0_24");
		CHECK_STR_EQ(addr(s, "sriov-2-10.3.0.0_24", "", false, &err), "10.3.0.4/24");
		CHECK(pool(s, "local", "10.9.0.0/24", "", NULL, false, &r, &err) == 0);
		CHECK_STR_EQ(r.pool_id, "sriov-5-10.9.0.0_24");
		ipam_store_close(s);
	}
	reset_store();
}

/* One change writes its pool's file and nothing else (ipam.json only when next_id moves). */
static void test_change_writes_one_file(void)
{
	struct ipam_store *s = open_store(NULL);
	struct ipam_pool_result r[3];
	struct stat b[3], a[3], bm, am;
	char files[3][800];
	sr_error err = { 0 };
	int i;

	CHECK(s != NULL);
	if (!s)
		return;
	for (i = 0; i < 3; i++) {
		char cidr[32];
		snprintf(cidr, sizeof(cidr), "10.%d.0.0/24", 60 + i);
		CHECK(pool(s, "local", cidr, "", NULL, false, &r[i], &err) == 0);
		pool_file(r[i].pool_id, files[i], sizeof(files[i]));
	}
	for (i = 0; i < 3; i++)
		CHECK(stat(files[i], &b[i]) == 0);
	CHECK(stat(path, &bm) == 0);
	CHECK_STR_EQ(addr(s, r[1].pool_id, "", false, &err), "10.61.0.1/24");
	for (i = 0; i < 3; i++)
		CHECK(stat(files[i], &a[i]) == 0);
	CHECK(stat(path, &am) == 0 && am.st_ino == bm.st_ino); /* ipam.json untouched */
	CHECK(a[0].st_ino == b[0].st_ino && a[2].st_ino == b[2].st_ino); /* the others untouched */
	CHECK(a[1].st_ino != b[1].st_ino);                               /* replaced by rename */
	/* a release removes just its file */
	CHECK(ipam_release_pool(s, r[0].pool_id, &err) == 0);
	CHECK(access(files[0], F_OK) == -1 && pool_files() == 2);
	CHECK(stat(files[2], &a[2]) == 0 && a[2].st_ino == b[2].st_ino);
	ipam_store_close(s);
	reset_store();
}

/* The lookup keys kept beside the pools follow them: a pool released from the middle, pools
 * loaded back in request order from files read in directory order, a hand-named pool. */
static void test_keys_follow_pools(void)
{
	struct ipam_store *s = open_store(NULL);
	struct ipam_pool_result r[12];
	sr_error err = { 0 };
	int i;

	CHECK(s != NULL);
	if (!s)
		return;
	for (i = 0; i < 12; i++) {
		char cidr[32];
		snprintf(cidr, sizeof(cidr), "10.%d.0.0/24", 70 + i);
		CHECK(pool(s, "local", cidr, "", NULL, false, &r[i], &err) == 0);
	}
	CHECK(ipam_release_pool(s, r[1].pool_id, &err) == 0);
	CHECK_STR_EQ(addr(s, r[2].pool_id, "", false, &err), "10.72.0.1/24");
	CHECK_STR_EQ(addr(s, r[3].pool_id, "", false, &err), "10.73.0.1/24");
	CHECK_STR_EQ(addr(s, r[1].pool_id, "", false, &err), "");
	CHECK(err.code == ENOENT);
	/* the released prefix is free again; the others still overlap */
	CHECK(pool(s, "local", "10.71.0.0/25", "", NULL, false, &r[1], &err) == 0);
	CHECK(pool(s, "local", "10.72.0.128/25", "", NULL, false, &r[0], &err) == -1);
	CHECK(err.code == EEXIST);
	ipam_store_close(s);
	s = open_store(NULL);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR_EQ(addr(s, r[3].pool_id, "", false, &err), "10.73.0.2/24");
	CHECK_STR_EQ(addr(s, r[2].pool_id, "", false, &err), "10.72.0.2/24");
	CHECK_STR_EQ(addr(s, r[1].pool_id, "", false, &err), "10.71.0.1/25");
	CHECK(pool(s, "local", "10.73.0.0/16", "", NULL, false, &r[0], &err) == -1);
	CHECK(err.code == EEXIST);
	for (i = 4; i < 12; i++) {
		char want[32];
		snprintf(want, sizeof(want), "10.%d.0.1/24", 70 + i);
		CHECK_STR_EQ(addr(s, r[i].pool_id, "", false, &err), want);
	}
	ipam_store_close(s);
	reset_store();
}

/* What the state dir's files say must be what the store grants: a folder that is a symlink is
 * never emptied through, a pool ID that cannot name a file is refused at load (not a
 * conversion that fails forever), next_id never written past what ipam.json can hold, a
 * pool without its address space refused (it would not block its prefix in `local`). */
static void test_markers_and_records(void)
{
	struct ipam_store *s = NULL;
	struct ipam_pool_result r;
	sr_error err = { 0 };
	char elsewhere[128], outside[200], bad[800];

	/* pools/ a symlink to a folder elsewhere, beside a version 1 ipam.json */
	snprintf(elsewhere, sizeof(elsewhere), "%s-elsewhere", dir);
	CHECK(mkdir(elsewhere, 0700) == 0);
	snprintf(outside, sizeof(outside), "%s/precious.json", elsewhere);
	write_file_at(outside, "{}");
	CHECK(symlink(elsewhere, pools) == 0);
	write_file("{\"version\": 1, \"next_id\": 1, \"pools\": []}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && s == NULL);
	CHECK(strstr(err.msg, "is a symbolic link") != NULL);
	CHECK(access(outside, F_OK) == 0);
	/* the note of an interrupted conversion does not make it a folder to empty */
	write_file_at(note, "");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && strstr(err.msg, "is a symbolic link"));
	CHECK(access(outside, F_OK) == 0);
	CHECK(unlink(pools) == 0 && unlink(outside) == 0 && rmdir(elsewhere) == 0);
	reset_store();

	/* a pool ID that cannot name its file */
	write_file("{\"version\": 1, \"next_id\": 3, \"pools\": [{\"id\": \"..\", \"address_space\": \"local\", "
		   "\"pool\": \"10.9.0.0/24\", \"allocated\": []}]}");
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1);
	CHECK(strstr(err.msg, path) && strstr(err.msg, "id '..': not a valid pool ID"));
	reset_store();

	/* next_id at the largest number ipam.json holds: one more pool, then a refusal */
	write_file("{\"version\": 2, \"next_id\": 9223372036854775806}");
	CHECK(mkdir(pools, 0700) == 0);
	s = open_store(NULL);
	CHECK(s != NULL);
	if (s) {
		CHECK(pool(s, "local", "10.9.0.0/24", "", NULL, false, &r, &err) == 0);
		CHECK_STR_EQ(r.pool_id, "sriov-9223372036854775806-10.9.0.0_24");
		CHECK(pool(s, "local", "10.10.0.0/24", "", NULL, false, &r, &err) == -1);
		CHECK(err.code == ENOSPC && strstr(err.msg, "no pool ID left"));
		ipam_store_close(s);
	}
	s = open_store(NULL); /* what it wrote loads */
	CHECK(s != NULL && ipam_store_count(s) == 1);
	if (s) {
		CHECK(pool(s, "local", "10.10.0.0/24", "", NULL, false, &r, &err) == -1 && err.code == ENOSPC);
		ipam_store_close(s);
	}
	reset_store();
	/* a pool whose number is past it: loaded, and next_id stays writable */
	write_file("{\"version\": 1, \"next_id\": 1, \"pools\": [{\"id\": \"sriov-18446744073709551615-x\", "
		   "\"address_space\": \"local\", \"pool\": \"10.9.0.0/24\", \"allocated\": []}]}");
	s = open_store(NULL);
	CHECK(s != NULL && ipam_store_flush(s, &err) == 0);
	ipam_store_close(s);
	s = open_store(NULL);
	CHECK(s != NULL && ipam_store_count(s) == 1);
	ipam_store_close(s);
	reset_store();

	/* a pool's file without address_space: refused, the file named */
	write_file("{\"version\": 2, \"next_id\": 3}");
	CHECK(mkdir(pools, 0700) == 0);
	pool_file("sriov-2-10.9.0.0_24", bad, sizeof(bad));
	write_file_at(bad, "{\"id\": \"sriov-2-10.9.0.0_24\", \"pool\": \"10.9.0.0/24\", \"allocated\": []}");
	s = NULL;
	CHECK(ipam_store_open(dir, NULL, &s, &err) == -1 && s == NULL);
	CHECK(strstr(err.msg, bad) && strstr(err.msg, "address_space: missing"));
	reset_store();
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
	snprintf(pools, sizeof(pools), "%s/pools", dir);
	snprintf(note, sizeof(note), "%s/ipam.json.converting", dir);

	test_pools();
	reset_store();
	test_default_pools();
	reset_store();
	test_builtin_defaults();
	reset_store();
	test_addresses_and_reopen();
	test_corrupt();
	test_atomic_save();
	test_cycles_persisted();
	test_odd_files();
	test_save_allocation_failures();
	test_convert_v1();
	test_change_writes_one_file();
	test_keys_follow_pools();
	test_markers_and_records();

	reset_store();
	unlink(tmp_path);
	rmdir(tmp_path);
	CHECK(rmdir(dir) == 0);
	return check_summary("ipam_store");
}
