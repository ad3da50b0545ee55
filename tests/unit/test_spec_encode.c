/* Encoders: exact bytes (key order is part of what we promise) and a
 * round-trip through jansson to check types and values. */
#include <jansson.h>
#include <stdlib.h>

#include "test_spec_helpers.h"

/* Compare s with the expected text, then parse it back; frees s. */
static json_t *expect_json(char *s, const char *expected)
{
	json_t *root = NULL;

	CHECK(s != NULL);
	if (!s)
		return NULL;
	CHECK_STR_EQ(s, expected);
	root = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	CHECK(json_is_object(root));
	free(s);
	return root;
}

static const char *str_at(const json_t *obj, const char *path_key)
{
	return json_string_value(json_object_get(obj, path_key));
}

static void test_simple(void)
{
	json_t *r;

	r = expect_json(spec_encode_empty(), "{}");
	CHECK(json_object_size(r) == 0);
	json_decref(r);
	r = expect_json(spec_encode_network_capabilities(), "{\"Scope\":\"local\",\"ConnectivityScope\":\"global\"}");
	CHECK_STR_EQ(str_at(r, "Scope"), "local");
	json_decref(r);
	r = expect_json(spec_encode_allocate_network(), "{\"Options\":{}}");
	CHECK(json_is_object(json_object_get(r, "Options")));
	json_decref(r);
	r = expect_json(spec_encode_ipam_capabilities(),
			"{\"RequiresMACAddress\":false,\"RequiresRequestReplay\":false}");
	CHECK(json_is_false(json_object_get(r, "RequiresMACAddress")));
	CHECK(json_is_false(json_object_get(r, "RequiresRequestReplay")));
	json_decref(r);
	r = expect_json(spec_encode_default_address_spaces("local", "global"),
			"{\"LocalDefaultAddressSpace\":\"local\",\"GlobalDefaultAddressSpace\":\"global\"}");
	CHECK_STR_EQ(str_at(r, "GlobalDefaultAddressSpace"), "global");
	json_decref(r);
}

static void test_activate(void)
{
	json_t *r;

	r = expect_json(spec_encode_activate(true, true), "{\"Implements\":[\"NetworkDriver\",\"IpamDriver\"]}");
	CHECK(json_array_size(json_object_get(r, "Implements")) == 2);
	json_decref(r);
	json_decref(expect_json(spec_encode_activate(true, false), "{\"Implements\":[\"NetworkDriver\"]}"));
	json_decref(expect_json(spec_encode_activate(false, true), "{\"Implements\":[\"IpamDriver\"]}"));
	json_decref(expect_json(spec_encode_activate(false, false), "{\"Implements\":[]}"));
}

static void test_error(void)
{
	json_t *r;

	r = expect_json(spec_encode_error("vlanid 5000 out of range 0-4094"),
			"{\"Err\":\"vlanid 5000 out of range 0-4094\"}");
	CHECK_STR_EQ(str_at(r, "Err"), "vlanid 5000 out of range 0-4094");
	json_decref(r);
	/* Quotes, backslashes, control characters are escaped and come back intact. */
	r = expect_json(spec_encode_error("a\"b\\c\nd\te\x01"), "{\"Err\":\"a\\\"b\\\\c\\nd\\te\\u0001\"}");
	CHECK_STR_EQ(str_at(r, "Err"), "a\"b\\c\nd\te\x01");
	json_decref(r);
	/* Valid UTF-8 passes through; invalid bytes (a message cut mid-character) become '?'. */
	r = expect_json(spec_encode_error("caf\xc3\xa9"), "{\"Err\":\"caf\xc3\xa9\"}");
	json_decref(r);
	r = expect_json(spec_encode_error("bad \xff byte, cut \xe2\x82"), "{\"Err\":\"bad ? byte, cut ??\"}");
	json_decref(r);
	/* Overlong encoding and UTF-16 surrogate are not UTF-8 either. */
	json_decref(expect_json(spec_encode_error("\xc0\xaf\xed\xa0\x80"), "{\"Err\":\"?????\"}"));
	json_decref(expect_json(spec_encode_error("\xf0\x9f\x98\x80"), "{\"Err\":\"\xf0\x9f\x98\x80\"}"));
	json_decref(expect_json(spec_encode_error(NULL), "{\"Err\":\"\"}"));
	json_decref(expect_json(spec_encode_error(""), "{\"Err\":\"\"}"));
}

static void test_create_endpoint(void)
{
	json_t *r;

	json_decref(expect_json(spec_encode_create_endpoint(NULL), "{}"));
	json_decref(expect_json(spec_encode_create_endpoint(""), "{}"));
	r = expect_json(spec_encode_create_endpoint("02:42:0a:09:00:02"),
			"{\"Interface\":{\"MacAddress\":\"02:42:0a:09:00:02\"}}");
	CHECK_STR_EQ(str_at(json_object_get(r, "Interface"), "MacAddress"), "02:42:0a:09:00:02");
	CHECK(json_object_size(json_object_get(r, "Interface")) == 1);
	json_decref(r);
}

