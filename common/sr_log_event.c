/* sr_log_event: a log line with fields (sr_log.h).
 *
 * Under systemd the fields go to journald through its native protocol: one datagram on
 * /run/systemd/journal/socket holding KEY=VALUE lines (systemd's "Native Journal Protocol",
 * a documented, stable interface). Written here rather than through libsystemd's
 * sd_journal_send: an event is a few short text fields, which is all of the protocol that is
 * needed (values never hold a newline: they are escaped like every log line), and the
 * managed plugin's rootfs and the package then need no libsystemd and its compression and
 * crypto libraries. journald adds the trusted fields itself (_PID, _SYSTEMD_UNIT...), so
 * `journalctl -u sriov-plugin SRIOV_VF=3` selects by unit and field. */
#include "sr_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define EVENT_TEXT_MAX 4096

/* syslog priorities, as sr_log.c gives them for the stream prefix */
static const int priorities[] = {3, 4, 6, 7};

static size_t append(char *buf, size_t used, size_t size, const char *a, const char *b, const char *c)
{
	int n;
	if (used >= size)
		return used;
	n = snprintf(buf + used, size - used, "%s%s%s", a, b, c);
	if (n < 0)
		return used;
	return used + (size_t)n >= size ? size : used + (size_t)n;
}

/* 0 when journald took the datagram; -1 when it could not (no journald, socket full). */
static int send_to_journal(const struct sr_log *log, int level, const char *message,
			   const struct sr_log_field *fields, size_t count)
{
	char buf[EVENT_TEXT_MAX * 2], prio[8], value[EVENT_TEXT_MAX];
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	const char *path = log->journal_socket ? log->journal_socket : JOURNAL_SOCKET;
	size_t used = 0;
	ssize_t sent;
	int fd;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	snprintf(prio, sizeof(prio), "%d", priorities[level]);
	used = append(buf, used, sizeof(buf), "MESSAGE=", message, "\n");
	used = append(buf, used, sizeof(buf), "PRIORITY=", prio, "\n");
	used = append(buf, used, sizeof(buf), "SYSLOG_IDENTIFIER=", "sriov-plugin", "\n");
	for (size_t i = 0; i < count; i++) {
		sr_log_escape(fields[i].value ? fields[i].value : "", value, sizeof(value));
		used = append(buf, used, sizeof(buf), fields[i].key, "=", value);
		used = append(buf, used, sizeof(buf), "\n", "", "");
	}
	if (used >= sizeof(buf))
		return -1; /* cut: better the stream line than a datagram missing fields */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sent = sendto(fd, buf, used, MSG_NOSIGNAL, (const struct sockaddr *)&addr, sizeof(addr));
	close(fd);
	return sent == (ssize_t)used ? 0 : -1;
}

/* SRIOV_NETWORK -> network: the stream line's key. */
static void stream_key(const char *key, char *out, size_t size)
{
	size_t o = 0;
	if (!strncmp(key, "SRIOV_", 6))
		key += 6;
	for (; *key && o + 1 < size; key++)
		out[o++] = (char)(*key >= 'A' && *key <= 'Z' ? *key - 'A' + 'a' : *key);
	out[o] = '\0';
}

void sr_log_event(const struct sr_log *log, int level, const struct sr_log_field *fields, size_t count,
		  const char *fmt, ...)
{
	char safe[EVENT_TEXT_MAX * 2], line[EVENT_TEXT_MAX * 3], key[64], value[EVENT_TEXT_MAX];
	size_t used;
	va_list ap;
	bool shown;
	va_start(ap, fmt);
	shown = sr_log_vformat(log, &level, safe, sizeof(safe), fmt, ap);
	va_end(ap);
	if (!shown)
		return;
	if (log && log->journald && send_to_journal(log, level, safe, fields, count) == 0)
		return;
	used = append(line, 0, sizeof(line), safe, "", "");
	for (size_t i = 0; i < count; i++) {
		stream_key(fields[i].key, key, sizeof(key));
		sr_log_escape(fields[i].value ? fields[i].value : "", value, sizeof(value));
		used = append(line, used, sizeof(line), " ", key, "=");
		used = append(line, used, sizeof(line), value, "", "");
	}
	sr_log_line(log, level, line);
}
