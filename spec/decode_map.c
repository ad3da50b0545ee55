/* decode_map: a JSON object of options -> struct spec_map, under one of the
 * value policies of spec_json.h (strict strings, skip others, scalars as text). */
#include <errno.h>
#include <stdlib.h>

#include "spec_json.h"

/* The text to store for value under policy; *skip when the policy drops it. */
static int value_text(const json_t *value, const char *label, const char *key, enum spec_map_policy policy,
		      char **text, bool *skip, sr_error *err)
{
	*text = NULL;
	*skip = false;
	if (json_is_string(value))
		return 0;
	if (policy == SPEC_MAP_SKIP_OTHERS) {
		*skip = true;
		return 0;
	}
	if (policy == SPEC_MAP_SCALARS_AS_TEXT && (json_is_number(value) || json_is_boolean(value))) {
		*text = spec_json_scalar_text(value);
		if (!*text)
			return sr_error_set(err, ENOMEM, "%s.%s: out of memory", label, key);
		return 0;
	}
	return sr_error_set(err, EINVAL, "%s.%s: not a string", label, key);
}

int spec_json_to_map(const json_t *obj, const char *label, enum spec_map_policy policy, struct spec_map *map,
		     sr_error *err)
{
	const char *key;
	json_t *value;

	map->items = NULL;
	map->count = 0;
	if (!obj)
		return 0;
	/* json_object_foreach wants a non-const object; iteration does not modify it. */
	json_object_foreach ((json_t *)obj, key, value) {
		char *text;
		bool skip;
		int rc;

		if (value_text(value, label, key, policy, &text, &skip, err) < 0)
			goto fail;
		if (skip)
			continue;
		rc = spec_map_add(map, key, text ? text : json_string_value(value), err);
		free(text);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	spec_map_free(map);
	return -1;
}

int spec_json_options_map(const json_t *root, enum spec_map_policy policy, struct spec_map *map, sr_error *err)
{
	json_t *options;
	if (spec_json_get_object(root, "Options", "Options", &options, err) < 0)
		return -1;
	return spec_json_to_map(options, "Options", policy, map, err);
}
