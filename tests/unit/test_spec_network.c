/* CreateNetwork, DeleteNetwork/FreeNetwork, AllocateNetwork decoding. */
#include <stdlib.h>

#include "test_spec_helpers.h"

/* As dockerd v28 sends it for
 * docker network create -d sriov --internal --subnet 10.9.0.0/16 --gateway 10.9.0.1
 *   --aux-address rtr=10.9.0.5 -o vlanid=100 -o pf=enp1s0f0 n1 */
static const char create_body[] =
	"{\"NetworkID\":\"" NID "\","
	"\"Options\":{\"com.docker.network.enable_ipv4\":true,\"com.docker.network.enable_ipv6\":false,"
	"\"com.docker.network.generic\":{\"pf\":\"enp1s0f0\",\"vlanid\":\"100\"},"
	"\"com.docker.network.internal\":true},"
	"\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.9.0.0/16\",\"Gateway\":\"10.9.0.1/16\","
	"\"AuxAddresses\":{\"rtr\":\"10.9.0.5/16\"}}],"
	"\"IPv6Data\":[]}\n";

static void test_create_network_real(void)
{
	struct spec_create_network req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_create_network(create_body, strlen(create_body), &req, &err) == 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK_STR_EQ(req.network_id, NID);
	CHECK(req.internal);
	CHECK(!req.enable_ipv6);
	CHECK(req.generic.count == 2);
	CHECK_STR_EQ(spec_map_get(&req.generic, "vlanid"), "100");
	CHECK_STR_EQ(spec_map_get(&req.generic, "pf"), "enp1s0f0");
	CHECK(spec_map_get(&req.generic, "mtu") == NULL);
	CHECK(req.ipv4_count == 1);
	CHECK_STR_EQ(req.ipv4[0].address_space, "LocalDefault");
	CHECK_STR_EQ(req.ipv4[0].pool, "10.9.0.0/16");
	CHECK_STR_EQ(req.ipv4[0].gateway, "10.9.0.1/16");
	CHECK(req.ipv4[0].aux_count == 1);
	CHECK_STR_EQ(req.ipv4[0].aux[0].name, "rtr");
	CHECK_STR_EQ(req.ipv4[0].aux[0].address, "10.9.0.5/16");
	CHECK(req.ipv6_count == 0);
	spec_create_network_free(&req);
	CHECK(req.generic.count == 0 && req.generic.items == NULL);
	spec_create_network_free(&req); /* twice is harmless */
}

static void test_create_network_minimal(void)
{
	/* v20.10 shape without --internal and without a gateway; generic {} */
	static const char body[] = "{\"NetworkID\":\"n1\",\"Options\":{\"com.docker.network.enable_ipv6\":true,"
				   "\"com.docker.network.generic\":{}},"
				   "\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"172.18.0.0/16\"}],"
				   "\"IPv6Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"fd00:1::/64\","
				   "\"Gateway\":\"fd00:1::1/64\",\"AuxAddresses\":null}],\"Future\":{\"x\":[1,{}]}}\n";
	static const char bare[] = "{\"NetworkID\":\"n1\"}";
	static const char nulls[] = "{\"NetworkID\":\"n1\",\"Options\":null,\"IPv4Data\":null,\"IPv6Data\":null}";
	struct spec_create_network req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_create_network(body, strlen(body), &req, &err) == 0);
	CHECK(!req.internal);
	CHECK(req.enable_ipv6);
	CHECK(req.generic.count == 0);
	CHECK(req.ipv4_count == 1);
	CHECK_STR_EQ(req.ipv4[0].gateway, "");
	CHECK(req.ipv4[0].aux_count == 0);
	CHECK(req.ipv6_count == 1);
	CHECK_STR_EQ(req.ipv6[0].pool, "fd00:1::/64");
	CHECK_STR_EQ(req.ipv6[0].gateway, "fd00:1::1/64");
	spec_create_network_free(&req);

	CHECK(spec_decode_create_network(bare, strlen(bare), &req, &err) == 0);
	CHECK(req.generic.count == 0 && req.ipv4_count == 0 && req.ipv6_count == 0 && !req.internal);
	spec_create_network_free(&req);
	CHECK(spec_decode_create_network(nulls, strlen(nulls), &req, &err) == 0);
	CHECK(req.generic.count == 0 && req.ipv4_count == 0 && req.ipv6_count == 0);
	spec_create_network_free(&req);
}