static void test_join(void)
{
	struct spec_join_response full = {
		.src_name = "enp1s0f0v3",
		.dst_prefix = "eth",
		.gateway = "10.9.0.1",
		.gateway_ipv6 = "fd00:1::1",
		.disable_gateway_service = true,
	};
	struct spec_join_response plain = { .src_name = "enp1s0f0v3", .dst_prefix = "eth" };
	struct spec_join_response blank = { .src_name = "vf0", .dst_prefix = "eth", .gateway = "",
					    .gateway_ipv6 = "" };
	struct spec_join_response none = { 0 };
	json_t *r;

	r = expect_json(spec_encode_join(&full), "{\"InterfaceName\":{\"SrcName\":\"enp1s0f0v3\",\"DstPrefix\":"
						 "\"eth\"},\"Gateway\":\"10.9.0.1\",\"GatewayIPv6\":\"fd00:1::1\","
						 "\"DisableGatewayService\":true}");
	CHECK_STR_EQ(str_at(json_object_get(r, "InterfaceName"), "SrcName"), "enp1s0f0v3");
	CHECK_STR_EQ(str_at(json_object_get(r, "InterfaceName"), "DstPrefix"), "eth");
	CHECK_STR_EQ(str_at(r, "GatewayIPv6"), "fd00:1::1");
	CHECK(json_is_true(json_object_get(r, "DisableGatewayService")));
	json_decref(r);
	r = expect_json(spec_encode_join(&plain), "{\"InterfaceName\":{\"SrcName\":\"enp1s0f0v3\",\"DstPrefix\":"
						  "\"eth\"}}");
	CHECK(json_object_get(r, "Gateway") == NULL);
	CHECK(json_object_get(r, "DisableGatewayService") == NULL);
	json_decref(r);
	json_decref(expect_json(spec_encode_join(&blank), "{\"InterfaceName\":{\"SrcName\":\"vf0\",\"DstPrefix\":"
							  "\"eth\"}}"));
	json_decref(expect_json(spec_encode_join(&none), "{}"));
}

static void test_oper_info(void)
{
	const struct spec_oper_field fields[] = {
		{ .key = "pf", .str = "enp1s0f0" },
		{ .key = "vf", .num = 3 },
		{ .key = NULL, .str = "skipped" },
		{ .key = "vlan", .num = -1 },
	};
	json_t *r;
	json_t *value;

	r = expect_json(spec_encode_oper_info(fields, 4), "{\"Value\":{\"pf\":\"enp1s0f0\",\"vf\":3,\"vlan\":-1}}");
	value = json_object_get(r, "Value");
	CHECK(json_integer_value(json_object_get(value, "vf")) == 3);
	CHECK(json_object_size(value) == 3);
	json_decref(r);
	json_decref(expect_json(spec_encode_oper_info(NULL, 0), "{\"Value\":{}}"));
}

static void test_ipam(void)
{
	json_t *r;
	json_t *data;

	r = expect_json(spec_encode_request_pool("p1", "10.9.0.0/16", "10.9.0.1/16"),
			"{\"PoolID\":\"p1\",\"Pool\":\"10.9.0.0/16\",\"Data\":{\"com.docker.network.gateway\":"
			"\"10.9.0.1/16\"}}");
	data = json_object_get(r, "Data");
	CHECK_STR_EQ(str_at(data, "com.docker.network.gateway"), "10.9.0.1/16");
	CHECK_STR_EQ(str_at(r, "PoolID"), "p1");
	json_decref(r);
	r = expect_json(spec_encode_request_pool("p1", "10.9.0.0/16", NULL),
			"{\"PoolID\":\"p1\",\"Pool\":\"10.9.0.0/16\",\"Data\":{}}");
	CHECK(json_object_size(json_object_get(r, "Data")) == 0);
	json_decref(r);
	json_decref(expect_json(spec_encode_request_pool("p1", "10.9.0.0/16", ""),
				"{\"PoolID\":\"p1\",\"Pool\":\"10.9.0.0/16\",\"Data\":{}}"));
	r = expect_json(spec_encode_request_address("10.9.0.2/16"), "{\"Address\":\"10.9.0.2/16\",\"Data\":{}}");
	CHECK_STR_EQ(str_at(r, "Address"), "10.9.0.2/16");
	json_decref(r);
}

/* What we encode, our own decoders (and Docker's) read back. */
static void test_round_trip_decoders(void)
{
	char *pool = spec_encode_request_pool("sriov-1", "10.9.0.0/16", NULL);
	struct spec_release_pool rp;
	sr_error err;

	sr_error_clear(&err);
	CHECK(pool && spec_decode_release_pool(pool, strlen(pool), &rp, &err) == 0);
	CHECK_STR_EQ(rp.pool_id, "sriov-1");
	free(pool);
}

int main(void)
{
	test_simple();
	test_activate();
	test_error();
	test_create_endpoint();
	test_join();
	test_oper_info();
	test_ipam();
	test_round_trip_decoders();
	return check_summary("spec_encode");
}
