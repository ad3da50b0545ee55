#include "sr_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void format_into(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		buf[0] = '\0';
}

static int set_va(sr_error *err, enum sr_kind kind, int code, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->code = code;
	err->kind = kind;
	format_into(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int sr_error_set(sr_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(err, SR_INTERNAL, code, fmt, ap);
	va_end(ap);
	return -1;
}

int sr_error_set_kind(sr_error *err, enum sr_kind kind, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(err, kind, code, fmt, ap);
	va_end(ap);
	return -1;
}

int sr_error_kind(sr_error *err, enum sr_kind kind)
{
	if (err)
		err->kind = (int)kind;
	return -1;
}

int sr_error_set_errno(sr_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	if (!err)
		return -1;
	va_start(ap, fmt);
	set_va(err, SR_INTERNAL, code, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	if (len < sizeof(err->msg))
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(code));
	return -1;
}

/* err->msg = head bytes of prefix, cut1, ": ", cut2, tail bytes of rest; the caller made sure it fits. */
static int join(sr_error *err, const char *prefix, size_t head, const char *cut1, const char *cut2, const char *rest,
		size_t tail)
{
	char *p = err->msg;
	memcpy(p, prefix, head);
	p += head;
	p = stpcpy(p, cut1);
	p = stpcpy(p, ": ");
	p = stpcpy(p, cut2);
	memcpy(p, rest, tail);
	p[tail] = '\0';
	return -1;
}

int sr_error_wrap(sr_error *err, const char *fmt, ...)
{
	char prefix[SR_ERROR_MSG_MAX];
	char old[SR_ERROR_MSG_MAX];
	const size_t cap = SR_ERROR_MSG_MAX - 1;
	size_t head, tail, olen;
	va_list ap;
	if (!err)
		return -1;
	va_start(ap, fmt);
	format_into(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	head = strlen(prefix);
	olen = strlen(old);
	tail = olen;
	if (!old[0]) {
		memcpy(err->msg, prefix, head + 1);
		return -1;
	}
	if (head + 2 + tail <= cap)
		return join(err, prefix, head, "", "", old, tail);
	/* Too long: the outermost context starts the prefix and the kernel's reason ends the old
	 * message, so both ends stay and the middle goes, marked "...". Each end gets half of the
	 * room, or what the other leaves when it needs less. */
	size_t room = cap - 2 - 6; /* ": " and a "..." on each side of it at most */
	if (head > room / 2 && tail > room / 2) {
		head = room / 2;
		tail = room - head;
	} else if (tail > room / 2) {
		tail = room - head;
	} else {
		head = room - tail;
	}
	return join(err, prefix, head, head < strlen(prefix) ? "..." : "", tail < olen ? "..." : "", old + olen - tail,
		    tail);
}

void sr_error_clear(sr_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->kind = SR_INTERNAL;
	err->msg[0] = '\0';
}
