#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns, gettid */
#endif
#include "nlk_test.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "../../netlink/nlk_internal.h"

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
	rc = nlk_open(out, err);
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

static int fill_ns_fd(struct rtnl_link *changes, const void *arg)
{
	rtnl_link_set_ns_fd(changes, *(const int *)arg);
	return 0;
}

int nlk_link_move_to_netns(struct nlk *nl, const char *ifname, const char *netns_path, sr_error *err)
{
	char what[SR_ERROR_MSG_MAX];
	int fd, rc;

	if (!netns_path)
		return sr_error_set(err, EINVAL, "move %s to netns: no path given", ifname ? ifname : "(null)");
	snprintf(what, sizeof(what), "move to netns %s", netns_path);
	fd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sr_error_set_errno(err, errno, "%s on %s", what, ifname ? ifname : "(null)");
	rc = nlk_change_link(nl, ifname, fill_ns_fd, &fd, what, err);
	close(fd);
	return rc;
}
