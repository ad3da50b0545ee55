/* sr_error: an error that carries its story up to the handler.
 *
 * Every fallible function takes `sr_error *err` last, returns 0 on success and
 * -1 on failure after filling err with the errno (0 when none applies) and one
 * readable sentence. Callers add context with sr_error_wrap, so the message
 * Docker finally sees reads outermost-first, e.g.
 * "set VF 3 MAC on enp1s0f0: Operation not supported". When the whole does not
 * fit, the middle goes ("...") and both ends stay: the outermost context and the
 * kernel's reason.
 *
 * An error also carries its kind: what the caller did wrong (or what stands in
 * its way), as opposed to which errno the kernel gave. The daemon's dispatcher
 * turns the kind into the one HTTP status Docker sees; nothing else needs to. */
#ifndef SR_ERROR_H
#define SR_ERROR_H

#include <stddef.h>

#define SR_ERROR_MSG_MAX 512

enum sr_kind {
	SR_INTERNAL = 0, /* our fault or the host's: anything not classified below */
	SR_INVALID,      /* the request is malformed or asks for something impossible */
	SR_NOT_FOUND,    /* it names a network/endpoint/pool we do not have */
	SR_CONFLICT,     /* it clashes with what exists (already there, in use, being deleted) */
	SR_EXHAUSTED,    /* nothing left to hand out (VFs, addresses) */
	SR_BUSY,         /* another request on the same object is in flight; try again */
};

typedef struct sr_error {
	int code;                   /* errno value, or 0 */
	int kind;                   /* enum sr_kind; SR_INTERNAL unless classified */
	char msg[SR_ERROR_MSG_MAX]; /* "" when no error was set */
} sr_error;

/* Set err to the formatted message (kind SR_INTERNAL); returns -1 so `return sr_error_set(...)`
 * reads naturally. */
int sr_error_set(sr_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like sr_error_set, then appends ": strerror(code)". */
int sr_error_set_errno(sr_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like sr_error_set, with a kind. */
int sr_error_set_kind(sr_error *err, enum sr_kind kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Classifies an error already set (keeps code and message). Returns -1. */
int sr_error_kind(sr_error *err, enum sr_kind kind);

/* Prefix the existing message with "context: "; keeps the code and kind. Returns -1. */
int sr_error_wrap(sr_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void sr_error_clear(sr_error *err);

#endif
