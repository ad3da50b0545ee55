/* nlk against the real kernel, inside private network namespaces only.
 *
 * Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN). The process first unshares its
 * own network namespace, so every link it creates or changes lives there and
 * vanishes with it; a forked helper holds a second namespace (its
 * /proc/PID/ns/net) to move a link into. Nothing touches the host's network.
 * Without the privileges the test fails (it does not pretend to pass). */
#include <errno.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/route/addr.h>
#include <netlink/route/link/veth.h>

#include "../../netlink/nlk.h"
#include "../../netlink/nlk_internal.h" /* nl->strict */
#include "../lib/nlk_test.h"
#include "check.h"

#define CHECK_ERR(err, want_code, want_msg)                \
	do {                                               \
		CHECK((err).code == (want_code));          \
		CHECK_STR_EQ((err).msg, (want_msg));       \
	} while (0)

struct helper_ns {
	pid_t pid;
	int hold_fd; /* closing it lets the helper exit */
	char path[64];
};

/* Forks a process that sits in a fresh netns until hold_fd is closed. */
static int helper_ns_start(struct helper_ns *h)
{
	int ready[2], hold[2];
	char byte = 0;

	if (pipe(ready) < 0 || pipe(hold) < 0)
		return -1;
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		close(ready[0]);
		close(hold[1]);
		byte = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
		if (write(ready[1], &byte, 1) != 1)
			_exit(1);
		while (read(hold[0], &byte, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	h->hold_fd = hold[1];
	snprintf(h->path, sizeof(h->path), "/proc/%d/ns/net", (int)h->pid);
	if (read(ready[0], &byte, 1) != 1 || byte != 'y') {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return 0;
}

static void helper_ns_stop(struct helper_ns *h)
{
	close(h->hold_fd);
	waitpid(h->pid, NULL, 0);
}

static ino_t current_netns(void)
{
	struct stat st;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/ns/net", (int)gettid());
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int add_address(struct nl_sock *sock, int ifindex, const char *cidr)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int rc = -1;

	if (!addr || nl_addr_parse(cidr, AF_UNSPEC, &local) < 0)
		goto out;
	rtnl_addr_set_ifindex(addr, ifindex);
	if (rtnl_addr_set_local(addr, local) < 0)
		goto out;
	rc = rtnl_addr_add(sock, addr, 0);
out:
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	return rc;
}

static void test_get(struct nlk *nl)
{
	struct nlk_link_info info, again;
	sr_error err = {0};

	CHECK(nlk_link_get(nl, "nlkt0", &info, &err) == 0);
	CHECK(info.ifindex > 0);
	CHECK_STR_EQ(info.name, "nlkt0");
	CHECK(info.mtu == 1500);
	CHECK(!info.up);
	CHECK(info.num_vf == 0);
	CHECK(!nlk_mac_is_zero(info.mac));

	CHECK(nlk_link_get_by_index(nl, info.ifindex, &again, &err) == 0);
	CHECK_STR_EQ(again.name, "nlkt0");
	CHECK(memcmp(again.mac, info.mac, 6) == 0);

	CHECK(nlk_link_get(nl, "nope0", &info, &err) == -1);
	CHECK_ERR(err, ENODEV, "get link nope0: No such device");
	CHECK(nlk_link_get_by_index(nl, 999999, &info, &err) == -1);
	CHECK_ERR(err, ENODEV, "get link index 999999: No such device");
	CHECK(nlk_link_get(nl, "a/b", &info, &err) == -1);
	CHECK_ERR(err, EINVAL, "get link a/b: invalid interface name");
	CHECK(nlk_link_get(nl, "0123456789abcdef", &info, &err) == -1);
	CHECK(err.code == EINVAL);
}

static void test_set(struct nlk *nl)
{
	const uint8_t mac[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01};
	const uint8_t multicast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	struct nlk_link_info info;
	sr_error err = {0};

	CHECK(nlk_link_set_up(nl, "nlkt0", true, &err) == 0);
	CHECK(nlk_link_get(nl, "nlkt0", &info, &err) == 0 && info.up);
	CHECK(nlk_link_set_up(nl, "nlkt0", false, &err) == 0);
	CHECK(nlk_link_get(nl, "nlkt0", &info, &err) == 0 && !info.up);
	CHECK(nlk_link_set_up(nl, "nope0", true, &err) == -1);
	CHECK_ERR(err, ENODEV, "set link up on nope0: No such device");

	CHECK(nlk_link_set_mac(nl, "nlkt0", mac, &err) == 0);
	CHECK(nlk_link_get(nl, "nlkt0", &info, &err) == 0);
	CHECK(memcmp(info.mac, mac, 6) == 0);
	CHECK(nlk_link_set_mac(nl, "nlkt0", multicast, &err) == -1);
	CHECK_ERR(err, EADDRNOTAVAIL, "set MAC 01:00:5e:00:00:01 on nlkt0: Cannot assign requested address");

	CHECK(nlk_link_set_mtu(nl, "nlkt0", 9000, &err) == 0);
	CHECK(nlk_link_get(nl, "nlkt0", &info, &err) == 0 && info.mtu == 9000);
	CHECK(nlk_link_set_mtu(nl, "nlkt0", 70000, &err) == -1);
	CHECK_ERR(err, EINVAL, "set MTU 70000 on nlkt0: Invalid argument");

	CHECK(nlk_link_rename(nl, "nlkt0", "nlkt0r", &err) == 0);
	CHECK(nlk_link_get(nl, "nlkt0r", &info, &err) == 0);
	CHECK(memcmp(info.mac, mac, 6) == 0);
	CHECK(nlk_link_get(nl, "nlkt0", &info, &err) == -1 && err.code == ENODEV);
	CHECK(nlk_link_rename(nl, "nlkt0r", "bad:name", &err) == -1);
	CHECK_ERR(err, EINVAL, "rename to \"bad:name\" on nlkt0r: invalid interface name");
	CHECK(nlk_link_rename(nl, "nlkt0r", "nlkt1", &err) == -1); /* the peer's name */
	CHECK_ERR(err, EEXIST, "rename to nlkt1 on nlkt0r: File exists");
}

/* A wait ends at the kernel's notification of a link change, not at its timeout; with nothing
 * happening it times out. The changes are made before the wait: subscribed first, nothing is
 * lost between a look and the wait. */
static void test_watch(struct nlk *nl)
{
	struct nlk_watch *w = NULL;
	sr_error err = {0};
	CHECK(nlk_watch_open(&w, &err) == 0);
	if (!w)
		return;
	CHECK(nlk_watch_wait(w, 0) == 0);
	CHECK(nlk_link_set_up(nl, "nlkt1", true, &err) == 0);
	CHECK(nlk_watch_wait(w, 30000) == 1);
	CHECK(nlk_watch_wait(w, 50) == 0); /* all read by the first wait */
	CHECK(nlk_link_set_up(nl, "nlkt1", false, &err) == 0);
	CHECK(nlk_watch_wait(w, 30000) == 1);
	nlk_watch_close(w);
}

static void test_addresses(struct nlk *nl, struct nl_sock *sock)
{
	struct nlk_link_info info, peer;
	sr_error err = {0};
	int count = -1;

	CHECK(nlk_link_get(nl, "nlkt0r", &info, &err) == 0);
	CHECK(nlk_link_address_count(nl, info.ifindex, &count, &err) == 0);
	CHECK(count == 0);
	CHECK(add_address(sock, info.ifindex, "10.9.8.7/24") == 0);
	CHECK(add_address(sock, info.ifindex, "2001:db8::7/64") == 0);
	CHECK(add_address(sock, info.ifindex, "fe80::1234/64") == 0); /* link-local: not counted */
	CHECK(nlk_link_address_count(nl, info.ifindex, &count, &err) == 0);
	CHECK(count == 2);
	/* the peer's addresses are not this link's */
	CHECK(nlk_link_get(nl, "nlkt1", &peer, &err) == 0);
	CHECK(add_address(sock, peer.ifindex, "10.9.9.1/24") == 0);
	CHECK(nlk_link_address_count(nl, peer.ifindex, &count, &err) == 0);
	CHECK(count == 1);
	CHECK(nlk_link_address_count(nl, info.ifindex, &count, &err) == 0);
	CHECK(count == 2);
	CHECK(nlk_link_address_count(nl, 0, &count, &err) == -1);
	CHECK(err.code == EINVAL);
	/* a link that is not there carries nothing (or the kernel says it is not there) */
	count = -1;
	CHECK(nlk_link_address_count(nl, 99999, &count, &err) == 0 ? count == 0 : err.code == ENODEV);
	CHECK(nl->strict != NULL); /* this kernel (>= 4.20) filters */
}

static void test_vf_on_veth(struct nlk *nl)
{
	const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 9};
	struct nlk_vf_config vf;
	sr_error err = {0};

	CHECK(nlk_vf_get(nl, "nlkt0r", 0, &vf, &err) == -1);
	CHECK_ERR(err, ENOENT, "read VF 0 of nlkt0r: nlkt0r has no VF 0 (not an SR-IOV PF)");
	CHECK(nlk_vf_get(nl, "nope0", 0, &vf, &err) == -1);
	CHECK_ERR(err, ENODEV, "read VF 0 of nope0: No such device");

	/* veth has no ndo_set_vf_*: the kernel answers EOPNOTSUPP for each. */
	CHECK(nlk_vf_set_mac(nl, "nlkt0r", 3, mac, &err) == -1);
	CHECK_ERR(err, EOPNOTSUPP, "set VF 3 MAC on nlkt0r: Operation not supported");
	CHECK(nlk_vf_set_vlan(nl, "nlkt0r", 3, 10, 1, NLK_VLAN_8021Q, &err) == -1);
	CHECK_ERR(err, EOPNOTSUPP, "set VF 3 VLAN on nlkt0r: Operation not supported");
	CHECK(nlk_vf_set_vlan(nl, "nlkt0r", 3, 10, 0, NLK_VLAN_8021AD, &err) == -1);
	CHECK_ERR(err, EOPNOTSUPP, "set VF 3 VLAN on nlkt0r: Operation not supported");
	CHECK(nlk_vf_set_spoofchk(nl, "nlkt0r", 3, false, &err) == -1);
	CHECK_ERR(err, EOPNOTSUPP, "set VF 3 spoof check on nlkt0r: Operation not supported");
	CHECK(nlk_vf_set_trust(nl, "nlkt0r", 3, true, &err) == -1);
	CHECK_ERR(err, EOPNOTSUPP, "set VF 3 trust on nlkt0r: Operation not supported");
	CHECK(nlk_vf_set_link_state(nl, "nlkt0r", 3, NLK_VF_LINK_ENABLE, &err) == -1);
	CHECK_ERR(err, EOPNOTSUPP, "set VF 3 link state on nlkt0r: Operation not supported");
	CHECK(nlk_vf_set_rate(nl, "nlkt0r", 3, 0, 100, &err) == -1);
	CHECK_ERR(err, EOPNOTSUPP, "set VF 3 rate on nlkt0r: Operation not supported");

	/* Checked before the kernel is asked. */
	CHECK(nlk_vf_set_vlan(nl, "nlkt0r", 3, 5000, 0, NLK_VLAN_8021Q, &err) == -1);
	CHECK_ERR(err, EINVAL, "set VF 3 VLAN on nlkt0r: vlan 5000 out of range 0-4094");
	CHECK(nlk_vf_set_vlan(nl, "nlkt0r", 3, 5, 8, NLK_VLAN_8021Q, &err) == -1);
	CHECK_ERR(err, EINVAL, "set VF 3 VLAN on nlkt0r: qos 8 out of range 0-7");
	CHECK(nlk_vf_set_vlan(nl, "nlkt0r", 3, 5, 0, 0x0800, &err) == -1);
	CHECK(err.code == EINVAL);
	CHECK(nlk_vf_set_link_state(nl, "nlkt0r", 3, 7, &err) == -1);
	CHECK(err.code == EINVAL);
	CHECK(nlk_vf_set_rate(nl, "nlkt0r", 3, 200, 100, &err) == -1);
	CHECK_ERR(err, EINVAL, "set VF 3 rate on nlkt0r: min rate 200 Mbit/s above max 100 Mbit/s");
	CHECK(nlk_vf_set_mac(nl, "nope0", 3, mac, &err) == -1);
	CHECK_ERR(err, ENODEV, "set VF 3 MAC on nope0: No such device");
	CHECK(nlk_vf_set_trust(nl, "nlkt0r", -1, true, &err) == -1);
	CHECK(err.code == EINVAL);
}

static void test_netns(struct nlk *nl, const struct helper_ns *h)
{
	struct nlk_link_info info;
	struct nlk *inside = NULL;
	sr_error err = {0};
	ino_t before = current_netns();
	char want[256];

	CHECK(before != 0);
	CHECK(nlk_link_move_to_netns(nl, "nlkt1", h->path, &err) == 0);
	CHECK(nlk_link_get(nl, "nlkt1", &info, &err) == -1 && err.code == ENODEV);

	CHECK(nlk_open_in_netns(h->path, &inside, &err) == 0);
	CHECK(current_netns() == before); /* the thread came back */
	if (inside) {
		CHECK(nlk_link_get(inside, "nlkt1", &info, &err) == 0);
		CHECK_STR_EQ(info.name, "nlkt1");
		CHECK(nlk_link_get(inside, "nlkt0r", &info, &err) == -1 && err.code == ENODEV);
		/* and back home through the other socket */
		CHECK(nlk_link_set_mtu(inside, "nlkt1", 1400, &err) == 0);
		CHECK(nlk_link_get(inside, "nlkt1", &info, &err) == 0 && info.mtu == 1400);
		nlk_close(inside);
	}

	CHECK(nlk_open_in_netns("/nonexistent/ns", &inside, &err) == -1);
	CHECK_ERR(err, ENOENT, "open netns /nonexistent/ns: No such file or directory");
	/* Not a namespace file: setns fails, the thread stays where it was. */
	CHECK(nlk_open_in_netns("/proc/self/status", &inside, &err) == -1);
	CHECK_ERR(err, EINVAL, "enter netns /proc/self/status: Invalid argument");
	CHECK(current_netns() == before);

	CHECK(nlk_link_move_to_netns(nl, "nlkt0r", "/nonexistent/ns", &err) == -1);
	CHECK_ERR(err, ENOENT, "move to netns /nonexistent/ns on nlkt0r: No such file or directory");
	snprintf(want, sizeof(want), "move to netns %s on nope0: No such device", h->path);
	CHECK(nlk_link_move_to_netns(nl, "nope0", h->path, &err) == -1);
	CHECK_ERR(err, ENODEV, want);
}

int main(void)
{
	struct helper_ns helper = {0};
	struct nl_sock *sock = NULL;
	struct nlk *nl = NULL;
	sr_error err = {0};

	/* Fork the helper before anything is allocated (clean valgrind runs). */
	if (helper_ns_start(&helper) < 0) {
		fprintf(stderr, "FAIL cannot create a helper netns (need root): %s\n", strerror(errno));
		CHECK(!"helper netns");
		return check_summary("netlink");
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "FAIL unshare(CLONE_NEWNET) (need root): %s\n", strerror(errno));
		CHECK(!"unshare");
		helper_ns_stop(&helper);
		return check_summary("netlink");
	}
	sock = nl_socket_alloc();
	CHECK(sock && nl_connect(sock, NETLINK_ROUTE) == 0);
	CHECK(rtnl_link_veth_add(sock, "nlkt0", "nlkt1", getpid()) == 0);
	CHECK(nlk_open(&nl, &err) == 0);
	if (nl) {
		test_get(nl);
		test_set(nl);
		test_watch(nl);
		test_addresses(nl, sock);
		test_vf_on_veth(nl);
		test_netns(nl, &helper);
		nlk_close(nl);
	}
	nl_socket_free(sock);
	helper_ns_stop(&helper);
	return check_summary("netlink");
}
