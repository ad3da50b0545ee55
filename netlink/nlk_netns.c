/* nlk_netns: another network namespace's links through our own socket (one opened with
 * nlk_open_no_ack: the GETs here are answered without an ACK to read, and the answers carry no
 * sequence number libnl would check against an ACK it never got). A namespace is named to
 * the kernel by the id ours has for it (RTM_GETNSID / RTM_NEWNSID with the namespace's file
 * descriptor), and its links are dumped with IFLA_TARGET_NETNSID: one round trip for the id
 * and one dump per namespace, where entering it (setns) and opening a socket there would cost
 * a dozen system calls and a thread that does nothing else. Requests are built and answers
 * parsed by libnl (nlmsg_*, nla_*, nl_msg_parse into its rtnl_link objects). */
#include "nlk_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/net_namespace.h>

#ifndef IFLA_TARGET_NETNSID
#define IFLA_TARGET_NETNSID IFLA_IF_NETNSID
#endif

/* A copy of the socket's callbacks for one exchange (nl_socket_get_cb hands out a reference:
 * put it back, or the socket's callbacks outlive the socket). */
static struct nl_cb *valid_cb(struct nl_sock *sock)
{
	struct nl_cb *orig = nl_socket_get_cb(sock);
	struct nl_cb *cb = orig ? nl_cb_clone(orig) : NULL;
	nl_cb_put(orig);
	return cb;
}

/* One request on our socket, each answer handed to fn (or the ACK waited for): the pattern every
 * exchange here shares. 0 or a -NLE_* code. */
static int exchange(struct nlk *nl, struct nl_msg *msg, nl_recvmsg_msg_cb_t fn, void *arg, bool want_ack)
{
	struct nl_cb *cb;
	int rc = -NLE_NOMEM;
	pthread_mutex_lock(&nl->lock);
	cb = valid_cb(nl->sock);
	if (cb && nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg) == 0 && (rc = nl_send_auto(nl->sock, msg)) >= 0)
		rc = want_ack ? nl_wait_for_ack(nl->sock) : nl_recvmsgs(nl->sock, cb);
	pthread_mutex_unlock(&nl->lock);
	nl_cb_put(cb);
	return rc < 0 ? rc : 0;
}

struct nsid_answer {
	int nsid;
	bool got;
};

static int on_nsid(struct nl_msg *msg, void *arg)
{
	struct nsid_answer *a = arg;
	struct nlattr *tb[NETNSA_MAX + 1];
	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) == 0 && tb[NETNSA_NSID]) {
		a->nsid = (int)nla_get_s32(tb[NETNSA_NSID]);
		a->got = true;
	}
	return NL_OK;
}

/* One RTM_GETNSID or RTM_NEWNSID for fd; the reply's nsid in *a (GET only). */
static int nsid_request(struct nlk *nl, int type, int fd, struct nsid_answer *a)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	/* the one request here whose answer is an ACK asks for it itself */
	struct nl_msg *msg = nlmsg_alloc_simple(type, type == RTM_NEWNSID ? NLM_F_ACK : 0);
	int rc = -NLE_NOMEM;
	if (msg && nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) == 0 && nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) == 0 &&
	    (type != RTM_NEWNSID || nla_put_s32(msg, NETNSA_NSID, -1) == 0))
		rc = exchange(nl, msg, on_nsid, a, type == RTM_NEWNSID);
	nlmsg_free(msg);
	return rc;
}

int nlk_open_no_ack(struct nlk **out, sr_error *err)
{
	int rc = nlk_open(out, err);
	if (rc == 0)
		nl_socket_disable_auto_ack((*out)->sock);
	return rc;
}

