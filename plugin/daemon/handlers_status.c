/* SriovPlugin.Status: the daemon's live view for `sriov-plugin status`. Reads a copy of the
 * state taken under a short d->lock; the kernel reads of the view happen without it. */
#include <jansson.h>
#include <stdlib.h>

#include "handlers.h"
#include "state_copy.h"
#include "status_view.h"

void handle_status(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	struct state snap;
	sr_error err = {0};
	json_t *view;
	int copied;
	(void)body;
	(void)len;
	pthread_mutex_lock(&d->lock);
	copied = state_copy(&d->state, &snap, &err);
	pthread_mutex_unlock(&d->lock);
	if (copied < 0) {
		respond_error(resp, 500, err.msg);
		return;
	}
	view = status_view_build(d, &snap);
	state_free(&snap);
	if (!view) {
		respond_error(resp, 500, "out of memory building the status view");
		return;
	}
	respond_json(resp, json_dumps(view, JSON_COMPACT));
	json_decref(view);
}
