#include "sr_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities journald understands: err, warning, info, debug */
static const int journald_priorities[] = {3, 4, 6, 7};

int sr_log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void sr_log_escape(const char *src, char *dst, unsigned long dst_size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned long o = 0;
	if (dst_size == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)src; *p && o + 5 < dst_size; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*p >> 4];
			dst[o++] = hex[*p & 0xf];
		} else if (*p == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			dst[o++] = (char)*p;
		}
	}
	dst[o] = '\0';
}

bool sr_log_vformat(const struct sr_log *log, int *level, char *safe, size_t size, const char *fmt, va_list ap)
{
	char raw[2048];
	if (*level < 0)
		*level = 0;
	if (*level > SR_LOG_DEBUG)
		*level = SR_LOG_DEBUG;
	if (log && *level > log->level)
		return false;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	sr_log_escape(raw, safe, size);
	return true;
}

void sr_log_msg(const struct sr_log *log, int level, const char *fmt, ...)
{
	char safe[4096];
	va_list ap;
	bool shown;
	va_start(ap, fmt);
	shown = sr_log_vformat(log, &level, safe, sizeof(safe), fmt, ap);
	va_end(ap);
	if (shown)
		sr_log_line(log, level, safe);
}

FILE *sr_log_stream(const struct sr_log *log, int level)
{
	/* journald reads the priority from the prefix: one stream says everything. Elsewhere the
	 * reader files by stream: dockerd logs a managed plugin's stderr at level=error and its
	 * stdout at level=info, so an info line on stderr would look like an error there. */
	if (log && log->journald)
		return stderr;
	return level <= SR_LOG_WARN ? stderr : stdout;
}

void sr_log_line(const struct sr_log *log, int level, const char *safe)
{
	FILE *out = sr_log_stream(log, level);
	if (log && log->journald) {
		fprintf(out, "<%d>%s\n", journald_priorities[level], safe);
	} else {
		char stamp[32];
		struct timespec now;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(out, "%s.%03ldZ %s %s\n", stamp, now.tv_nsec / 1000000L, level_names[level], safe);
	}
	fflush(out);
}
