/* nlk_watch: sleep until the kernel or udev says something changed, instead of for a fixed time.
 *
 * Two sockets, subscribed before the caller's first look so nothing between the look and the
 * wait is missed: NETLINK_ROUTE's link group (a netdev added, renamed, moved, up, carrier) and
 * NETLINK_KOBJECT_UEVENT's kernel and udev groups (a device bound or unbound; udev done with a
 * device, after its rules renamed it). The messages are only drained, never parsed: whatever
 * they say, the caller looks again at what it waits for, which stays the one source of truth. */
#include "nlk_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define UEVENT_GROUP_KERNEL 1
#define UEVENT_GROUP_UDEV 2 /* what udevd sends once its rules for an event have run */

struct nlk_watch {
	struct nl_sock *link;   /* RTNLGRP_LINK */
	struct nl_sock *uevent; /* NULL where uevents cannot be read (a namespace without them) */
};

static struct nl_sock *subscribed(int protocol, const int *groups, int n_groups, sr_error *err)
{
	struct nl_sock *sock = nl_socket_alloc();
	int rc;
	if (!sock) {
		sr_error_set_errno(err, ENOMEM, "netlink watch socket");
		return NULL;
	}
	/* multicast only: no requests, so no sequence numbers to check */
	nl_socket_disable_seq_check(sock);
	rc = nl_connect(sock, protocol);
	for (int i = 0; rc == 0 && i < n_groups; i++)
		rc = nl_socket_add_membership(sock, groups[i]);
	if (rc == 0)
		rc = nl_socket_set_nonblocking(sock);
	if (rc < 0) {
		nlk_fail_nl(err, rc, "netlink watch socket (protocol %d)", protocol);
		nl_socket_free(sock);
		return NULL;
	}
	return sock;
}

int nlk_watch_open(struct nlk_watch **out, sr_error *err)
{
	static const int link_groups[] = {RTNLGRP_LINK};
	static const int uevent_groups[] = {UEVENT_GROUP_KERNEL, UEVENT_GROUP_UDEV};
	sr_error ignored = {0};
	struct nlk_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return sr_error_set_errno(err, ENOMEM, "netlink watch");
	w->link = subscribed(NETLINK_ROUTE, link_groups, 1, err);
	if (!w->link) {
		free(w);
		return -1;
	}
	/* links alone still wake us for netdevs; a uevent socket is a bonus (udev's rename) */
	w->uevent = subscribed(NETLINK_KOBJECT_UEVENT, uevent_groups, 2, &ignored);
	*out = w;
	return 0;
}

void nlk_watch_close(struct nlk_watch *w)
{
	if (!w)
		return;
	nl_socket_free(w->link);
	if (w->uevent)
		nl_socket_free(w->uevent);
	free(w);
}

/* Reads whatever is queued; true when there was anything (an overflow counts: something happened). */
static bool drain(int fd)
{
	char buf[8192];
	bool any = false;
	for (int i = 0; i < 256; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			any = true;
			continue;
		}
		if (n <= 0)
			break;
		any = true;
	}
	return any;
}

int nlk_watch_wait(struct nlk_watch *w, int timeout_ms)
{
	struct pollfd fds[2] = {{.fd = nl_socket_get_fd(w->link), .events = POLLIN}, {.fd = -1}};
	int n = 1, rc;
	if (w->uevent) {
		fds[1] = (struct pollfd){.fd = nl_socket_get_fd(w->uevent), .events = POLLIN};
		n = 2;
	}
	rc = poll(fds, (nfds_t)n, timeout_ms);
	if (rc <= 0)
		return 0; /* timed out, or a signal: the caller looks again either way */
	bool any = drain(fds[0].fd);
	if (n == 2 && drain(fds[1].fd))
		any = true;
	return any ? 1 : 0;
}
