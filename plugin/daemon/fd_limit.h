/* fd_limit: the process's open-file limit. Every connection is one file, and so is each netlink,
 * uevent and udev socket a request opens while it waits for the kernel: with the usual default
 * soft limit (1 024), 512 connections and a burst of endpoint creations could run out, and a
 * request would then fail on an open() or a socket(). */
#ifndef FD_LIMIT_H
#define FD_LIMIT_H

/* Raises the soft RLIMIT_NOFILE to the hard one (what any process may do for itself); returns
 * the soft limit now, changed or not. */
unsigned long fd_limit_raise(void);
/* The soft RLIMIT_NOFILE now. */
unsigned long fd_limit_now(void);

#endif
