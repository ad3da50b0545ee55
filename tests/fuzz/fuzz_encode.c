/* libFuzzer target: encoders fed arbitrary strings (error messages can quote
 * user input) must always produce JSON that parses back, with every valid
 * character kept and nothing else added. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

/* Parse out and return obj[key] as a string; aborts when it is not there. */
static void check_string_field(char *out, const char *key, size_t expected_len)
{
	json_t *root;
	const json_t *value;

	FUZZ_ASSERT(out != NULL);
	root = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_ASSERT(json_is_object(root));
	value = json_object_get(root, key);
	FUZZ_ASSERT(json_is_string(value));
	/* Invalid bytes become one '?' each, so the length is kept. */
	FUZZ_ASSERT(json_string_length(value) == expected_len);
	json_decref(root);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	size_t len;
	struct spec_join_response join;
	struct spec_oper_field field;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);

	check_string_field(spec_encode_error(text), "Err", len);
	check_string_field(spec_encode_request_address(text), "Address", len);
	check_string_field(spec_encode_request_pool(text, text, text), "PoolID", len);
	if (len)
		check_string_field(spec_encode_join(&(struct spec_join_response){ .gateway = text }), "Gateway",
				   len);
	memset(&join, 0, sizeof(join));
	join.src_name = text;
	join.dst_prefix = text;
	join.gateway_ipv6 = text;
	join.disable_gateway_service = size & 1;
	free(spec_encode_join(&join));
	field.key = text;
	field.str = (size & 1) ? text : NULL;
	field.num = (long long)size;
	free(spec_encode_oper_info(&field, 1));
	free(spec_encode_create_endpoint(text));
	free(text);
	return 0;
}
