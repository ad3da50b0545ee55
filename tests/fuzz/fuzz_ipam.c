/* libFuzzer target: every IpamDriver decoder on the same bytes. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct spec_request_pool pool;
	struct spec_release_pool release_pool;
	struct spec_request_address address;
	struct spec_release_address release_address;
	sr_error err;
	int rc;

	sr_error_clear(&err);
	rc = spec_decode_request_pool(body, size, &pool, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0) {
		FUZZ_ASSERT_CSTR(pool.address_space);
		FUZZ_ASSERT_CSTR(pool.pool);
		FUZZ_ASSERT_CSTR(pool.sub_pool);
		fuzz_check_map(&pool.options);
		spec_request_pool_free(&pool);
	}

	sr_error_clear(&err);
	rc = spec_decode_release_pool(body, size, &release_pool, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0)
		FUZZ_ASSERT(spec_id_valid(release_pool.pool_id));

	sr_error_clear(&err);
	rc = spec_decode_request_address(body, size, &address, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0) {
		FUZZ_ASSERT(spec_id_valid(address.pool_id));
		FUZZ_ASSERT_CSTR(address.address);
		fuzz_check_map(&address.options);
		spec_request_address_free(&address);
	}

	sr_error_clear(&err);
	rc = spec_decode_release_address(body, size, &release_address, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0)
		FUZZ_ASSERT(spec_id_valid(release_address.pool_id) && release_address.address[0] != '\0');
	return 0;
}
