/* nlk_devlink: the one devlink question the plugin asks, over generic netlink (libnl-genl):
 * is a PF's embedded switch in legacy or switchdev mode (`devlink dev eswitch show pci/X`). */
#include "nlk_internal.h"

#include <errno.h>
#include <linux/devlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

struct eswitch_reply {
	bool seen;
	int mode;
};

static int parse_eswitch(struct nl_msg *msg, void *arg)
{
	struct eswitch_reply *r = arg;
	struct nlattr *attrs[DEVLINK_ATTR_MAX + 1];
	static struct nla_policy policy[DEVLINK_ATTR_MAX + 1] = {
		[DEVLINK_ATTR_ESWITCH_MODE] = {.type = NLA_U16},
	};
	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, DEVLINK_ATTR_MAX, policy) < 0)
		return NL_SKIP;
	if (attrs[DEVLINK_ATTR_ESWITCH_MODE]) {
		r->mode = nla_get_u16(attrs[DEVLINK_ATTR_ESWITCH_MODE]);
		r->seen = true;
	}
	return NL_OK;
}

int nlk_devlink_eswitch_mode(const char *pci, int *mode, sr_error *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	struct eswitch_reply reply = {false, 0};
	int family, rc = -1, nlerr;
	if (!sk)
		return sr_error_set(err, ENOMEM, "devlink eswitch of pci/%s: out of memory", pci);
	nlerr = genl_connect(sk);
	if (nlerr < 0) {
		nlk_fail_nl(err, nlerr, "devlink eswitch of pci/%s: connect", pci);
		goto out;
	}
	family = genl_ctrl_resolve(sk, DEVLINK_GENL_NAME);
	if (family < 0) {
		sr_error_set(err, ENOENT, "devlink eswitch of pci/%s: no devlink in this kernel", pci);
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST, DEVLINK_CMD_ESWITCH_GET,
				 DEVLINK_GENL_VERSION) ||
	    nla_put_string(msg, DEVLINK_ATTR_BUS_NAME, "pci") < 0 || nla_put_string(msg, DEVLINK_ATTR_DEV_NAME, pci) < 0) {
		sr_error_set(err, ENOMEM, "devlink eswitch of pci/%s: out of memory", pci);
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, parse_eswitch, &reply);
	nlerr = nl_send_auto(sk, msg);
	if (nlerr >= 0)
		nlerr = nl_recvmsgs_default(sk);
	if (nlerr < 0) {
		/* ENODEV: the PF's driver registers no devlink instance (igb); EOPNOTSUPP: it has one
		 * but no embedded switch to ask about. */
		nlk_fail_nl(err, nlerr, "devlink eswitch of pci/%s", pci);
		goto out;
	}
	if (!reply.seen) {
		sr_error_set(err, EOPNOTSUPP, "devlink eswitch of pci/%s: the reply has no mode", pci);
		goto out;
	}
	*mode = reply.mode == DEVLINK_ESWITCH_MODE_SWITCHDEV ? NLK_ESWITCH_SWITCHDEV : NLK_ESWITCH_LEGACY;
	rc = 0;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return rc;
}
