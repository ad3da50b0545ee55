/* A tiny test harness: CHECK(expr) records a failure with file:line and goes on;
 * check_summary() prints "N passed, N failed" and returns the exit status. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed_count;
static int check_failed_count;

#define CHECK(expr)                                                                    \
	do {                                                                           \
		if (expr) {                                                            \
			check_passed_count++;                                          \
		} else {                                                               \
			check_failed_count++;                                          \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr); \
		}                                                                      \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                                      \
	do {                                                                                    \
		const char *check_a_ = (a), *check_b_ = (b);                                    \
		if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) {                  \
			check_passed_count++;                                                   \
		} else {                                                                        \
			check_failed_count++;                                                   \
			fprintf(stderr, "FAIL %s:%d: %s == %s (\"%s\" vs \"%s\")\n", __FILE__,  \
				__LINE__, #a, #b, check_a_ ? check_a_ : "(null)",              \
				check_b_ ? check_b_ : "(null)");                                \
		}                                                                               \
	} while (0)

static inline int check_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed_count, check_failed_count);
	return check_failed_count ? 1 : 0;
}

#endif
