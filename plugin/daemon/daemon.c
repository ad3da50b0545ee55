/* daemon: start-up, the serving loop, signals, and shutdown on SIGTERM/SIGINT. */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_run.h"
#include "fd_limit.h"
#include "http_server.h"
#include "metrics_server.h"
#include "reconcile.h"
#include "state_dir.h"
#include "state_journal.h"
#include "state_lock.h"
#include "unix_socket.h"

/* How often pending changes (saves that failed: full disk) are retried. */
#define PENDING_RETRY_S 1

void daemon_fault_point(struct daemon *d, const char *step)
{
	int done;
	if (!d->cfg.fault_after_step)
		return;
	done = atomic_fetch_add(&d->fault_steps_done, 1) + 1;
	if (done >= d->cfg.fault_after_step) {
		sr_log_msg(&d->log, SR_LOG_ERROR, "fault injection: stopping after step %d (%s)", done, step);
		_exit(99);
	}
}

void daemon_hold_point(struct daemon *d, const char *step, const char *ep_id, int vf)
{
	char inside[600], release[300];
	struct timespec pause = {0, 10L * 1000 * 1000};
	FILE *f;
	if (!d->cfg.hold_step[0] || strcmp(d->cfg.hold_step, step) != 0)
		return;
	snprintf(inside, sizeof(inside), "%s/%s.%.64s.vf%d", d->cfg.hold_dir, step, ep_id, vf);
	snprintf(release, sizeof(release), "%s/release", d->cfg.hold_dir);
	f = fopen(inside, "w");
	if (f)
		fclose(f);
	sr_log_msg(&d->log, SR_LOG_INFO, "test hold: endpoint %.12s held at %s (VF %d)", ep_id, step, vf);
	while (access(release, F_OK) < 0 && !atomic_load(&d->stop_signal))
		nanosleep(&pause, NULL);
	unlink(inside);
}

/* The host layer's step hook: its kernel steps count as the daemon's (cfg.fault_after_step). */
static void host_step_hook(void *ctx, const char *step)
{
	daemon_fault_point(ctx, step);
}

void daemon_locks_init(struct daemon *d)
{
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->ops_done, NULL);
	pthread_mutex_init(&d->net_lock, NULL);
	pthread_mutex_init(&d->ipam_lock, NULL);
	pf_locks_init(&d->pf_locks);
	ep_views_init(&d->views);
	atomic_init(&d->fault_steps_done, 0);
	metrics_init(&d->metrics);
	counter_hints_init(&d->hints);
	d->host.sysfs_root = d->cfg.sysfs_root;
	d->host.udev_dir = d->cfg.udev_dir;
	d->host.vfio_dir = d->cfg.vfio_dir;
	d->host.log = &d->log;
	d->host.pf_locks = &d->pf_locks;
	d->host.step_done = host_step_hook;
	d->host.step_ctx = d;
}

void daemon_locks_destroy(struct daemon *d)
{
	counter_hints_free(&d->hints);
	pf_locks_free(&d->pf_locks);
	pthread_mutex_destroy(&d->ipam_lock);
	pthread_mutex_destroy(&d->net_lock);
	pthread_cond_destroy(&d->ops_done);
	pthread_mutex_destroy(&d->lock);
	ep_ops_free(&d->ops);
	ep_views_free(&d->views);
}

/* The signals the main thread takes with sigwait; blocked in every thread. */
static void daemon_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGALRM);
}

bool daemon_stop_requested(struct daemon *d)
{
	sigset_t stop;
	struct timespec zero = {0, 0};
	int sig;
	if (atomic_load(&d->stop_signal))
		return true;
	/* once serving, the main thread's sigwait takes the signal; taking it here (from the
	 * sweep's thread) would leave the main thread waiting */
	if (atomic_load(&d->serving))
		return false;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sig = sigtimedwait(&stop, NULL, &zero);
	if (sig > 0)
		atomic_store(&d->stop_signal, sig);
	return sig > 0;
}

/* Takes the state lock, then the IPAM lock, one after the other (never both). */
static void flush_pending(struct daemon *d)
{
	sr_error err = {0};
	bool was_pending, failed;
	pthread_mutex_lock(&d->lock);
	was_pending = d->state.dirty;
	failed = state_flush(&d->state, &err) < 0;
	pthread_mutex_unlock(&d->lock);
	if (!failed) {
		pthread_mutex_lock(&d->ipam_lock);
		was_pending = was_pending || ipam_store_pending(d->ipam);
		failed = ipam_store_flush(d->ipam, &err) < 0;
		pthread_mutex_unlock(&d->ipam_lock);
	}
	if (failed) {
		sr_log_msg(&d->log, SR_LOG_DEBUG, "pending changes not written yet: %s", err.msg);
		return;
	}
	if (was_pending)
		sr_log_msg(&d->log, SR_LOG_INFO, "pending changes written to %s", d->cfg.state_dir);
}

