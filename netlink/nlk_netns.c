/* nlk_netns: a socket in another network namespace (a container's, by its sandbox key).
 *
 * A netlink socket stays bound to the namespace it was created in, so opening one "inside" a
 * namespace means: enter it, create + connect, leave. setns(2) moves only the calling thread;
 * this changes the calling thread's namespace for the few syscalls in between and always
 * switches back before returning, on every path. Other threads are never affected, and this
 * thread must not be doing other network work meanwhile (the daemon calls it from a thread of
 * its own, never from a request's). The socket has no strict-checking twin: what is read
 * through it is whole dumps. */
#include "nlk_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

int nlk_open_in_netns(const char *netns_path, struct nlk **out, sr_error *err)
{
	char self_path[64];
	int target_fd = -1, saved_fd = -1;
	int rc = -1;

	if (!netns_path)
		return sr_error_set(err, EINVAL, "open netns: no path given");
	target_fd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (target_fd < 0) {
		sr_error_set_errno(err, errno, "open netns %s", netns_path);
		goto out;
	}
	/* The thread's own namespace, not the process leader's (/proc/self/ns). */
	snprintf(self_path, sizeof(self_path), "/proc/self/task/%d/ns/net", (int)gettid());
	saved_fd = open(self_path, O_RDONLY | O_CLOEXEC);
	if (saved_fd < 0) {
		sr_error_set_errno(err, errno, "open current netns %s", self_path);
		goto out;
	}
	if (setns(target_fd, CLONE_NEWNET) < 0) {
		sr_error_set_errno(err, errno, "enter netns %s", netns_path);
		goto out;
	}
	rc = nlk_open_plain(out, err);
	if (rc < 0)
		sr_error_wrap(err, "in netns %s", netns_path);
	if (setns(saved_fd, CLONE_NEWNET) < 0) {
		/* The thread is stranded in the other namespace: say so loudly. */
		int saved_errno = errno;
		if (rc == 0) {
			nlk_close(*out);
			*out = NULL;
		}
		rc = sr_error_set_errno(err, saved_errno, "return from netns %s (thread left in it)", netns_path);
	}
out:
	if (target_fd >= 0)
		close(target_fd);
	if (saved_fd >= 0)
		close(saved_fd);
	return rc;
}
