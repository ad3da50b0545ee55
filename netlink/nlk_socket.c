/* nlk_socket: open and close the NETLINK_ROUTE socket (bound to the caller's network
 * namespace; the tests open one in another namespace with tests/lib/nlk_test.h). */
#include "nlk_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <sys/socket.h>

/* A second socket that asks the kernel for strict checking of its requests, which is what lets a
 * dump carry a filter (an ifindex); NULL when the kernel cannot (before 4.20: ENOPROTOOPT), and
 * then callers dump everything and filter themselves. */
static struct nl_sock *open_strict(void)
{
	struct nl_sock *sock = nl_socket_alloc();
	int on = 1;
	if (!sock)
		return NULL;
	if (nl_connect(sock, NETLINK_ROUTE) < 0 ||
	    setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof(on)) < 0) {
		nl_socket_free(sock);
		return NULL;
	}
	return sock;
}

static int open_connected(struct nlk **out, sr_error *err)
{
	struct nlk *nl = calloc(1, sizeof(*nl));
	int rc;

	if (!nl)
		return sr_error_set_errno(err, ENOMEM, "netlink socket");
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		free(nl);
		return sr_error_set_errno(err, ENOMEM, "netlink socket");
	}
	rc = nl_connect(nl->sock, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(nl->sock);
		free(nl);
		return nlk_fail_nl(err, rc, "connect netlink route socket");
	}
	nl->strict = open_strict();
	pthread_mutex_init(&nl->lock, NULL);
	*out = nl;
	return 0;
}

int nlk_open(struct nlk **out, sr_error *err)
{
	return open_connected(out, err);
}

void nlk_close(struct nlk *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sock); /* closes the fd too */
	if (nl->strict)
		nl_socket_free(nl->strict);
	pthread_mutex_destroy(&nl->lock);
	free(nl);
}
