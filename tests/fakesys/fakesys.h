/* fakesys: helpers for C tests that build a fake sysfs tree (the C twin of make-fake-sysfs.sh).
 * Paths are relative to fakesys_root (set it, e.g. with mkdtemp, before use). Header-only:
 * each test includes it once. Failures print a line; the test's own CHECKs then fail. */
#ifndef FAKESYS_H
#define FAKESYS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fakesys_root[256];

static void fakesys_path(char *out, size_t size, const char *fmt, va_list ap)
{
	int n = snprintf(out, size, "%s/", fakesys_root);
	if (n > 0 && (size_t)n < size)
		vsnprintf(out + n, size - (size_t)n, fmt, ap);
}

/* mkdir -p ROOT/<fmt> */
static void __attribute__((format(printf, 1, 2), unused)) mkdirs(const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	va_start(ap, fmt);
	fakesys_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fprintf(stderr, "mkdir %s: %s\n", path, strerror(errno));
}

/* ROOT/<fmt> -> target (relative, as given) */
static void __attribute__((format(printf, 2, 3), unused)) symlinkf(const char *target, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	va_start(ap, fmt);
	fakesys_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	unlink(path);
	if (symlink(target, path) < 0)
		fprintf(stderr, "symlink %s: %s\n", path, strerror(errno));
}

static void __attribute__((format(printf, 2, 3), unused)) writef(const char *text, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;
	va_start(ap, fmt);
	fakesys_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void __attribute__((format(printf, 3, 4), unused)) readf(char *out, size_t size, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;
	size_t n;
	va_start(ap, fmt);
	fakesys_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void __attribute__((format(printf, 1, 2), unused)) removef(const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	va_start(ap, fmt);
	fakesys_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	unlink(path);
}

/* rmdir ROOT/<fmt> (empty directories only) */
static void __attribute__((format(printf, 1, 2), unused)) rmdir_f(const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	va_start(ap, fmt);
	fakesys_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rmdir(path) < 0)
		fprintf(stderr, "rmdir %s: %s\n", path, strerror(errno));
}

/* mkdtemp under /tmp into fakesys_root; 0 or -1. */
static int __attribute__((unused)) fakesys_create(const char *name)
{
	snprintf(fakesys_root, sizeof(fakesys_root), "/tmp/%s.XXXXXX", name);
	return mkdtemp(fakesys_root) ? 0 : -1;
}

static void __attribute__((unused)) fakesys_remove(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fakesys_root);
	if (fakesys_root[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fakesys_root);
}

#endif
