/* Body-level rules every decoder shares: empty, NUL, invalid JSON, not an
 * object, duplicate keys, nesting bombs, huge numbers, identifiers. */
#include <stdlib.h>

#include "test_spec_helpers.h"

static void test_empty(void)
{
	struct spec_network_ref out;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_network_ref(NULL, 0, &out, &err) == -1);
	CHECK_STR_EQ(err.msg, "request body: empty");
	CHECK(spec_decode_network_ref("{}", 0, &out, &err) == -1);
	CHECK_STR_EQ(err.msg, "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "\n", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, " \t\r\n", "request body: empty");
	/* Every decoder refuses an empty body: none of them is a no-argument call. */
	EXPECT_DECODE_ERR(spec_decode_create_network, struct spec_create_network, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_allocate_network, struct spec_allocate_network, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_create_endpoint, struct spec_create_endpoint, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_endpoint_ref, struct spec_endpoint_ref, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_join, struct spec_join, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_request_pool, struct spec_request_pool, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_release_pool, struct spec_release_pool, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_request_address, struct spec_request_address, "", "request body: empty");
	EXPECT_DECODE_ERR(spec_decode_release_address, struct spec_release_address, "", "request body: empty");
}

static void test_nul_byte(void)
{
	static const char body[] = "{\"NetworkID\":\"" NID "\"}\n";
	struct spec_network_ref out;
	sr_error err;

	sr_error_clear(&err);
	/* sizeof includes the terminating NUL: the body really carries one. */
	CHECK(spec_decode_network_ref(body, sizeof(body), &out, &err) == -1);
	CHECK_STR_EQ(err.msg, "request body: contains a NUL byte");
	/* Length is honoured: the same bytes without the NUL decode. */
	CHECK(spec_decode_network_ref(body, sizeof(body) - 1, &out, &err) == 0);
	CHECK_STR_EQ(out.network_id, NID);
	/* An escaped NUL inside a string is refused by the parser too. */
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref,
				 "{\"NetworkID\":\"ab\\u0000cd\"}", "request body: invalid JSON at line 1 column");
}

static void test_length_honoured(void)
{
	/* Bytes past len must not be read: a truncated view is invalid JSON. */
	static const char body[] = "{\"NetworkID\":\"abc\"}";
	struct spec_network_ref out;
	sr_error err;

	sr_error_clear(&err);
	CHECK(spec_decode_network_ref(body, sizeof(body) - 2, &out, &err) == -1);
	CHECK(strncmp(err.msg, "request body: invalid JSON at line 1 column ", 44) == 0);
}

static void test_invalid_json(void)
{
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":",
				 "request body: invalid JSON at line 1 column ");
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":\"x\"",
				 "request body: invalid JSON at line 1 column ");
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, "{NetworkID:1}",
				 "request body: invalid JSON at line 1 column ");
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, "{\"a\":1}{\"b\":2}",
				 "request body: invalid JSON at line 1 column ");
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, "{\"a\":1,}",
				 "request body: invalid JSON at line 1 column ");
	/* Line numbers count from 1 and follow newlines. */
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, "{\n\"a\":\n}",
				 "request body: invalid JSON at line 3 column 1: ");
	/* Invalid UTF-8 inside a string. */
	EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":\"\xff\"}",
				 "request body: invalid JSON at line 1 column ");
	/* jansson's text is kept so the user sees what went wrong. */
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref,
			  "{\"NetworkID\":\"" NID "\",\"NetworkID\":\"b\"}",
			  "request body: invalid JSON at line 1 column 91: duplicate object key near '\"NetworkID\"'");
}

static void test_not_object(void)
{
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "[]", "request body: not a JSON object");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "[{\"NetworkID\":\"" NID "\"}]\n",
			  "request body: not a JSON object");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "\"x\"", "request body: not a JSON object");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "42", "request body: not a JSON object");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "null\n",
			  "request body: not a JSON object");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "true", "request body: not a JSON object");
}

/* '[' * depth + ']' * depth, optionally wrapped as a field value. */
static char *nested(size_t depth, bool in_field)
{
	const char *head = in_field ? "{\"NetworkID\":\"" NID "\",\"X\":" : "";
	size_t head_len = strlen(head);
	char *s = malloc(head_len + 2 * depth + 2);

	if (!s)
		return NULL;
	memcpy(s, head, head_len);
	memset(s + head_len, '[', depth);
	memset(s + head_len + depth, ']', depth);
	s[head_len + 2 * depth] = in_field ? '}' : '\0';
	s[head_len + 2 * depth + 1] = '\0';
	return s;
}

