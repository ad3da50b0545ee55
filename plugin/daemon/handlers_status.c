/* SriovPlugin.Status: the daemon's live view for `sriov-plugin status`. Reads a copy of the
 * state taken under a short d->lock; the kernel reads of the view happen without it. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "handlers.h"
#include "state_copy.h"
#include "status_view.h"

int handle_status(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct state snap;
	json_t *view;
	int copied;
	(void)body;
	(void)len;
	pthread_mutex_lock(&d->lock);
	copied = state_copy(&d->state, &snap, err);
	pthread_mutex_unlock(&d->lock);
	if (copied < 0)
		return -1;
	view = status_view_build(d, &snap);
	state_free(&snap);
	if (!view)
		return sr_error_set(err, ENOMEM, "out of memory building the status view");
	respond_json(resp, json_dumps(view, JSON_COMPACT));
	json_decref(view);
	return 0;
}
