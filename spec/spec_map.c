/* spec_map: a small owned list of string pairs, in arrival order. Lookups are
 * linear: Docker sends a handful of options, never thousands that matter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec_json.h"

const char *spec_map_get(const struct spec_map *map, const char *key)
{
	if (!map || !key)
		return NULL;
	for (size_t i = 0; i < map->count; i++) {
		if (strcmp(map->items[i].key, key) == 0)
			return map->items[i].value;
	}
	return NULL;
}

void spec_map_free(struct spec_map *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->count; i++) {
		free(map->items[i].key);
		free(map->items[i].value);
	}
	free(map->items);
	map->items = NULL;
	map->count = 0;
}

int spec_map_add(struct spec_map *map, const char *key, const char *value, sr_error *err)
{
	struct spec_kv *items;
	char *k;
	char *v;

	/* Grow one at a time: maps are tiny and the body is capped at 1 MiB upstream. */
	items = realloc(map->items, (map->count + 1) * sizeof(*items));
	if (!items)
		return sr_error_set(err, ENOMEM, "option %s: out of memory", key);
	map->items = items;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return sr_error_set(err, ENOMEM, "option %s: out of memory", key);
	}
	map->items[map->count].key = k;
	map->items[map->count].value = v;
	map->count++;
	return 0;
}
