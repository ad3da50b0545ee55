/* fuzz_check: what every spec fuzz target asserts about a decoder's result.
 * A broken promise aborts, which libFuzzer reports as a crash with the input.
 *
 * Pattern for a new target (e.g. the plugin dispatcher): copy fuzz_ipam.c to
 * tests/fuzz/fuzz_<name>.c, call the code under test from
 * LLVMFuzzerTestOneInput, abort() on any broken invariant, and commit seeds
 * under tests/fuzz/corpus/fuzz_<name>/. mk/fuzz.mk picks it up by its name;
 * extra sources go in FUZZ_SRCS_fuzz_<name> (see there). */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "../../spec/spec.h"

#define FUZZ_ASSERT(cond)            \
	do {                         \
		if (!(cond))         \
			abort();     \
	} while (0)

/* The buffer holds a NUL-terminated string (never overrun, never truncated silently). */
#define FUZZ_ASSERT_CSTR(buf) FUZZ_ASSERT(memchr((buf), '\0', sizeof(buf)) != NULL)

/* After rc: 0 means no message was set, -1 means one was. */
static inline void fuzz_check_result(int rc, const sr_error *err)
{
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == 0)
		FUZZ_ASSERT(err->msg[0] == '\0');
	else
		FUZZ_ASSERT(err->msg[0] != '\0' && memchr(err->msg, '\0', sizeof(err->msg)));
}

/* A decoded map: every key and value present, lookups find the first key. */
static inline void fuzz_check_map(const struct spec_map *map)
{
	FUZZ_ASSERT(map->count == 0 || map->items != NULL);
	for (size_t i = 0; i < map->count; i++) {
		FUZZ_ASSERT(map->items[i].key && map->items[i].value);
		FUZZ_ASSERT(spec_map_get(map, map->items[i].key) != NULL);
	}
}

#endif
