/* decode_discover: DiscoverNew / DiscoverDelete (swarm). Only the type is
 * read; DiscoveryData is type-specific and we act on none of it. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "spec_json.h"

int spec_decode_discover(const char *body, size_t len, struct spec_discover *out, sr_error *err)
{
	json_t *root;
	const json_t *type;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (spec_json_parse_body(body, len, &root, err) < 0)
		return -1;
	type = json_object_get(root, "DiscoveryType");
	if (!type || json_is_null(type)) {
		sr_error_set(err, EINVAL, "DiscoveryType: missing");
		goto out;
	}
	if (!json_is_integer(type)) {
		sr_error_set(err, EINVAL, "DiscoveryType: not an integer");
		goto out;
	}
	if (json_integer_value(type) < INT_MIN || json_integer_value(type) > INT_MAX) {
		sr_error_set(err, EINVAL, "DiscoveryType: out of range");
		goto out;
	}
	out->discovery_type = (int)json_integer_value(type);
	rc = 0;
out:
	json_decref(root);
	return rc;
}
