/* nlk_test: netlink helpers only the tests use (the daemon never moves links between
 * namespaces): linked into test binaries only, next to the library. Opening a socket in
 * another namespace is the library's (nlk_open_in_netns, nlk.h). */
#ifndef NLK_TEST_H
#define NLK_TEST_H

#include "../../netlink/nlk.h"

/* Moves the link into the namespace whose file is netns_path (nsfs bind mount or /proc/PID/ns/net). */
int nlk_link_move_to_netns(struct nlk *nl, const char *ifname, const char *netns_path, sr_error *err);

#endif
