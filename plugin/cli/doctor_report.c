/* doctor_report: the list of findings, and how it reads in a terminal. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

int doctor_add(struct doctor_report *rep, enum doctor_result result, const char *name, const char *fix,
	       sr_error *err, const char *fmt, ...)
{
	struct doctor_check *c;
	va_list ap;
	if (rep->count == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 16;
		struct doctor_check *bigger = realloc(rep->checks, cap * sizeof(*bigger));
		if (!bigger)
			return sr_error_set_errno(err, ENOMEM, "doctor: record check %s", name);
		rep->checks = bigger;
		rep->cap = cap;
	}
	c = &rep->checks[rep->count++];
	memset(c, 0, sizeof(*c));
	c->result = result;
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->fix, sizeof(c->fix), "%s", fix && result != DOCTOR_PASS ? fix : "");
	va_start(ap, fmt);
	vsnprintf(c->finding, sizeof(c->finding), fmt, ap);
	va_end(ap);
	return 0;
}

void doctor_report_free(struct doctor_report *rep)
{
	free(rep->checks);
	rep->checks = NULL;
	rep->count = rep->cap = 0;
}

bool doctor_report_failed(const struct doctor_report *rep)
{
	for (size_t i = 0; i < rep->count; i++)
		if (rep->checks[i].result == DOCTOR_FAIL)
			return true;
	return false;
}

const struct doctor_check *doctor_report_find(const struct doctor_report *rep, const char *prefix)
{
	for (size_t i = 0; i < rep->count; i++)
		if (!strncmp(rep->checks[i].name, prefix, strlen(prefix)))
			return &rep->checks[i];
	return NULL;
}

void doctor_report_print(FILE *out, const struct doctor_report *rep)
{
	static const char *const words[] = {"pass", "warn", "FAIL"};
	unsigned counts[3] = {0, 0, 0};
	for (size_t i = 0; i < rep->count; i++) {
		const struct doctor_check *c = &rep->checks[i];
		counts[c->result]++;
		fprintf(out, "[%s] %s: %s\n", words[c->result], c->name, c->finding);
		if (c->fix[0])
			fprintf(out, "       fix: %s\n", c->fix);
	}
	fprintf(out, "doctor: %u passed, %u warnings, %u failed\n", counts[0], counts[1], counts[2]);
}