static void test_generic_scalars(void)
{
	static const char body[] = "{\"NetworkID\":\"n1\",\"Options\":{\"com.docker.network.generic\":"
				   "{\"vlanid\":100,\"trust\":true,\"spoofchk\":false,\"rate\":1.5,\"tenth\":0.1,"
				   "\"big\":9223372036854775807,\"neg\":-4,\"exp\":1e300,\"s\":\"\"}}}";
	struct spec_create_network req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_create_network(body, strlen(body), &req, &err) == 0);
	CHECK(req.generic.count == 9);
	CHECK_STR_EQ(spec_map_get(&req.generic, "vlanid"), "100");
	CHECK_STR_EQ(spec_map_get(&req.generic, "trust"), "true");
	CHECK_STR_EQ(spec_map_get(&req.generic, "spoofchk"), "false");
	CHECK_STR_EQ(spec_map_get(&req.generic, "rate"), "1.5");
	CHECK_STR_EQ(spec_map_get(&req.generic, "tenth"), "0.1");
	CHECK_STR_EQ(spec_map_get(&req.generic, "big"), "9223372036854775807");
	CHECK_STR_EQ(spec_map_get(&req.generic, "neg"), "-4");
	CHECK_STR_EQ(spec_map_get(&req.generic, "exp"), "1e+300");
	CHECK_STR_EQ(spec_map_get(&req.generic, "s"), "");
	/* Arrival order is kept. */
	CHECK_STR_EQ(req.generic.items[0].key, "vlanid");
	CHECK_STR_EQ(req.generic.items[8].key, "s");
	spec_create_network_free(&req);
}

static void test_generic_errors(void)
{
#define GEN(v) "{\"NetworkID\":\"n1\",\"Options\":{\"com.docker.network.generic\":" v "}}"
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, GEN("{\"vlanid\":{}}"),
			  "com.docker.network.generic.vlanid: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, GEN("{\"vlanid\":[100]}"),
			  "com.docker.network.generic.vlanid: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  GEN("{\"pf\":\"enp1s0f0\",\"vlanid\":null}"), "com.docker.network.generic.vlanid: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, GEN("\"vlanid=100\""),
			  "com.docker.network.generic: not an object");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, GEN("[]"),
			  "com.docker.network.generic: not an object");
	/* null generic = absent */
	{
		static const char body[] = GEN("null");
		struct spec_create_network req;
		sr_error err;
		sr_error_clear(&err);
		CHECK(spec_decode_create_network(body, strlen(body), &req, &err) == 0);
		CHECK(req.generic.count == 0);
		spec_create_network_free(&req);
	}
#undef GEN
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  "{\"NetworkID\":\"n1\",\"Options\":[]}", "Options: not an object");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  "{\"NetworkID\":\"n1\",\"Options\":\"x\"}", "Options: not an object");
}

static void test_flags(void)
{
#define OPT(k, v) "{\"NetworkID\":\"n1\",\"Options\":{\"com.docker.network." k "\":" v "}}"
	static const char internal_text[] = OPT("internal", "\"true\"");
	static const char internal_false_text[] = OPT("internal", "\"false\"");
	static const char ipv6_text[] = OPT("enable_ipv6", "\"true\"");
	static const char internal_null[] = OPT("internal", "null");
	struct spec_create_network req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_create_network(internal_text, strlen(internal_text), &req, &err) == 0);
	CHECK(req.internal && !req.enable_ipv6);
	spec_create_network_free(&req);
	CHECK(spec_decode_create_network(internal_false_text, strlen(internal_false_text), &req, &err) == 0);
	CHECK(!req.internal);
	spec_create_network_free(&req);
	CHECK(spec_decode_create_network(ipv6_text, strlen(ipv6_text), &req, &err) == 0);
	CHECK(req.enable_ipv6 && !req.internal);
	spec_create_network_free(&req);
	CHECK(spec_decode_create_network(internal_null, strlen(internal_null), &req, &err) == 0);
	CHECK(!req.internal);
	spec_create_network_free(&req);
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, OPT("internal", "\"yes\""),
			  "com.docker.network.internal: not a boolean");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, OPT("internal", "1"),
			  "com.docker.network.internal: not a boolean");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, OPT("enable_ipv6", "{}"),
			  "com.docker.network.enable_ipv6: not a boolean");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, OPT("enable_ipv6", "\"TRUE\""),
			  "com.docker.network.enable_ipv6: not a boolean");
