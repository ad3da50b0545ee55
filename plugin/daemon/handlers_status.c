/* SriovPlugin.Status: the daemon's live view for `sriov-plugin status`. Reads a copy of the
 * state taken under a short d->lock (traffic_view_read); the kernel reads of the view, the
 * pools and the counters happen without it. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "handlers.h"
#include "status_traffic.h"
#include "status_view.h"
#include "traffic_view.h"

int handle_status(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct traffic_view tv;
	json_t *view;
	(void)body;
	(void)len;
	if (traffic_view_read(d, &tv, err) < 0)
		return -1;
	view = status_view_build(d, &tv.snap);
	if (view && !status_traffic_add(view, &tv)) {
		json_decref(view);
		view = NULL;
	}
	traffic_view_free(&tv);
	if (!view)
		return sr_error_set(err, ENOMEM, "out of memory building the status view");
	respond_json(resp, json_dumps(view, JSON_COMPACT));
	json_decref(view);
	return 0;
}
