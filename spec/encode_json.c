/* encode_json: the two primitives every encoder uses: a JSON string from any
 * C string (messages may hold bytes cut mid-character by a fixed buffer) and
 * the compact dump that hands back a malloc'd body. */
#include <stdlib.h>
#include <string.h>

#include "spec_json.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not one: bad lead, bad continuation, overlong, surrogate,
 * beyond U+10FFFF. The same rules jansson applies to json_string(). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned int cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *spec_json_string_lossy(const char *s)
{
	size_t n;
	char *copy;
	json_t *value;

	if (!s)
		s = "";
	n = strlen(s);
	copy = malloc(n + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence((const unsigned char *)s + i, n - i);

		if (len == 0) {
			copy[i++] = '?';
			continue;
		}
		memcpy(copy + i, s + i, len);
		i += len;
	}
	copy[n] = '\0';
	value = json_string(copy);
	free(copy);
	return value;
}

char *spec_json_dump(json_t *root)
{
	char *text;

	if (!root)
		return NULL;
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

int spec_json_set_string(json_t *obj, const char *key, const char *value)
{
	/* json_object_set_new takes the reference even on failure, and fails on NULL. */
	return json_object_set_new(obj, key, spec_json_string_lossy(value));
}
