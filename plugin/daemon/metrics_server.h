/* metrics_server: GET /metrics on --metrics-addr, in Prometheus' text format (metrics_page.h),
 * through libmicrohttpd on its own listening socket and its own single thread: a scrape never
 * takes a thread, a connection slot or a lock of the plugin's API server, and scrapes run one
 * at a time. Read-only: any other method is refused (405), any other path is 404.
 *
 * The address: "HOST:PORT" (an IPv4 or IPv6 address, "[::1]:9464", or "localhost"), ":PORT"
 * for 127.0.0.1, or "unix:PATH" for a Unix socket (mode 0660, as the plugin's). Off unless
 * given; a host that is not a loopback address is served as asked, with a warning. */
#ifndef METRICS_SERVER_H
#define METRICS_SERVER_H

#include "../../common/sr_error.h"
#include "daemon.h"

struct metrics_server;

/* The address parsed and checked without binding it (the command line's early refusal). */
int metrics_addr_check(const char *addr, sr_error *err);
int metrics_server_start(struct daemon *d, const char *addr, struct metrics_server **out, sr_error *err);
void metrics_server_stop(struct metrics_server *s);

#endif
