/* CreateEndpoint, endpoint references, Join, Discover. */
#include "test_spec_helpers.h"

/* docker run --network n1 --ip 10.9.0.2 --mac-address 02:42:0a:09:00:02 -p 8080:80
 *   (plus --network n1,driver-opt=vf=3 style endpoint options) */
static const char create_body[] =
	"{\"NetworkID\":\"" NID "\",\"EndpointID\":\"" EID "\","
	"\"Interface\":{\"Address\":\"10.9.0.2/16\",\"AddressIPv6\":\"\",\"MacAddress\":\"02:42:0a:09:00:02\"},"
	"\"Options\":{\"com.docker.network.endpoint.exposedports\":[{\"Proto\":6,\"Port\":80}],"
	"\"com.docker.network.endpoint.macaddress\":\"AkIKCQAC\","
	"\"com.docker.network.portmap\":[{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\",\"HostPort\":8080,"
	"\"HostPortEnd\":8080}],\"vf\":\"3\",\"trust\":true,\"nothing\":null}}\n";

static void test_create_endpoint_real(void)
{
	struct spec_create_endpoint req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_create_endpoint(create_body, strlen(create_body), &req, &err) == 0);
	CHECK_STR_EQ(req.network_id, NID);
	CHECK_STR_EQ(req.endpoint_id, EID);
	CHECK_STR_EQ(req.address, "10.9.0.2/16");
	CHECK_STR_EQ(req.address_ipv6, "");
	CHECK_STR_EQ(req.mac_address, "02:42:0a:09:00:02");
	/* Only string values are kept: port lists, booleans and nulls are not ours. */
	CHECK(req.options.count == 2);
	CHECK_STR_EQ(spec_map_get(&req.options, "vf"), "3");
	CHECK(spec_map_get(&req.options, "com.docker.network.portmap") == NULL);
	CHECK(spec_map_get(&req.options, "trust") == NULL);
	/* the MAC option (base64 of Interface.MacAddress, which is what the daemon reads) kept as given */
	CHECK_STR_EQ(spec_map_get(&req.options, "com.docker.network.endpoint.macaddress"), "AkIKCQAC");
	spec_create_endpoint_free(&req);
	CHECK(req.options.count == 0);
}

static void test_create_endpoint_shapes(void)
{
	static const char no_iface[] = "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\"}";
	static const char null_iface[] = "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"Interface\":null,\"Options\":null}";
	static const char v6[] = "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"Interface\":{\"AddressIPv6\":"
				 "\"fd00:1::2/64\",\"Address\":null},\"Options\":{}}";
	struct spec_create_endpoint req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_create_endpoint(no_iface, strlen(no_iface), &req, &err) == 0);
	CHECK_STR_EQ(req.address, "");
	CHECK_STR_EQ(req.mac_address, "");
	CHECK(req.options.count == 0);
	spec_create_endpoint_free(&req);
	CHECK(spec_decode_create_endpoint(null_iface, strlen(null_iface), &req, &err) == 0);
	CHECK_STR_EQ(req.address_ipv6, "");
	spec_create_endpoint_free(&req);
	CHECK(spec_decode_create_endpoint(v6, strlen(v6), &req, &err) == 0);
	CHECK_STR_EQ(req.address, "");
	CHECK_STR_EQ(req.address_ipv6, "fd00:1::2/64");
	spec_create_endpoint_free(&req);
}

static void test_create_endpoint_errors(void)
{
#define EP(rest) "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\"," rest "}"
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint, "{\"NetworkID\":\"n1\"}",
			  "EndpointID: missing");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint, "{\"EndpointID\":\"e1\"}",
			  "NetworkID: missing");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint,
			  "{\"NetworkID\":\"n1\",\"EndpointID\":7}", "EndpointID: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint,
			  "{\"NetworkID\":\"n1\",\"EndpointID\":\"e 1\"}",
			  "EndpointID: invalid identifier (1-128 characters of A-Z a-z 0-9 _ . -)");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint, EP("\"Interface\":\"x\""),
			  "Interface: not an object");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint, EP("\"Interface\":[]"),
			  "Interface: not an object");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint,
			  EP("\"Interface\":{\"MacAddress\":5}"), "Interface.MacAddress: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint,
			  EP("\"Interface\":{\"Address\":{}}"), "Interface.Address: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint,
			  EP("\"Interface\":{\"AddressIPv6\":false}"), "Interface.AddressIPv6: not a string");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint,
			  EP("\"Interface\":{\"MacAddress\":\"02:42:0a:09:00:02:02:42:0a:09:00:0\"}"),
			  "Interface.MacAddress: too long");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint, EP("\"Options\":[]"),
			  "Options: not an object");
#undef EP
}

