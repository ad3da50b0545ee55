/* nlk_test: netlink helpers only the tests use (the daemon never moves links between
 * namespaces): linked into test binaries only, next to the library.
 *
 * A netlink socket stays bound to the network namespace it was created in, so opening one
 * "inside" a namespace means: enter it, create + connect, leave. setns(2) moves only the
 * calling thread; nlk_open_in_netns therefore changes the calling thread's namespace for the
 * few syscalls in between and always switches back before returning, on every path. Other
 * threads are never affected, and this thread must not be doing other network work meanwhile. */
#ifndef NLK_TEST_H
#define NLK_TEST_H

#include "../../netlink/nlk.h"

/* Opens a socket inside the namespace at netns_path (e.g. /var/run/docker/netns/x). */
int nlk_open_in_netns(const char *netns_path, struct nlk **out, sr_error *err);
/* Moves the link into the namespace whose file is netns_path (nsfs bind mount or /proc/PID/ns/net). */
int nlk_link_move_to_netns(struct nlk *nl, const char *ifname, const char *netns_path, sr_error *err);

#endif
