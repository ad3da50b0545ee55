#include "state_copy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int state_copy(const struct state *src, struct state *dst, sr_error *err)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->dir, src->dir, sizeof(dst->dir));
	dst->loaded = src->loaded;
	dst->dirty = src->dirty;
	/* one more than needed, so that an empty list still gets a buffer (malloc(0) may be NULL) */
	dst->nets = malloc((src->net_count + 1) * sizeof(*dst->nets));
	dst->eps = malloc((src->ep_count + 1) * sizeof(*dst->eps));
	if (!dst->nets || !dst->eps) {
		state_free(dst);
		return sr_error_set_errno(err, ENOMEM, "copy of the state");
	}
	if (src->net_count)
		memcpy(dst->nets, src->nets, src->net_count * sizeof(*dst->nets));
	if (src->ep_count)
		memcpy(dst->eps, src->eps, src->ep_count * sizeof(*dst->eps));
	dst->net_count = dst->net_cap = src->net_count;
	dst->ep_count = dst->ep_cap = src->ep_count;
	return 0;
}
