/* Fuzz target for the request dispatcher: the first byte picks a route, the rest is its body.
 * The daemon runs in a private network namespace with an empty fake sysfs and a temporary state
 * dir, so no input can touch the host. Invariants: every answer is JSON; 200 or an {"Err"} with a
 * message; the process never crashes or leaks. */
#include <jansson.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../plugin/daemon/daemon.h"
#include "../../plugin/daemon/dispatch.h"
#include "fuzz_check.h"

static struct daemon fuzz_daemon;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir_template[] = "/tmp/sriov-fuzz-XXXXXX";
	sr_error err = {0};
	(void)argc;
	(void)argv;
	if (unshare(CLONE_NEWNET) < 0) {
		perror("fuzz_dispatch: unshare(CLONE_NEWNET) (run as root)");
		abort();
	}
	char *dir = mkdtemp(dir_template);
	FUZZ_ASSERT(dir != NULL);
	daemon_locks_init(&fuzz_daemon);
	snprintf(fuzz_daemon.cfg.state_dir, sizeof(fuzz_daemon.cfg.state_dir), "%s/state", dir);
	snprintf(fuzz_daemon.cfg.sysfs_root, sizeof(fuzz_daemon.cfg.sysfs_root), "%s/sys", dir);
	fuzz_daemon.log.level = -1; /* quiet */
	FUZZ_ASSERT(nlk_open(&fuzz_daemon.host.nl, &err) == 0);
	FUZZ_ASSERT(state_open(fuzz_daemon.cfg.state_dir, &fuzz_daemon.state, &err) == 0);
	FUZZ_ASSERT(ipam_store_open(fuzz_daemon.cfg.state_dir, NULL, &fuzz_daemon.ipam, &err) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response resp = {0};
	json_error_t jerr;
	if (size < 1)
		return 0;
	const char *path = dispatch_route_path(data[0] % (dispatch_route_count() + 1));
	char *body = malloc(size);
	FUZZ_ASSERT(body != NULL);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	dispatch_request(&fuzz_daemon, path ? path : "/No.Such", body, size - 1, &resp);
	FUZZ_ASSERT(resp.body != NULL);
	json_t *answer = json_loads(resp.body, 0, &jerr);
	FUZZ_ASSERT(answer != NULL);
	if (resp.status != 200) {
		json_t *msg = json_object_get(answer, "Err");
		FUZZ_ASSERT(json_is_string(msg) && json_string_length(msg) > 0);
	}
	json_decref(answer);
	free(resp.body);
	free(body);
	return 0;
}