#undef OPT
}

/* {"NetworkID":"n1","IPv4Data":[ entry x n ]} */
static char *ipdata_body(const char *key, const char *entry, size_t n)
{
	size_t size = 64 + n * (strlen(entry) + 1);
	char *s = malloc(size);
	size_t off;

	if (!s)
		return NULL;
	off = (size_t)snprintf(s, size, "{\"NetworkID\":\"n1\",\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, size - off, "%s%s", i ? "," : "", entry);
	snprintf(s + off, size - off, "]}");
	return s;
}

static void test_ipdata_limits(void)
{
	static const char entry[] = "{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.9.0.0/16\"}";
	char *eight = ipdata_body("IPv4Data", entry, SPEC_IPDATA_MAX);
	char *nine = ipdata_body("IPv4Data", entry, SPEC_IPDATA_MAX + 1);
	char *nine6 = ipdata_body("IPv6Data", entry, SPEC_IPDATA_MAX + 1);
	struct spec_create_network req;
	sr_error err;

	CHECK(eight && nine && nine6);
	if (eight && nine && nine6) {
		sr_error_clear(&err);
		CHECK(spec_decode_create_network(eight, strlen(eight), &req, &err) == 0);
		CHECK(req.ipv4_count == SPEC_IPDATA_MAX);
		CHECK_STR_EQ(req.ipv4[SPEC_IPDATA_MAX - 1].pool, "10.9.0.0/16");
		spec_create_network_free(&req);
		EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, nine,
				  "IPv4Data: more than 8 entries");
		EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, nine6,
				  "IPv6Data: more than 8 entries");
	}
	free(eight);
	free(nine);
	free(nine6);
}

static void test_ipdata_errors(void)
{
#define IPD(v) "{\"NetworkID\":\"n1\",\"IPv4Data\":" v "}"
	char pool63[SPEC_CIDR_MAX];
	char body[256];
	struct spec_create_network req;
	sr_error err;

	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, IPD("{}"),
			  "IPv4Data: not an array");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  "{\"NetworkID\":\"n1\",\"IPv6Data\":\"fd00::/64\"}", "IPv6Data: not an array");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, IPD("[\"10.9.0.0/16\"]"),
			  "IPv4Data[0]: not an object");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, IPD("[{},null]"),
			  "IPv4Data[1]: not an object");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, IPD("[{\"Pool\":5}]"),
			  "IPv4Data[0].Pool: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, IPD("[{\"Gateway\":true}]"),
			  "IPv4Data[0].Gateway: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  IPD("[{\"AddressSpace\":\"0123456789012345678901234567890123456789012345678901234567890123\"}]"),
			  "IPv4Data[0].AddressSpace: too long");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, IPD("[{\"AuxAddresses\":[]}]"),
			  "IPv4Data[0].AuxAddresses: not an object");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  IPD("[{\"AuxAddresses\":{\"rtr\":5}}]"), "IPv4Data[0].AuxAddresses.rtr: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  IPD("[{\"AuxAddresses\":{\"rtr\":null}}]"), "IPv4Data[0].AuxAddresses.rtr: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network,
			  IPD("[{\"AuxAddresses\":{\"\":\"10.9.0.5/16\"}}]"),
			  "IPv4Data[0].AuxAddresses: name \"\" empty or too long");
	/* 63 characters fit a 64-byte buffer; 64 do not, and are never truncated. */
	memset(pool63, '1', sizeof(pool63) - 1);
	pool63[sizeof(pool63) - 1] = '\0';
	snprintf(body, sizeof(body), IPD("[{\"Pool\":\"%s\"}]"), pool63);
	sr_error_clear(&err);
	CHECK(spec_decode_create_network(body, strlen(body), &req, &err) == 0);
	CHECK_STR_EQ(req.ipv4[0].pool, pool63);
	spec_create_network_free(&req);
	snprintf(body, sizeof(body), IPD("[{\"Pool\":\"%s1\"}]"), pool63);
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, body,
			  "IPv4Data[0].Pool: too long");
	snprintf(body, sizeof(body), IPD("[{},{\"AuxAddresses\":{\"a\":\"%s1\"}}]"), pool63);
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, body,
			  "IPv4Data[1].AuxAddresses.a: too long");
	snprintf(body, sizeof(body), IPD("[{\"AuxAddresses\":{\"%s1\":\"10.0.0.1/8\"}}]"), pool63);
	EXPECT_DECODE_ERR_PREFIX(spec_decode_create_network, struct spec_create_network, body,
				 "IPv4Data[0].AuxAddresses: name \"1111");
