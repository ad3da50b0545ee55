/* metrics_page: the whole /metrics page in Prometheus' text format 0.0.4: the daemon's own
 * counters (metrics.h), and from a traffic view (traffic_view.h: d->lock only for a copy of
 * the records) each VF's counters, each PF's pool and link, each network's endpoints and free
 * VFs, and the build. */
#ifndef METRICS_PAGE_H
#define METRICS_PAGE_H

#include "daemon.h"

/* The page, malloc'd, NUL-terminated; NULL with err set when it could not be built. */
char *metrics_page_build(struct daemon *d, size_t *len, sr_error *err);

#endif
