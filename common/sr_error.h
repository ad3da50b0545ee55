/* sr_error: an error that carries its story up to the handler.
 *
 * Every fallible function takes `sr_error *err` last, returns 0 on success and
 * -1 on failure after filling err with the errno (0 when none applies) and one
 * readable sentence. Callers add context with sr_error_wrap, so the message
 * Docker finally sees reads outermost-first, e.g.
 * "set VF 3 MAC on enp1s0f0: Operation not supported". */
#ifndef SR_ERROR_H
#define SR_ERROR_H

#include <stddef.h>

#define SR_ERROR_MSG_MAX 512

typedef struct sr_error {
	int code;                   /* errno value, or 0 */
	char msg[SR_ERROR_MSG_MAX]; /* "" when no error was set */
} sr_error;

/* Set err to the formatted message; returns -1 so `return sr_error_set(...)` reads naturally. */
int sr_error_set(sr_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like sr_error_set, then appends ": strerror(code)". */
int sr_error_set_errno(sr_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with "context: "; keeps the code. Returns -1. */
int sr_error_wrap(sr_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void sr_error_clear(sr_error *err);

#endif