/* Writes pending changes every PENDING_RETRY_S (and compacts the journal then, or at once when
 * it asks) and sweeps stale endpoints every reclaim_interval; stops (and is joined) before the
 * daemon's state goes away. Timed on CLOCK_MONOTONIC (bg_wake too): a wall clock stepped back
 * must not stop the sweeps. */
static void *background_loop(void *arg)
{
	struct daemon *d = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	time_t next_sweep = now.tv_sec + d->cfg.reclaim_interval;
	pthread_mutex_lock(&d->bg_lock);
	while (!d->bg_stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += PENDING_RETRY_S;
		pthread_cond_timedwait(&d->bg_wake, &d->bg_lock, &until);
		if (d->bg_stop)
			break;
		pthread_mutex_unlock(&d->bg_lock);
		/* each step takes the locks it needs, briefly: requests go on meanwhile */
		flush_pending(d);
		state_journal_maintain(d); /* compaction: the journal's own locks only */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (d->cfg.reclaim_interval > 0 && now.tv_sec >= next_sweep) {
			uint64_t started = metrics_now_ns();
			reconcile_sweep(d);
			atomic_fetch_add_explicit(&d->metrics.sweeps, 1, memory_order_relaxed);
			metrics_hist_observe_ns(&d->metrics.sweep, metrics_now_ns() - started);
			ep_view_publish(d); /* it may have dropped or released endpoints */
			clock_gettime(CLOCK_MONOTONIC, &now);
			next_sweep = now.tv_sec + d->cfg.reclaim_interval;
		}
		pthread_mutex_lock(&d->bg_lock);
	}
	pthread_mutex_unlock(&d->bg_lock);
	return NULL;
}

static void stop_background(struct daemon *d, bool started, pthread_t thread)
{
	if (!started)
		return;
	pthread_mutex_lock(&d->bg_lock);
	d->bg_stop = true;
	pthread_cond_signal(&d->bg_wake);
	pthread_mutex_unlock(&d->bg_lock);
	pthread_join(thread, NULL);
}

/* Serves until SIGTERM/SIGINT. SIGHUP: nothing to reopen (logs go to stderr or journald,
 * both reopened by whoever holds them), so it is logged and serving goes on; the other
 * stray signals a daemon receives are logged and ignored. */
static int serve_until_stopped(struct daemon *d, const sigset_t *signals)
{
	int sig = atomic_load(&d->stop_signal);
	atomic_store(&d->serving, true);
	while (!sig) {
		int got = 0;
		if (sigwait(signals, &got) != 0)
			continue;
		if (got == SIGTERM || got == SIGINT) {
			sig = got;
			atomic_store(&d->stop_signal, sig); /* a sweep in progress stops early */
		}
		else if (got == SIGHUP)
			sr_log_msg(&d->log, SR_LOG_INFO, "SIGHUP: nothing to reopen (logs go to %s); still serving",
				   d->log.journald ? "journald" : "stderr");
		else
			sr_log_msg(&d->log, SR_LOG_INFO, "signal %d (%s) ignored", got, strsignal(got));
	}
	return sig;
}

