/* daemon: the one context struct that holds all of the plugin's mutable state.
 *
 * Requests are handled in parallel (answers from memory in the HTTP event loop, the others on
 * worker threads: http_server.h), so that a request answered from memory never waits behind
 * another one's kernel work. The locks, in the order they
 * are taken (never the other way round):
 *   net_lock   network mutations (CreateNetwork, DeleteNetwork), one at a time;
 *   PF locks   (pf_lock.h) a PF-wide kernel step, such as enabling VFs;
 *   lock       the state (networks, endpoints, `ops`): held only for short memory work
 *              and state_save, never across a kernel step or a wait for the kernel;
 *   ipam_lock  the IPAM store, on its own (never held with another lock);
 *   views.lock the published endpoint view (ep_view.h): a pointer swap or one lookup, last.
 * Endpoint operations take a VF and an endpoint ID in `ops` (ep_ops.h) under `lock`, do the
 * kernel work without it, and finish under it: per-VF serialisation without a lock per VF.
 * The netlink socket serialises its own round trips (nlk). */
#ifndef DAEMON_H
#define DAEMON_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "../../common/sr_log.h"
#include "../../ipam/ipam.h"
#include "../../netlink/nlk.h"
#include "../host/host.h"
#include "counter_hints.h"
#include "ep_ops.h"
#include "ep_view.h"
#include "metrics.h"
#include "state.h"

struct daemon_config {
	char socket_path[108];
	char state_dir[512];
	char sysfs_root[512];
	char udev_dir[256];    /* udev's runtime folder (control socket, data/); "" = SRIOV_DEFAULT_UDEV_DIR */
	char vfio_dir[256];    /* VFIO group nodes; "" = SRIOV_DEFAULT_VFIO_DIR */
	char socket_group[64]; /* "" = root's group */
	char default_pools[1024]; /* IPAM pools handed out when none is requested; "" = built-in list */
	char metrics_addr[256]; /* --metrics-addr: HOST:PORT, :PORT or unix:PATH; "" = no metrics server */
	int reclaim_interval;  /* seconds between stale-endpoint sweeps, 0 = off */
	int fault_after_step;  /* debug: _exit(99) after this many kernel steps of an endpoint op; 0 = off */
	char hold_step[64];    /* test: endpoint ops stop at this hold point ("" = off)... */
	char hold_dir[256];    /* ...and say so with a file here, until <hold_dir>/release exists */
	char test_clock_file[256]; /* test: the wall clock reads this file's seconds ahead ("" = off) */
	bool no_journal;       /* --no-journal: saves write the record files themselves (state_journal.h) */
	char fault_journal[32]; /* test: _exit(99) at this journal fault point ("" = off)... */
	int fault_journal_count; /* ...the Nth time it is reached (1 = the first) */
	bool init;             /* --init: move saved state aside and start with none */
};

struct daemon {
	pthread_mutex_t lock;     /* state, ops: short sections only (see above) */
	pthread_cond_t ops_done;  /* with lock: an endpoint operation ended */
	pthread_mutex_t net_lock; /* network mutations */
	pthread_mutex_t ipam_lock;
	struct pf_locks pf_locks;
	struct ep_ops ops;        /* endpoint operations in flight */
	struct ep_views views;    /* what EndpointOperInfo reads without d->lock */
	/* with lock: the network a DeleteNetwork is taking apart ("" = none; one at a time under
	 * net_lock). Its record stays until its endpoints are gone, as state.json must never name
	 * an endpoint of an unknown network; new CreateEndpoints on it are refused meanwhile. */
	char deleting_net[SPEC_ID_MAX + 1];
	struct daemon_config cfg;
	struct sr_log log;
	struct host host; /* what the host layer is given: points at cfg, log, pf_locks; owns the netlink socket */
	struct state state;
	int state_lock_fd; /* state_lock.h: held while the daemon runs; -1 = none */
	struct ipam_store *ipam;
	struct metrics metrics; /* counters fed lock-free by whoever did the work (metrics.h) */
	struct counter_hints hints; /* where sandboxed VF netdevs were last found (its own lock) */
	struct journal *journal; /* the state dir's (state_journal.h); NULL before state_dir_open */
	atomic_int fault_journal_hits; /* for cfg.fault_journal */
	atomic_int fault_steps_done; /* for cfg.fault_after_step */
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

/* Test hook: when cfg.hold_step names this step, writes <hold_dir>/<step>.<endpoint ID>.vf<N>
 * (the operation is inside), waits until <hold_dir>/release exists (or the daemon stops), and
 * removes it. Lets host tests prove that other requests are answered meanwhile and that two
 * operations run at once. Called without d->lock. */
void daemon_hold_point(struct daemon *d, const char *step, const char *ep_id, int vf);

/* Locks init/destroy for the struct (and for tests that build one by hand); init also points
 * d->host at the struct's own cfg, log and PF locks (host.nl is the caller's to open). */
void daemon_locks_init(struct daemon *d);
void daemon_locks_destroy(struct daemon *d);

#endif
