/* SriovPlugin.Status: the daemon's view for `sriov-plugin status`. */
#include <jansson.h>
#include <stdlib.h>

#include "handlers.h"

void handle_status(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	(void)body;
	(void)len;
	respond_json(resp, state_to_json(&d->state));
}
