/* libFuzzer target: every endpoint-level decoder (CreateEndpoint, endpoint
 * references, Join, Discover), on the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct spec_create_endpoint create;
	struct spec_endpoint_ref ref;
	struct spec_join join;
	struct spec_discover discover;
	sr_error err;
	int rc;

	sr_error_clear(&err);
	rc = spec_decode_create_endpoint(body, size, &create, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0) {
		FUZZ_ASSERT(spec_id_valid(create.network_id) && spec_id_valid(create.endpoint_id));
		FUZZ_ASSERT_CSTR(create.address);
		FUZZ_ASSERT_CSTR(create.address_ipv6);
		FUZZ_ASSERT_CSTR(create.mac_address);
		fuzz_check_map(&create.options);
		spec_create_endpoint_free(&create);
	}

	sr_error_clear(&err);
	rc = spec_decode_endpoint_ref(body, size, &ref, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0)
		FUZZ_ASSERT(spec_id_valid(ref.network_id) && spec_id_valid(ref.endpoint_id));

	sr_error_clear(&err);
	rc = spec_decode_join(body, size, &join, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0)
		FUZZ_ASSERT(join.sandbox_key[0] != '\0' && memchr(join.sandbox_key, '\0', sizeof(join.sandbox_key)));

	sr_error_clear(&err);
	fuzz_check_result(spec_decode_discover(body, size, &discover, &err), &err);
	return 0;
}
