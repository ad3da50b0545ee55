/* daemon: start-up, the serving loop, and shutdown on SIGTERM/SIGINT. */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_run.h"
#include "http_server.h"
#include "reconcile.h"
#include "unix_socket.h"

void daemon_fault_point(struct daemon *d, const char *step)
{
	if (!d->cfg.fault_after_step)
		return;
	if (++d->fault_steps_done >= d->cfg.fault_after_step) {
		sr_log_msg(&d->log, SR_LOG_ERROR, "fault injection: stopping after step %d (%s)", d->fault_steps_done,
			   step);
		_exit(99);
	}
}

static void *reclaim_loop(void *arg)
{
	struct daemon *d = arg;
	for (;;) {
		sleep((unsigned)d->cfg.reclaim_interval);
		pthread_mutex_lock(&d->lock);
		reconcile_sweep(d);
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}

int daemon_run(const struct daemon_config *cfg, const struct sr_log *log)
{
	struct daemon d;
	struct http_server *srv = NULL;
	sr_error err = {0};
	sigset_t signals;
	pthread_t reclaimer;
	bool own_socket = false;
	int listen_fd = -1, sig = 0, rc = 1;
	memset(&d, 0, sizeof(d));
	d.cfg = *cfg;
	d.log = *log;
	pthread_mutex_init(&d.lock, NULL);
	/* Block the stop signals in every thread; the main thread takes them with sigwait. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (nlk_open(&d.nl, &err) < 0 || state_open(cfg->state_dir, &d.state, &err) < 0 ||
	    ipam_store_open(cfg->state_dir, cfg->default_pools[0] ? cfg->default_pools : NULL, &d.ipam, &err) < 0)
		goto out;
	reconcile_at_start(&d);
	/* before the socket exists, so whoever sees the socket answer can rely on this line */
	sr_log_msg(&d.log, SR_LOG_INFO, "state loaded from %s: %zu networks, %zu endpoints", cfg->state_dir,
		   d.state.net_count, d.state.ep_count);
	listen_fd = unix_socket_from_systemd();
	if (listen_fd < 0) {
		if (unix_socket_listen(cfg->socket_path, cfg->socket_group, &listen_fd, &err) < 0)
			goto out;
		own_socket = true;
	}
	if (http_server_start(&d, listen_fd, &srv, &err) < 0)
		goto out;
	if (cfg->reclaim_interval > 0 && pthread_create(&reclaimer, NULL, reclaim_loop, &d) == 0)
		pthread_detach(reclaimer);
	sr_log_msg(&d.log, SR_LOG_INFO, "sriov-plugin %s serving on %s (sysfs %s)", SRIOV_PLUGIN_VERSION,
		   own_socket ? cfg->socket_path : "a socket from systemd", cfg->sysfs_root);
	while (sigwait(&signals, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	sr_log_msg(&d.log, SR_LOG_INFO, "signal %d: finishing in-flight requests and stopping", sig);
	http_server_stop(srv);
	srv = NULL;
	rc = 0;
out:
	if (rc)
		sr_log_msg(&d.log, SR_LOG_ERROR, "cannot start: %s", err.msg);
	if (own_socket)
		unlink(cfg->socket_path);
	if (listen_fd >= 0)
		close(listen_fd);
	/* Take the lock so a reclaim sweep in progress finishes before the state goes away. */
	pthread_mutex_lock(&d.lock);
	ipam_store_close(d.ipam);
	state_free(&d.state);
	nlk_close(d.nl);
	return rc;
}
