/* IpamDriver request decoding. */
#include "test_spec_helpers.h"

static void test_request_pool(void)
{
	static const char body[] = "{\"AddressSpace\":\"local\",\"Pool\":\"10.9.0.0/16\",\"SubPool\":\"10.9.1.0/24\","
				   "\"Options\":{\"pf\":\"enp1s0f0\"},\"V6\":false}\n";
	static const char any[] = "{\"AddressSpace\":\"\",\"Pool\":\"\",\"SubPool\":\"\",\"Options\":null,\"V6\":true}\n";
	static const char bare[] = "{}";
	struct spec_request_pool req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_request_pool(body, strlen(body), &req, &err) == 0);
	CHECK_STR_EQ(req.address_space, "local");
	CHECK_STR_EQ(req.pool, "10.9.0.0/16");
	CHECK_STR_EQ(req.sub_pool, "10.9.1.0/24");
	CHECK(!req.v6);
	CHECK(req.options.count == 1);
	CHECK_STR_EQ(spec_map_get(&req.options, "pf"), "enp1s0f0");
	spec_request_pool_free(&req);
	CHECK(spec_decode_request_pool(any, strlen(any), &req, &err) == 0);
	CHECK_STR_EQ(req.pool, "");
	CHECK(req.v6);
	CHECK(req.options.count == 0);
	spec_request_pool_free(&req);
	CHECK(spec_decode_request_pool(bare, strlen(bare), &req, &err) == 0);
	CHECK(!req.v6 && req.options.count == 0);
	spec_request_pool_free(&req);

	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "{\"Pool\":16}", "Pool: not a string");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "{\"SubPool\":[]}",
			  "SubPool: not a string");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "{\"AddressSpace\":{}}",
			  "AddressSpace: not a string");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool,
			  "{\"Pool\":\"1111111111111111111111111111111111111111111111111111111111111111\"}",
			  "Pool: too long");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "{\"V6\":\"true\"}",
			  "V6: not a boolean");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "{\"V6\":1}", "V6: not a boolean");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "{\"Options\":{\"a\":\"b\",\"c\":1}}",
			  "Options.c: not a string");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "{\"Options\":\"a=b\"}",
			  "Options: not an object");
}

static void test_release_pool(void)
{
	static const char body[] = "{\"PoolID\":\"sriov-10.9.0.0_16\"}\n";
	struct spec_release_pool req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_release_pool(body, strlen(body), &req, &err) == 0);
	CHECK_STR_EQ(req.pool_id, "sriov-10.9.0.0_16");
	EXPECT_DECODE_ERR(spec_decode_release_pool, struct spec_release_pool, "{}", "PoolID: missing");
	EXPECT_DECODE_ERR(spec_decode_release_pool, struct spec_release_pool, "{\"PoolID\":1}",
			  "PoolID: not a string");
	EXPECT_DECODE_ERR(spec_decode_release_pool, struct spec_release_pool, "{\"PoolID\":\"10.9.0.0/16\"}",
			  "PoolID: invalid identifier (1-128 characters of A-Z a-z 0-9 _ . -)");
}

static void test_request_address(void)
{
	static const char gateway[] = "{\"PoolID\":\"p1\",\"Address\":\"\",\"Options\":{\"RequestAddressType\":"
				      "\"com.docker.network.gateway\"}}\n";
	static const char aux[] = "{\"PoolID\":\"p1\",\"Address\":\"10.9.0.5\",\"Options\":null}\n";
	static const char endpoint[] = "{\"PoolID\":\"p1\",\"Address\":\"\",\"Options\":{"
				       "\"com.docker.network.endpoint.macaddress\":\"AkIKCQAC\","
				       "\"com.docker.network.endpoint.name\":\"web\"}}\n";
	struct spec_request_address req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_request_address(gateway, strlen(gateway), &req, &err) == 0);
	CHECK_STR_EQ(req.pool_id, "p1");
	CHECK_STR_EQ(req.address, "");
	CHECK_STR_EQ(spec_map_get(&req.options, "RequestAddressType"), "com.docker.network.gateway");
	spec_request_address_free(&req);
	CHECK(spec_decode_request_address(aux, strlen(aux), &req, &err) == 0);
	CHECK_STR_EQ(req.address, "10.9.0.5");
	CHECK(req.options.count == 0);
	spec_request_address_free(&req);
	CHECK(spec_decode_request_address(endpoint, strlen(endpoint), &req, &err) == 0);
	CHECK(req.options.count == 2);
	CHECK_STR_EQ(spec_map_get(&req.options, "com.docker.network.endpoint.name"), "web");
	spec_request_address_free(&req);

	EXPECT_DECODE_ERR(spec_decode_request_address, struct spec_request_address, "{\"Address\":\"\"}",
			  "PoolID: missing");
	EXPECT_DECODE_ERR(spec_decode_request_address, struct spec_request_address,
			  "{\"PoolID\":\"p1\",\"Address\":5}", "Address: not a string");
	EXPECT_DECODE_ERR(spec_decode_request_address, struct spec_request_address,
			  "{\"PoolID\":\"p1\",\"Options\":[]}", "Options: not an object");
	EXPECT_DECODE_ERR(spec_decode_request_address, struct spec_request_address,
			  "{\"PoolID\":\"p1\",\"Options\":{\"RequestAddressType\":{}}}",
			  "Options.RequestAddressType: not a string");
}

static void test_release_address(void)
{
	static const char body[] = "{\"PoolID\":\"p1\",\"Address\":\"10.9.0.2\"}\n";
	struct spec_release_address req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_release_address(body, strlen(body), &req, &err) == 0);
	CHECK_STR_EQ(req.pool_id, "p1");
	CHECK_STR_EQ(req.address, "10.9.0.2");
	EXPECT_DECODE_ERR(spec_decode_release_address, struct spec_release_address, "{\"PoolID\":\"p1\"}",
			  "Address: missing");
	EXPECT_DECODE_ERR(spec_decode_release_address, struct spec_release_address,
			  "{\"PoolID\":\"p1\",\"Address\":\"\"}", "Address: missing");
	EXPECT_DECODE_ERR(spec_decode_release_address, struct spec_release_address,
			  "{\"PoolID\":\"p1\",\"Address\":[]}", "Address: not a string");
	EXPECT_DECODE_ERR(spec_decode_release_address, struct spec_release_address, "{\"Address\":\"10.9.0.2\"}",
			  "PoolID: missing");
}

int main(void)
{
	test_request_pool();
	test_release_pool();
	test_request_address();
	test_release_address();
	return check_summary("spec_ipam");
}
