#include "metrics_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct metrics_text *t, size_t more)
{
	size_t cap;
	char *p;
	if (t->failed)
		return false;
	if (t->len + more + 1 <= t->cap)
		return true;
	cap = t->cap ? t->cap : 16384;
	while (cap < t->len + more + 1)
		cap *= 2;
	p = realloc(t->buf, cap);
	if (!p) {
		t->failed = true;
		return false;
	}
	t->buf = p;
	t->cap = cap;
	return true;
}

static void put(struct metrics_text *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void puts_(struct metrics_text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* Label values escape \, " and newline; help texts \ and newline (the format's rules). */
static void put_escaped(struct metrics_text *t, const char *s, bool quote)
{
	for (const char *run = s;; s++) {
		const char *esc = NULL;
		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (!esc && *s)
			continue;
		put(t, run, (size_t)(s - run));
		if (!*s)
			return;
		puts_(t, esc);
		run = s + 1;
	}
}

void metrics_text_printf(struct metrics_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void metrics_text_family(struct metrics_text *t, const char *name, const char *type, const char *help)
{
	puts_(t, "# HELP ");
	puts_(t, name);
	puts_(t, " ");
	put_escaped(t, help, false);
	puts_(t, "\n# TYPE ");
	puts_(t, name);
	puts_(t, " ");
	puts_(t, type);
	puts_(t, "\n");
}

static void put_series(struct metrics_text *t, const char *name, const char *suffix, const struct metrics_label *labels,
		       size_t n, const char *le)
{
	puts_(t, name);
	puts_(t, suffix);
	if (n == 0 && !le)
		return;
	puts_(t, "{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			puts_(t, ",");
		puts_(t, labels[i].name);
		puts_(t, "=\"");
		put_escaped(t, labels[i].value ? labels[i].value : "", true);
		puts_(t, "\"");
	}
	if (le) {
		puts_(t, n ? ",le=\"" : "le=\"");
		puts_(t, le);
		puts_(t, "\"");
	}
	puts_(t, "}");
}

/* " <value>\n" without printf: a page has a sample per VF and counter, thousands of them */
static void put_u64(struct metrics_text *t, uint64_t value)
{
	char digits[24];
	size_t i = sizeof(digits);
	digits[--i] = '\n';
	do {
		digits[--i] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	digits[--i] = ' ';
	put(t, digits + i, sizeof(digits) - i);
}

void metrics_text_u64(struct metrics_text *t, const char *name, const struct metrics_label *labels, size_t n,
		      uint64_t value)
{
	put_series(t, name, "", labels, n, NULL);
	put_u64(t, value);
}

void metrics_text_double(struct metrics_text *t, const char *name, const struct metrics_label *labels, size_t n,
			 double value)
{
	put_series(t, name, "", labels, n, NULL);
	metrics_text_printf(t, " %.9g\n", value);
}

void metrics_text_histogram(struct metrics_text *t, const char *name, const struct metrics_label *labels, size_t n,
			    const struct metrics_hist_snapshot *h)
{
	char le[32];
	for (size_t i = 0; i <= h->nbounds; i++) {
		if (i < h->nbounds)
			snprintf(le, sizeof(le), "%g", h->bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		put_series(t, name, "_bucket", labels, n, le);
		put_u64(t, h->cumulative[i]);
	}
	put_series(t, name, "_sum", labels, n, NULL);
	metrics_text_printf(t, " %.9f\n", h->sum);
	put_series(t, name, "_count", labels, n, NULL);
	put_u64(t, h->count);
}
