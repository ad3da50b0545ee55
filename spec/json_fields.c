/* json_fields: read one field of a decoded JSON object into a C value, with an
 * error naming the field: "X: missing", "X: not a string", "X: too long". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_json.h"

int spec_json_copy_string(const json_t *value, const char *label, char *buf, size_t size, sr_error *err)
{
	size_t n;

	buf[0] = '\0';
	if (!value || json_is_null(value))
		return 0;
	if (!json_is_string(value))
		return sr_error_set(err, EINVAL, "%s: not a string", label);
	n = json_string_length(value);
	if (n >= size)
		return sr_error_set(err, EINVAL, "%s: too long", label);
	/* No embedded NULs: the parser runs without JSON_ALLOW_NUL. */
	memcpy(buf, json_string_value(value), n + 1);
	return 0;
}

int spec_json_get_string(const json_t *obj, const char *key, char *buf, size_t size, sr_error *err)
{
	return spec_json_copy_string(json_object_get(obj, key), key, buf, size, err);
}

int spec_json_get_required_string(const json_t *obj, const char *key, char *buf, size_t size, sr_error *err)
{
	if (spec_json_get_string(obj, key, buf, size, err) < 0)
		return -1;
	if (!buf[0])
		return sr_error_set(err, EINVAL, "%s: missing", key);
	return 0;
}

int spec_json_get_id(const json_t *obj, const char *key, char *buf, sr_error *err)
{
	const json_t *value = json_object_get(obj, key);

	buf[0] = '\0';
	if (!value || json_is_null(value))
		return sr_error_set(err, EINVAL, "%s: missing", key);
	if (!json_is_string(value))
		return sr_error_set(err, EINVAL, "%s: not a string", key);
	if (!spec_id_valid(json_string_value(value)))
		return sr_error_set(err, EINVAL, "%s: invalid identifier (1-%d characters of A-Z a-z 0-9 _ . -)",
				    key, SPEC_ID_MAX);
	memcpy(buf, json_string_value(value), json_string_length(value) + 1);
	return 0;
}

int spec_json_bool(const json_t *value, const char *label, bool accept_text, bool *out, sr_error *err)
{
	*out = false;
	if (!value || json_is_null(value))
		return 0;
	if (json_is_boolean(value)) {
		*out = json_is_true(value);
		return 0;
	}
	if (accept_text && json_is_string(value)) {
		if (strcmp(json_string_value(value), "true") == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(json_string_value(value), "false") == 0)
			return 0;
	}
	return sr_error_set(err, EINVAL, "%s: not a boolean", label);
}

int spec_json_get_object(const json_t *obj, const char *key, const char *label, json_t **out, sr_error *err)
{
	json_t *value = json_object_get(obj, key);

	*out = NULL;
	if (!value || json_is_null(value))
		return 0;
	if (!json_is_object(value))
		return sr_error_set(err, EINVAL, "%s: not an object", label);
	*out = value;
	return 0;
}

/* Shortest "%.*g" that reads back as the same double, like Go's strconv 'g' -1. */
static void real_text(double d, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

char *spec_json_scalar_text(const json_t *value)
{
	char buf[64];

	if (json_is_integer(value))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
	else if (json_is_real(value))
		real_text(json_real_value(value), buf, sizeof(buf));
	else if (json_is_true(value))
		snprintf(buf, sizeof(buf), "true");
	else if (json_is_false(value))
		snprintf(buf, sizeof(buf), "false");
	else
		return NULL;
	return strdup(buf);
}
