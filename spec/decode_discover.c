/* decode_discover: DiscoverNew / DiscoverDelete (swarm). Only the type is
 * read; DiscoveryData is type-specific and we act on none of it. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "spec_json.h"

static int fill_discover(json_t *root, void *p, sr_error *err)
{
	struct spec_discover *out = p;
	const json_t *type;
	type = json_object_get(root, "DiscoveryType");
	if (!type || json_is_null(type))
		return sr_error_set(err, EINVAL, "DiscoveryType: missing");
	if (!json_is_integer(type))
		return sr_error_set(err, EINVAL, "DiscoveryType: not an integer");
	if (json_integer_value(type) < INT_MIN || json_integer_value(type) > INT_MAX)
		return sr_error_set(err, EINVAL, "DiscoveryType: out of range");
	out->discovery_type = (int)json_integer_value(type);
	return 0;
}

int spec_decode_discover(const char *body, size_t len, struct spec_discover *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_discover, err);
}