static void test_endpoint_ref(void)
{
	static const char leave[] = "{\"NetworkID\":\"" NID "\",\"EndpointID\":\"" EID "\"}\n";
	static const char program[] = "{\"NetworkID\":\"" NID "\",\"EndpointID\":\"" EID "\",\"Options\":{"
				      "\"com.docker.network.endpoint.exposedports\":[],"
				      "\"com.docker.network.driver.private.no_proxy_6to4\":true}}\n";
	struct spec_endpoint_ref ref;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_endpoint_ref(leave, strlen(leave), &ref, &err) == 0);
	CHECK_STR_EQ(ref.network_id, NID);
	CHECK_STR_EQ(ref.endpoint_id, EID);
	CHECK(spec_decode_endpoint_ref(program, strlen(program), &ref, &err) == 0);
	CHECK_STR_EQ(ref.endpoint_id, EID);
	EXPECT_DECODE_ERR(spec_decode_endpoint_ref, struct spec_endpoint_ref, "{\"NetworkID\":\"n1\"}",
			  "EndpointID: missing");
	EXPECT_DECODE_ERR(spec_decode_endpoint_ref, struct spec_endpoint_ref,
			  "{\"NetworkID\":\"n1\",\"EndpointID\":null}", "EndpointID: missing");
	EXPECT_DECODE_ERR(spec_decode_endpoint_ref, struct spec_endpoint_ref, "{\"EndpointID\":\"e1\"}",
			  "NetworkID: missing");
}

static void test_join(void)
{
	static const char body[] = "{\"NetworkID\":\"" NID "\",\"EndpointID\":\"" EID "\","
				   "\"SandboxKey\":\"/var/run/docker/netns/1c2d3e4f5a6b\","
				   "\"Options\":{\"com.docker.network.endpoint.exposedports\":[{\"Proto\":6,\"Port\":80}],"
				   "\"com.docker.network.portmap\":[]}}\n";
	static const char odd_options[] = "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"SandboxKey\":\"/x\","
					  "\"Options\":5}";
	char key255[SPEC_PATH_MAX];
	char big[SPEC_PATH_MAX + 64];
	struct spec_join req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_join(body, strlen(body), &req, &err) == 0);
	CHECK_STR_EQ(req.network_id, NID);
	CHECK_STR_EQ(req.endpoint_id, EID);
	CHECK_STR_EQ(req.sandbox_key, "/var/run/docker/netns/1c2d3e4f5a6b");
	/* Options are ignored whatever they hold. */
	CHECK(spec_decode_join(odd_options, strlen(odd_options), &req, &err) == 0);
	CHECK_STR_EQ(req.sandbox_key, "/x");
	EXPECT_DECODE_ERR(spec_decode_join, struct spec_join, "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\"}",
			  "SandboxKey: missing");
	EXPECT_DECODE_ERR(spec_decode_join, struct spec_join,
			  "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"SandboxKey\":\"\"}", "SandboxKey: missing");
	EXPECT_DECODE_ERR(spec_decode_join, struct spec_join,
			  "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"SandboxKey\":null}", "SandboxKey: missing");
	EXPECT_DECODE_ERR(spec_decode_join, struct spec_join,
			  "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"SandboxKey\":5}", "SandboxKey: not a string");
	EXPECT_DECODE_ERR(spec_decode_join, struct spec_join, "{\"NetworkID\":\"n1\",\"SandboxKey\":\"/x\"}",
			  "EndpointID: missing");
	memset(key255, 'k', sizeof(key255) - 1);
	key255[sizeof(key255) - 1] = '\0';
	snprintf(big, sizeof(big), "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"SandboxKey\":\"%s\"}", key255);
	CHECK(spec_decode_join(big, strlen(big), &req, &err) == 0);
	CHECK_STR_EQ(req.sandbox_key, key255);
	snprintf(big, sizeof(big), "{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"SandboxKey\":\"%sk\"}", key255);
	EXPECT_DECODE_ERR(spec_decode_join, struct spec_join, big, "SandboxKey: too long");
}

static void test_discover(void)
{
	static const char body[] = "{\"DiscoveryType\":1,\"DiscoveryData\":{\"Address\":\"10.0.0.5\","
				   "\"BindAddress\":\"0.0.0.0\",\"Self\":true}}\n";
	static const char type2[] = "{\"DiscoveryType\":2}";
	struct spec_discover req;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_discover(body, strlen(body), &req, &err) == 0);
	CHECK(req.discovery_type == 1);
	CHECK(spec_decode_discover(type2, strlen(type2), &req, &err) == 0);
	CHECK(req.discovery_type == 2);
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryData\":{}}",
			  "DiscoveryType: missing");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":null}",
			  "DiscoveryType: missing");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":\"1\"}",
			  "DiscoveryType: not an integer");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":1.0}",
			  "DiscoveryType: not an integer");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":true}",
			  "DiscoveryType: not an integer");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":4294967296}",
			  "DiscoveryType: out of range");
}

int main(void)
{
	test_create_endpoint_real();
	test_create_endpoint_shapes();
	test_create_endpoint_errors();
	test_endpoint_ref();
	test_join();
	test_discover();
	return check_summary("spec_endpoint");
}
