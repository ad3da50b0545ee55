/* daemon_run in-process: stray signals (SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE) leave it
 * serving, SIGTERM stops it, and when it returns no thread of it is left running (the
 * stale-endpoint sweeper used to be detached with a pointer into daemon_run's stack). */
#include "../../plugin/daemon/daemon_run.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../lib/proc_threads.h"
#include "check.h"

static struct daemon_config cfg = {.reclaim_interval = 1};
static int run_rc = -1;

static void *run(void *arg)
{
	struct sr_log log = {.level = SR_LOG_ERROR};
	(void)arg;
	run_rc = daemon_run(&cfg, &log);
	return NULL;
}

/* true when the daemon answers Plugin.Activate within ~2 s (bounded retries) */
static bool answers(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	const char req[] = "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", cfg.socket_path);
	for (int i = 0; i < 40; i++) {
		char buf[512] = "";
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, req, sizeof(req) - 1) > 0 &&
			  poll(&p, 1, 1000) == 1 && read(fd, buf, sizeof(buf) - 1) > 0 && strstr(buf, " 200 ");
		close(fd);
		if (ok)
			return true;
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
	}
	return false;
}

int main(void)
{
	char dir[] = "/tmp/test_daemon_run.XXXXXX";
	sigset_t set;
	pthread_t t;
	int before;
	if (!mkdtemp(dir))
		return 1;
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/state", dir);
	snprintf(cfg.sysfs_root, sizeof(cfg.sysfs_root), "%s/sys", dir);
	snprintf(cfg.socket_path, sizeof(cfg.socket_path), "%s/s.sock", dir);
	/* as in a process whose main thread is the daemon: signals go to daemon_run's sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	before = proc_threads();
	CHECK(pthread_create(&t, NULL, run, NULL) == 0);
	CHECK(answers());
	int stray[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE, SIGHUP};
	for (size_t i = 0; i < sizeof(stray) / sizeof(stray[0]); i++) {
		kill(getpid(), stray[i]);
		CHECK(answers());
	}
	/* let the sweeper run at least once */
	struct timespec ts = {1, 200000000};
	nanosleep(&ts, NULL);
	kill(getpid(), SIGTERM);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(run_rc == 0);
	/* nothing of the daemon left running: a thread still there would use its freed state */
	CHECK(proc_threads() == before);
	CHECK(access(cfg.socket_path, F_OK) < 0 && errno == ENOENT);
	char p[600];
	snprintf(p, sizeof(p), "%s/state.json", cfg.state_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/ipam.json", cfg.state_dir);
	unlink(p);
	/* the lock file stays when its daemon ends (state_lock.h); the lock went with it */
	snprintf(p, sizeof(p), "%s/daemon.lock", cfg.state_dir);
	CHECK(unlink(p) == 0);
	/* the (empty) folders of one file per record */
	static const char *const subs[] = {"networks", "endpoints", "pools"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", cfg.state_dir, subs[i]);
		rmdir(p);
	}
	rmdir(cfg.state_dir);
	CHECK(rmdir(dir) == 0);
	return check_summary("daemon_run");
}
