#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "nlk_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../../netlink/nlk_internal.h"

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
