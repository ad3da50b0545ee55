#ifndef DAEMON_RUN_H
#define DAEMON_RUN_H

#include "daemon.h"

/* Serves until SIGTERM/SIGINT; returns the process exit status. */
int daemon_run(const struct daemon_config *cfg, const struct sr_log *log);

#endif
