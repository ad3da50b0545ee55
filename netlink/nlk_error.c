/* nlk_error: one place that turns libnl's -NLE_* codes into errno values and
 * messages. libnl has already folded the kernel's errno into an NLE code
 * (nl_syserr2nlerr), so this maps back to the errno the kernel most likely
 * sent, and words it the way `ip link` would ("Operation not supported"). */
#include "nlk_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/errno.h>

int nlk_errno_from_nl(int nlerr)
{
	switch (abs(nlerr)) {
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return ENODEV;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_PERM:
		return EPERM;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_INVAL:
		return EINVAL;
	case NLE_EXIST:
		return EEXIST;
	case NLE_BUSY:
		return EBUSY;
	case NLE_RANGE:
		return ERANGE;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_INTR:
		return EINTR;
	case NLE_NOADDR:
		return EADDRNOTAVAIL;
	case NLE_AF_NOSUPPORT:
		return EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: /* the kernel's EPROTONOSUPPORT, e.g. 802.1ad VF VLAN */
		return EPROTONOSUPPORT;
	default:
		return EIO;
	}
}

int nlk_fail_nl(sr_error *err, int nlerr, const char *fmt, ...)
{
	char context[SR_ERROR_MSG_MAX];
	va_list ap;
	int code = nlk_errno_from_nl(nlerr);
	int n;

	va_start(ap, fmt);
	n = vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	if (n < 0)
		context[0] = '\0';
	/* A mapped code reads best as the kernel's own words; EIO is our
	 * fallback, so keep libnl's more specific text for it. */
	if (code != EIO)
		return sr_error_set(err, code, "%s: %s", context, strerror(code));
	return sr_error_set(err, code, "%s: %s", context, nl_geterror(nlerr));
}
