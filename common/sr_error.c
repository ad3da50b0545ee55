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

int sr_error_set(sr_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	format_into(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int sr_error_set_errno(sr_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	format_into(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	if (len < sizeof(err->msg))
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(code));
	return -1;
}

int sr_error_wrap(sr_error *err, const char *fmt, ...)
{
	char prefix[SR_ERROR_MSG_MAX];
	char old[SR_ERROR_MSG_MAX];
	va_list ap;
	if (!err)
		return -1;
	va_start(ap, fmt);
	format_into(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* the message is cut at the buffer's end on purpose: the outermost context matters most */
	size_t used = strnlen(prefix, sizeof(err->msg) - 1);
	memcpy(err->msg, prefix, used);
	if (old[0] && used + 2 < sizeof(err->msg)) {
		size_t room = sizeof(err->msg) - 1 - used - 2;
		size_t n = strnlen(old, room);
		memcpy(err->msg + used, ": ", 2);
		memcpy(err->msg + used + 2, old, n);
		used += 2 + n;
	}
	err->msg[used] = '\0';
	return -1;
}

void sr_error_clear(sr_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
