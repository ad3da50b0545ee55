/* body: turn a raw request body into one JSON object, or say precisely why not. */
#include <errno.h>
#include <string.h>

#include "spec_json.h"

static bool only_whitespace(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\n' && body[i] != '\r')
			return false;
	}
	return true;
}

int spec_json_parse_body(const char *body, size_t len, json_t **root, sr_error *err)
{
	json_error_t jerr;
	json_t *value;

	*root = NULL;
	/* A retried call may reuse a drained buffer and arrive empty: say so plainly. */
	if (!body || len == 0 || only_whitespace(body, len))
		return sr_error_set(err, EINVAL, "request body: empty");
	/* jansson would report a NUL as a bad token somewhere; name it instead. */
	if (memchr(body, '\0', len))
		return sr_error_set(err, EINVAL, "request body: contains a NUL byte");
	/* DECODE_ANY so that a scalar body reads "not a JSON object" below, like an array. */
	value = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!value)
		return sr_error_set(err, EINVAL, "request body: invalid JSON at line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
	if (!json_is_object(value)) {
		json_decref(value);
		return sr_error_set(err, EINVAL, "request body: not a JSON object");
	}
	*root = value;
	return 0;
}

int spec_json_decode(const char *body, size_t len, void *out, size_t size, spec_json_fill_fn fill, sr_error *err)
{
	json_t *root;
	int rc;

	memset(out, 0, size);
	if (spec_json_parse_body(body, len, &root, err) < 0)
		return -1;
	rc = fill(root, out, err);
	json_decref(root);
	return rc;
}