int daemon_run(const struct daemon_config *cfg, const struct sr_log *log)
{
	struct daemon d;
	struct http_server *srv = NULL;
	struct metrics_server *metrics_srv = NULL;
	sr_error err = {0};
	sigset_t signals, previous;
	pthread_t background;
	bool own_socket = false, background_started = false, opened = false;
	int listen_fd = -1, sig = 0, rc = 1, from_systemd;
	memset(&d, 0, sizeof(d));
	memset(&background, 0, sizeof(background));
	d.cfg = *cfg;
	d.log = *log;
	d.state_lock_fd = -1;
	daemon_locks_init(&d);
	pthread_mutex_init(&d.bg_lock, NULL);
	pthread_condattr_t bg_clock;
	pthread_condattr_init(&bg_clock);
	pthread_condattr_setclock(&bg_clock, CLOCK_MONOTONIC);
	pthread_cond_init(&d.bg_wake, &bg_clock);
	pthread_condattr_destroy(&bg_clock);
	/* Blocked before any thread starts, so every thread inherits the mask and only the
	 * main thread's sigwait takes them: no stray signal can kill the daemon mid-change. */
	daemon_signals(&signals);
	pthread_sigmask(SIG_BLOCK, &signals, &previous);
	signal(SIGPIPE, SIG_IGN);
	fd_limit_raise(); /* connections and the sockets of requests in flight (http_server.c) */
	if (nlk_open(&d.host.nl, &err) < 0 || state_dir_open(&d, &err) < 0)
		goto out;
	opened = true;
	if (d.state_lock_fd < 0)
		sr_log_msg(&d.log, SR_LOG_WARN, "state dir %s: " STATE_LOCK_FILE " could not be created (disk full?): "
			   "serving without the lock that keeps a second daemon off this dir", cfg->state_dir);
	else if (state_lock_describe(d.state_lock_fd, cfg->socket_path) < 0)
		sr_log_msg(&d.log, SR_LOG_WARN, "state dir %s: " STATE_LOCK_FILE " says nothing of its holder (disk full?): "
			   "a second daemon is refused all the same, without being told by whom", cfg->state_dir);
	reconcile_at_start(&d);
	if (daemon_stop_requested(&d)) {
		sr_log_msg(&d.log, SR_LOG_INFO, "signal %d during start-up: stopping", atomic_load(&d.stop_signal));
		rc = 0;
		goto out;
	}
	/* before the socket exists, so whoever sees the socket answer can rely on this line */
	sr_log_msg(&d.log, SR_LOG_INFO, "state loaded from %s: %zu networks, %zu endpoints", cfg->state_dir,
		   d.state.net_count, d.state.ep_count);
	from_systemd = unix_socket_from_systemd(&listen_fd, &err);
	if (from_systemd < 0)
		goto out;
	if (!from_systemd) {
		if (unix_socket_listen(cfg->socket_path, cfg->socket_group, &listen_fd, &err) < 0)
			goto out;
		own_socket = true;
	}
	/* metrics first: whoever sees the plugin's socket answer can scrape too */
	if (cfg->metrics_addr[0] && metrics_server_start(&d, cfg->metrics_addr, &metrics_srv, &err) < 0)
		goto out;
	if (http_server_start(&d, listen_fd, &srv, &err) < 0) {
		metrics_server_stop(metrics_srv);
		metrics_srv = NULL;
		goto out;
	}
	background_started = pthread_create(&background, NULL, background_loop, &d) == 0;
	if (!background_started)
		sr_log_msg(&d.log, SR_LOG_WARN, "no background thread: pending changes are retried only with the next change");
	sr_log_msg(&d.log, SR_LOG_INFO, "sriov-plugin %s serving on %s (sysfs %s)", SRIOV_PLUGIN_VERSION,
		   own_socket ? cfg->socket_path : "a socket from systemd", cfg->sysfs_root);
	sig = serve_until_stopped(&d, &signals);
	sr_log_msg(&d.log, SR_LOG_INFO, "signal %d: finishing in-flight requests and stopping", sig);
	metrics_server_stop(metrics_srv);
	http_server_stop(srv);
	srv = NULL;
	rc = 0;
out:
	if (rc)
		sr_log_msg(&d.log, SR_LOG_ERROR, "cannot start: %s", err.msg);
	stop_background(&d, background_started, background);
	if (own_socket)
		unlink(cfg->socket_path);
	if (listen_fd >= 0)
		close(listen_fd);
	/* The HTTP server and the background thread are stopped (their threads joined): nothing
	 * else uses the state any more. */
	if (opened) { /* a refused start writes nothing */
		flush_pending(&d);
		if (d.state.dirty || ipam_store_pending(d.ipam))
			sr_log_msg(&d.log, SR_LOG_ERROR, "stopping with changes not written to %s (disk full?): "
				   "deletes and releases since the last good save will be seen again", cfg->state_dir);
	}
	state_journal_close(&d, opened);
	ipam_store_close(d.ipam);
	state_free(&d.state);
	/* last: nothing of this daemon touches the dir any more */
	state_lock_release(d.state_lock_fd);
	nlk_close(d.host.nl);
	daemon_locks_destroy(&d);
	pthread_cond_destroy(&d.bg_wake);
	pthread_mutex_destroy(&d.bg_lock);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	return rc;
}
