/* daemon: the one context struct that holds all of the plugin's mutable state.
 *
 * Every request handler runs with `lock` held (plugin/dispatch.c takes it), so
 * handlers, the state, the netlink socket and the IPAM store are never used by
 * two threads at once and no two endpoints can ever get one VF. */
#ifndef DAEMON_H
#define DAEMON_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "../common/sr_log.h"
#include "../ipam/ipam.h"
#include "../netlink/nlk.h"
#include "state.h"

struct daemon_config {
	char socket_path[108];
	char state_dir[512];
	char sysfs_root[512];
	char udev_dir[256];    /* udev's runtime folder (control socket, data/); "" = /run/udev */
	char vfio_dir[256];    /* VFIO group nodes; "" = /dev/vfio */
	char socket_group[64]; /* "" = root's group */
	char default_pools[1024]; /* IPAM pools handed out when none is requested; "" = built-in list */
	int reclaim_interval;  /* seconds between stale-endpoint sweeps, 0 = off */
	int fault_after_step;  /* debug: _exit(99) after this many kernel steps of an endpoint op; 0 = off */
	bool init;             /* --init: move saved state aside and start with none */
};

struct daemon {
	pthread_mutex_t lock;
	struct daemon_config cfg;
	struct sr_log log;
	struct nlk *nl;
	struct state state;
	struct ipam_store *ipam;
	int fault_steps_done; /* for cfg.fault_after_step */
	atomic_int stop_signal; /* SIGTERM/SIGINT taken, 0 = none */
	atomic_bool serving;    /* the main thread waits for signals (sigwait) */
	/* the background thread (pending saves, stale-endpoint sweeps) and how to stop it */
	pthread_mutex_t bg_lock;
	pthread_cond_t bg_wake;
	bool bg_stop;
};

/* True once SIGTERM/SIGINT has arrived (it is taken, not left pending): long start-up
 * work checks it so a stop during start-up takes effect at once. */
bool daemon_stop_requested(struct daemon *d);

/* Counts a kernel step of an endpoint operation; kills the process at the configured step
 * (crash-consistency tests only). */
void daemon_fault_point(struct daemon *d, const char *step);

#endif