#undef IPD
}

static void test_aux_limit(void)
{
	char body[4096];
	size_t off;
	struct spec_create_network req;
	sr_error err;

	for (int n = SPEC_AUX_MAX; n <= SPEC_AUX_MAX + 1; n++) {
		off = (size_t)snprintf(body, sizeof(body), "{\"NetworkID\":\"n1\",\"IPv4Data\":[{\"AuxAddresses\":{");
		for (int i = 0; i < n; i++)
			off += (size_t)snprintf(body + off, sizeof(body) - off, "%s\"a%d\":\"10.0.0.%d/8\"",
						i ? "," : "", i, i + 1);
		snprintf(body + off, sizeof(body) - off, "}}]}");
		sr_error_clear(&err);
		if (n == SPEC_AUX_MAX) {
			CHECK(spec_decode_create_network(body, strlen(body), &req, &err) == 0);
			CHECK(req.ipv4[0].aux_count == SPEC_AUX_MAX);
			CHECK_STR_EQ(req.ipv4[0].aux[SPEC_AUX_MAX - 1].name, "a31");
			CHECK_STR_EQ(req.ipv4[0].aux[SPEC_AUX_MAX - 1].address, "10.0.0.32/8");
			spec_create_network_free(&req);
		} else {
			EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, body,
					  "IPv4Data[0].AuxAddresses: more than 32 entries");
		}
	}
}

static void test_network_ref(void)
{
	static const char body[] = "{\"NetworkID\":\"" NID "\"}\n";
	struct spec_network_ref ref;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_network_ref(body, strlen(body), &ref, &err) == 0);
	CHECK_STR_EQ(ref.network_id, NID);
}

static void test_allocate_network(void)
{
	static const char body[] = "{\"NetworkID\":\"" NID "\",\"Options\":{\"com.docker.network.driver.overlay."
				   "vxlanid_list\":\"4097\",\"vlanid\":\"7\"},\"IPv4Data\":[{\"AddressSpace\":"
				   "\"GlobalDefault\",\"Pool\":\"10.0.1.0/24\",\"Gateway\":\"10.0.1.1/24\"}],"
				   "\"IPv6Data\":null}\n";
	static const char no_options[] = "{\"NetworkID\":\"n1\",\"Options\":null}";
	struct spec_allocate_network req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_allocate_network(body, strlen(body), &req, &err) == 0);
	CHECK_STR_EQ(req.network_id, NID);
	CHECK(req.options.count == 2);
	CHECK_STR_EQ(spec_map_get(&req.options, "vlanid"), "7");
	spec_allocate_network_free(&req);
	CHECK(spec_decode_allocate_network(no_options, strlen(no_options), &req, &err) == 0);
	CHECK(req.options.count == 0);
	spec_allocate_network_free(&req);
	EXPECT_DECODE_ERR(spec_decode_allocate_network, struct spec_allocate_network,
			  "{\"NetworkID\":\"n1\",\"Options\":{\"a\":\"b\",\"vlanid\":7}}", "Options.vlanid: not a string");
	EXPECT_DECODE_ERR(spec_decode_allocate_network, struct spec_allocate_network,
			  "{\"NetworkID\":\"n1\",\"Options\":[]}", "Options: not an object");
	EXPECT_DECODE_ERR(spec_decode_allocate_network, struct spec_allocate_network, "{\"Options\":{}}",
			  "NetworkID: missing");
}

int main(void)
{
	test_create_network_real();
	test_create_network_minimal();
	test_generic_scalars();
	test_generic_errors();
	test_flags();
	test_ipdata_limits();
	test_ipdata_errors();
	test_aux_limit();
	test_network_ref();
	test_allocate_network();
	return check_summary("spec_network");
}
