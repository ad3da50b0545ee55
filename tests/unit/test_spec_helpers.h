/* Shared by the test_spec_*.c suites: real Docker identifiers and a way to
 * say "this body fails with exactly this message" in one line. */
#ifndef TEST_SPEC_HELPERS_H
#define TEST_SPEC_HELPERS_H

#include <string.h>

#include "../../spec/spec.h"
#include "check.h"

#define NID "9f8a6c7e0b1d2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912"
#define EID "3c1e5b2f8a7d6c4e9b0a1f2e3d4c5b6a79887766554433221100ffeeddccbbaa"

/* Decode the NUL-terminated body with decoder into a fresh `type`, expect -1
 * and the exact error message. */
#define EXPECT_DECODE_ERR(decoder, type, body, message)                     \
	do {                                                                \
		type out_;                                                  \
		sr_error err_;                                              \
		sr_error_clear(&err_);                                      \
		CHECK(decoder((body), strlen(body), &out_, &err_) == -1);   \
		CHECK_STR_EQ(err_.msg, (message));                          \
	} while (0)

/* Same, but only the message's beginning is checked (jansson's own text follows). */
#define EXPECT_DECODE_ERR_PREFIX(decoder, type, body, prefix)                        \
	do {                                                                         \
		type out_;                                                           \
		sr_error err_;                                                       \
		sr_error_clear(&err_);                                               \
		CHECK(decoder((body), strlen(body), &out_, &err_) == -1);            \
		CHECK(strncmp(err_.msg, (prefix), strlen(prefix)) == 0);             \
		if (strncmp(err_.msg, (prefix), strlen(prefix)) != 0)                \
			fprintf(stderr, "  got \"%s\"\n", err_.msg);                 \
	} while (0)

#endif
