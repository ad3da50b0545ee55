/* spec_json: helpers shared by the spec/ decoders and encoders (internal to
 * spec/, other layers use spec.h only).
 *
 * Every helper names the offending field in its error with a caller-given
 * label ("NetworkID", "IPv4Data[0].Pool", "com.docker.network.generic.vlanid")
 * so the message Docker shows points at the exact value. All decode errors use
 * EINVAL, allocation failures ENOMEM. */
#ifndef SPEC_JSON_H
#define SPEC_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/sr_error.h"
#include "spec.h"

/* Parse a request body that must be one JSON object. Rejects an empty (or
 * whitespace-only) body, NUL bytes, invalid JSON, duplicate keys and any
 * top-level value that is not an object. On success *root holds a reference
 * the caller json_decref()s. */
int spec_json_parse_body(const char *body, size_t len, json_t **root, sr_error *err);

/* Every request decoder's frame: zeroes *out (size bytes), parses body (spec_json_parse_body),
 * lets fill read the root object's fields into out, and drops the JSON. fill returns 0, or -1
 * with err set (naming the field). */
typedef int (*spec_json_fill_fn)(json_t *root, void *out, sr_error *err);
int spec_json_decode(const char *body, size_t len, void *out, size_t size, spec_json_fill_fn fill, sr_error *err);

/* Copy an optional string value: NULL (absent) or JSON null give "". */
int spec_json_copy_string(const json_t *value, const char *label, char *buf, size_t size, sr_error *err);

/* Like spec_json_copy_string for obj[key], the label being the key. */
int spec_json_get_string(const json_t *obj, const char *key, char *buf, size_t size, sr_error *err);

/* obj[key] must be present, a string, and not "": otherwise "<key>: missing". */
int spec_json_get_required_string(const json_t *obj, const char *key, char *buf, size_t size, sr_error *err);

/* obj[key] must be a valid identifier (see spec_id_valid); buf holds SPEC_ID_MAX + 1. */
int spec_json_get_id(const json_t *obj, const char *key, char *buf, sr_error *err);

/* Optional boolean: absent/null -> false. With accept_text the strings
 * "true"/"false" are accepted too (Docker's options sometimes carry them so). */
int spec_json_bool(const json_t *value, const char *label, bool accept_text, bool *out, sr_error *err);

/* Optional object: absent/null -> *out = NULL; anything but an object is an error. */
int spec_json_get_object(const json_t *obj, const char *key, const char *label, json_t **out, sr_error *err);

/* The JSON text of a scalar (number or boolean), malloc'd: 100 -> "100",
 * true -> "true", 1.5 -> "1.5" (shortest text that reads back the same). */
char *spec_json_scalar_text(const json_t *value);

/* How spec_json_to_map treats values that are not strings. */
enum spec_map_policy {
	SPEC_MAP_STRINGS,        /* any other value is "<label>.<key>: not a string" */
	SPEC_MAP_SKIP_OTHERS,    /* other values are ignored (endpoint options carry portmaps) */
	SPEC_MAP_SCALARS_AS_TEXT /* numbers/booleans kept as JSON text, others an error */
};

/* Fill map (initially empty) from a JSON object; obj may be NULL (empty map).
 * Keys in errors are prefixed by label and a dot. On -1 map is left empty. */
int spec_json_to_map(const json_t *obj, const char *label, enum spec_map_policy policy, struct spec_map *map,
		     sr_error *err);

/* root["Options"] (absent or null = empty) as a map with the given policy; errors say "Options...". */
int spec_json_options_map(const json_t *root, enum spec_map_policy policy, struct spec_map *map, sr_error *err);

/* Append a copy of key/value to map. */
int spec_map_add(struct spec_map *map, const char *key, const char *value, sr_error *err);

/* IPv4Data / IPv6Data: an array (or absent/null = none) of at most
 * SPEC_IPDATA_MAX objects {AddressSpace, Pool, Gateway, AuxAddresses}. */
int spec_json_ipdata(const json_t *value, const char *label, struct spec_ipdata *out, size_t *count,
		     sr_error *err);

/* Dump root compactly and drop the reference; NULL when root is NULL or on
 * allocation failure. The encoders end with `return spec_json_dump(root);`. */
char *spec_json_dump(json_t *root);

/* A JSON string for s (NULL -> ""); invalid UTF-8 bytes become '?'. */
json_t *spec_json_string_lossy(const char *s);

/* obj[key] = spec_json_string_lossy(value); -1 on allocation failure. */
int spec_json_set_string(json_t *obj, const char *key, const char *value);

#endif