int nlk_netns_id(struct nlk *nl, const char *netns_path, int *nsid, sr_error *err)
{
	struct nsid_answer a = {-1, false};
	int fd = open(netns_path, O_RDONLY | O_CLOEXEC), rc;
	if (fd < 0)
		return sr_error_set_errno(err, errno, "open netns %s", netns_path);
	rc = nsid_request(nl, RTM_GETNSID, fd, &a);
	if (rc == 0 && a.got && a.nsid < 0) { /* none yet: have one assigned, then read it */
		rc = nsid_request(nl, RTM_NEWNSID, fd, &a);
		/* two readers assigning at once: the second is refused (EEXIST), the id is there */
		if (rc == -NLE_EXIST)
			rc = 0;
		a.got = false;
		if (rc == 0)
			rc = nsid_request(nl, RTM_GETNSID, fd, &a);
	}
	close(fd);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "id of netns %s", netns_path);
	if (!a.got || a.nsid < 0)
		return sr_error_set(err, ENOENT, "id of netns %s: the kernel gave none", netns_path);
	*nsid = a.nsid;
	return 0;
}

struct nsid_list {
	int *ids;
	size_t count, max;
};

static int on_nsid_listed(struct nl_msg *msg, void *arg)
{
	struct nsid_list *l = arg;
	struct nlattr *tb[NETNSA_MAX + 1];
	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) == 0 && tb[NETNSA_NSID] &&
	    nla_get_s32(tb[NETNSA_NSID]) >= 0 && l->count < l->max)
		l->ids[l->count++] = (int)nla_get_s32(tb[NETNSA_NSID]);
	return NL_OK;
}

int nlk_netns_ids(struct nlk *nl, int *ids, size_t max, size_t *count, sr_error *err)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_DUMP);
	struct nsid_list l = {ids, 0, max};
	int rc = -NLE_NOMEM;
	*count = 0;
	if (msg && nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) == 0)
		rc = exchange(nl, msg, on_nsid_listed, &l, false);
	nlmsg_free(msg);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "ids of other netns");
	*count = l.count;
	return 0;
}

static int on_link(struct nl_msg *msg, void *arg)
{
	nl_msg_parse(msg, nlk_table_fill_add, arg);
	return NL_OK;
}

/* RTM_GETLINK in the namespace our namespace calls nsid: one link (ifindex > 0) or a dump of
 * all (ifindex 0), parsed into fill. 0 or a -NLE_* code. */
static int link_request(struct nlk *nl, int nsid, int ifindex, struct nlk_table_fill *fill)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, ifindex > 0 ? 0 : NLM_F_DUMP);
	int rc = -NLE_NOMEM;
	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) == 0 &&
	    nla_put_s32(msg, IFLA_TARGET_NETNSID, nsid) == 0)
		rc = exchange(nl, msg, on_link, fill, false);
	nlmsg_free(msg);
	if (rc == 0 && fill->failed)
		rc = -NLE_NOMEM;
	return rc;
}

int nlk_link_table_read_nsid(struct nlk *nl, int nsid, struct nlk_link_table *out, sr_error *err)
{
	struct nlk_table_fill fill = {out, 0, false};
	int rc;
	out->links = NULL;
	out->count = 0;
	rc = link_request(nl, nsid, 0, &fill);
	if (rc < 0) {
		nlk_link_table_free(out);
		return nlk_fail_nl(err, rc, "links of netns id %d", nsid);
	}
	return 0;
}

int nlk_link_entry_get_nsid(struct nlk *nl, int nsid, int ifindex, struct nlk_link_entry *out, sr_error *err)
{
	struct nlk_link_table one = {0};
	struct nlk_table_fill fill = {&one, 0, false};
	int rc = ifindex > 0 ? link_request(nl, nsid, ifindex, &fill) : -NLE_INVAL;
	if (rc == 0 && one.count != 1)
		rc = -NLE_OBJ_NOTFOUND;
	if (rc == 0)
		*out = one.links[0];
	nlk_link_table_free(&one);
	if (rc < 0)
		return nlk_fail_nl(err, rc, "link %d of netns id %d", ifindex, nsid);
	return 0;
}
