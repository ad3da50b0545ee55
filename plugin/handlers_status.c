/* SriovPlugin.Status: the daemon's live view for `sriov-plugin status`. */
#include <jansson.h>
#include <stdlib.h>

#include "handlers.h"
#include "status_view.h"

void handle_status(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	json_t *view;
	(void)body;
	(void)len;
	view = status_view_build(d);
	if (!view) {
		respond_error(resp, 500, "out of memory building the status view");
		return;
	}
	respond_json(resp, json_dumps(view, JSON_COMPACT));
	json_decref(view);
}
