/* sr_log: one line per event on stderr, with the level, or journald priority
 * prefixes ("<3>") when running under systemd. Hostile strings cannot break a
 * line: control characters and backslashes in the formatted message are escaped. */
#ifndef SR_LOG_H
#define SR_LOG_H

#include <stdbool.h>

enum sr_log_level { SR_LOG_ERROR = 0, SR_LOG_WARN = 1, SR_LOG_INFO = 2, SR_LOG_DEBUG = 3 };

struct sr_log {
	int level;     /* messages above this level are dropped */
	bool journald; /* prefix "<N>" instead of a timestamp and level word */
};

/* "error"|"warn"|"info"|"debug" -> level; -1 if unknown. */
int sr_log_level_parse(const char *name);

void sr_log_msg(const struct sr_log *log, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Escapes control characters, '"' and '\\' of src into dst (always NUL-terminated). */
void sr_log_escape(const char *src, char *dst, unsigned long dst_size);

#endif
