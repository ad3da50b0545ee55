/* nlk_socket: open and close the NETLINK_ROUTE socket (bound to the caller's network
 * namespace; the tests open one in another namespace with tests/lib/nlk_test.h). */
#include "nlk_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
	pthread_mutex_destroy(&nl->lock);
	free(nl);
}
