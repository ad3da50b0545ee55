/* sr_log: one line per event, with the level, or journald priority prefixes ("<3>") on
 * stderr when running under systemd. Elsewhere errors and warnings go to stderr and the
 * rest to stdout, so that a reader that files by stream (dockerd for a managed plugin:
 * stderr at level=error, stdout at level=info) files each line at its own priority.
 * Hostile strings cannot break a line: control characters and backslashes in the formatted
 * message are escaped. */
#ifndef SR_LOG_H
#define SR_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum sr_log_level { SR_LOG_ERROR = 0, SR_LOG_WARN = 1, SR_LOG_INFO = 2, SR_LOG_DEBUG = 3 };

struct sr_log {
	int level;     /* messages above this level are dropped */
	bool journald; /* prefix "<N>" instead of a timestamp and level word */
	/* journald's native socket for events with fields; NULL = /run/systemd/journal/socket */
	const char *journal_socket;
};

/* One field of an event: KEY in journald's form (upper case, digits, '_'; e.g. SRIOV_VF). */
struct sr_log_field {
	const char *key;
	const char *value;
};

/* "error"|"warn"|"info"|"debug" -> level; -1 if unknown. */
int sr_log_level_parse(const char *name);

void sr_log_msg(const struct sr_log *log, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The message escaped into safe, and level clamped to error..debug; false (nothing written)
 * when the log drops that level. */
bool sr_log_vformat(const struct sr_log *log, int *level, char *safe, size_t size, const char *fmt, va_list ap);

/* The stream a line of this level goes to (see above). */
FILE *sr_log_stream(const struct sr_log *log, int level);
/* Writes one already escaped line at level (clamped by the caller), stamped or prefixed. */
void sr_log_line(const struct sr_log *log, int level, const char *safe);

/* An event: one line that also carries fields. Under journald, one datagram of journald's
 * native protocol (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the fields), so that journalctl
 * can select by field (journalctl -u sriov-plugin SRIOV_VF=3); when that socket cannot take
 * it, and everywhere else, the message followed by key=value for each field (key in lower
 * case without its SRIOV_ prefix), on the stream of its level. */
void sr_log_event(const struct sr_log *log, int level, const struct sr_log_field *fields, size_t count,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Escapes control characters, '"' and '\\' of src into dst (always NUL-terminated). */
void sr_log_escape(const char *src, char *dst, unsigned long dst_size);

#endif
