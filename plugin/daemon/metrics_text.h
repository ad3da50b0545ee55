/* metrics_text: the Prometheus text exposition format, version 0.0.4, written into a growing
 * buffer. A family is announced once (# HELP, # TYPE) and its samples follow it; label values
 * and help texts are escaped as the format says (backslash, double quote, newline), so an
 * endpoint or network name can never break a line or forge a sample. The first allocation
 * failure sticks: the caller checks `failed` once at the end. */
#ifndef METRICS_TEXT_H
#define METRICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics_hist.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_text {
	char *buf; /* malloc'd, NUL-terminated; the caller frees it */
	size_t len, cap;
	bool failed;
};

struct metrics_label {
	const char *name;
	const char *value;
};

/* type: "counter", "gauge", "histogram" or "untyped". */
void metrics_text_family(struct metrics_text *t, const char *name, const char *type, const char *help);
void metrics_text_u64(struct metrics_text *t, const char *name, const struct metrics_label *labels, size_t n,
		      uint64_t value);
void metrics_text_double(struct metrics_text *t, const char *name, const struct metrics_label *labels, size_t n,
			 double value);
/* name_bucket{...,le="..."} for every bound and +Inf (cumulative), name_sum, name_count. */
void metrics_text_histogram(struct metrics_text *t, const char *name, const struct metrics_label *labels, size_t n,
			    const struct metrics_hist_snapshot *h);
/* printf into the buffer (for what the helpers above do not cover). */
void metrics_text_printf(struct metrics_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