static void test_deep_nesting(void)
{
	char *top = nested(10000, false);
	char *field = nested(10000, true);
	char *shallow = nested(100, true);

	CHECK(top && field && shallow);
	if (top && field && shallow) {
		EXPECT_DECODE_ERR_PREFIX(spec_decode_network_ref, struct spec_network_ref, top,
					 "request body: invalid JSON at line 1 column ");
		EXPECT_DECODE_ERR_PREFIX(spec_decode_create_network, struct spec_create_network, field,
					 "request body: invalid JSON at line 1 column ");
		EXPECT_DECODE_ERR_PREFIX(spec_decode_create_endpoint, struct spec_create_endpoint, field,
					 "request body: invalid JSON at line 1 column ");
		/* Moderate nesting in an unknown field is simply ignored. */
		struct spec_network_ref out;
		sr_error err;
		sr_error_clear(&err);
		CHECK(spec_decode_network_ref(shallow, strlen(shallow), &out, &err) == 0);
	}
	free(top);
	free(field);
	free(shallow);
}

static void test_huge_numbers(void)
{
	EXPECT_DECODE_ERR_PREFIX(spec_decode_discover, struct spec_discover,
				 "{\"DiscoveryType\":123456789012345678901234567890}",
				 "request body: invalid JSON at line 1 column ");
	EXPECT_DECODE_ERR_PREFIX(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":1e400}",
				 "request body: invalid JSON at line 1 column ");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":9223372036854775807}",
			  "DiscoveryType: out of range");
	EXPECT_DECODE_ERR(spec_decode_discover, struct spec_discover, "{\"DiscoveryType\":-2147483649}",
			  "DiscoveryType: out of range");
}

static void test_identifiers(void)
{
	char id128[SPEC_ID_MAX + 2];

	CHECK(spec_id_valid(NID));
	CHECK(spec_id_valid("p1"));
	CHECK(spec_id_valid("a.b_c-D9"));
	CHECK(!spec_id_valid(""));
	CHECK(!spec_id_valid(NULL));
	CHECK(!spec_id_valid("a/b"));
	CHECK(!spec_id_valid("../x"));
	CHECK(!spec_id_valid("a b"));
	CHECK(!spec_id_valid("a\nb"));
	CHECK(!spec_id_valid("caf\xc3\xa9"));
	memset(id128, 'a', SPEC_ID_MAX);
	id128[SPEC_ID_MAX] = '\0';
	CHECK(spec_id_valid(id128));
	id128[SPEC_ID_MAX] = 'a';
	id128[SPEC_ID_MAX + 1] = '\0';
	CHECK(!spec_id_valid(id128));
}

static void test_network_id_errors(void)
{
	char body[512];
	char id[SPEC_ID_MAX + 2];
	struct spec_network_ref out;
	sr_error err;

	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "{}", "NetworkID: missing");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":null}",
			  "NetworkID: missing");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "{\"networkid\":\"abc\"}",
			  "NetworkID: missing");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":42}",
			  "NetworkID: not a string");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":[\"a\"]}",
			  "NetworkID: not a string");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":\"\"}",
			  "NetworkID: invalid identifier (1-128 characters of A-Z a-z 0-9 _ . -)");
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, "{\"NetworkID\":\"../../etc\"}",
			  "NetworkID: invalid identifier (1-128 characters of A-Z a-z 0-9 _ . -)");
	memset(id, 'f', SPEC_ID_MAX);
	id[SPEC_ID_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"NetworkID\":\"%s\"}", id);
	sr_error_clear(&err);
	CHECK(spec_decode_network_ref(body, strlen(body), &out, &err) == 0);
	CHECK_STR_EQ(out.network_id, id);
	id[SPEC_ID_MAX] = 'f';
	id[SPEC_ID_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"NetworkID\":\"%s\"}", id);
	EXPECT_DECODE_ERR(spec_decode_network_ref, struct spec_network_ref, body,
			  "NetworkID: invalid identifier (1-128 characters of A-Z a-z 0-9 _ . -)");
}

int main(void)
{
	test_empty();
	test_nul_byte();
	test_length_honoured();
	test_invalid_json();
	test_not_object();
	test_deep_nesting();
	test_huge_numbers();
	test_identifiers();
	test_network_id_errors();
	return check_summary("spec_body");
}
