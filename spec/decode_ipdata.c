/* decode_ipdata: the IPv4Data / IPv6Data arrays of CreateNetwork and
 * AllocateNetwork (libnetwork's IPAMData JSON: every key may be absent). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec_json.h"

/* "IPv6Data[7]" fits ITEM_LABEL_MAX; that plus ".AuxAddresses" fits LABEL_MAX
 * (sized so that the compiler can prove no truncation). */
#define ITEM_LABEL_MAX 32
#define LABEL_MAX 64

static int decode_aux(const json_t *obj, const char *label, struct spec_ipdata *d, sr_error *err)
{
	char aux_label[LABEL_MAX];
	const char *name;
	json_t *aux;
	json_t *value;

	snprintf(aux_label, sizeof(aux_label), "%s.AuxAddresses", label);
	if (spec_json_get_object(obj, "AuxAddresses", aux_label, &aux, err) < 0)
		return -1;
	if (!aux)
		return 0;
	if (json_object_size(aux) > SPEC_AUX_MAX)
		return sr_error_set(err, EINVAL, "%s: more than %d entries", aux_label, SPEC_AUX_MAX);
	json_object_foreach (aux, name, value) {
		struct spec_aux *a = &d->aux[d->aux_count];
		size_t name_len = strlen(name);

		if (name_len == 0 || name_len >= sizeof(a->name))
			return sr_error_set(err, EINVAL, "%s: name \"%.*s\" empty or too long", aux_label,
					    SPEC_NAME_MAX, name);
		if (!json_is_string(value))
			return sr_error_set(err, EINVAL, "%s.%s: not a string", aux_label, name);
		if (json_string_length(value) >= sizeof(a->address))
			return sr_error_set(err, EINVAL, "%s.%s: too long", aux_label, name);
		memcpy(a->name, name, name_len + 1);
		memcpy(a->address, json_string_value(value), json_string_length(value) + 1);
		d->aux_count++;
	}
	return 0;
}

static int decode_one(const json_t *obj, const char *label, struct spec_ipdata *d, sr_error *err)
{
	char field_label[LABEL_MAX];

	memset(d, 0, sizeof(*d));
	if (!json_is_object(obj))
		return sr_error_set(err, EINVAL, "%s: not an object", label);
	snprintf(field_label, sizeof(field_label), "%s.AddressSpace", label);
	if (spec_json_copy_string(json_object_get(obj, "AddressSpace"), field_label, d->address_space,
				  sizeof(d->address_space), err) < 0)
		return -1;
	snprintf(field_label, sizeof(field_label), "%s.Pool", label);
	if (spec_json_copy_string(json_object_get(obj, "Pool"), field_label, d->pool, sizeof(d->pool), err) < 0)
		return -1;
	snprintf(field_label, sizeof(field_label), "%s.Gateway", label);
	if (spec_json_copy_string(json_object_get(obj, "Gateway"), field_label, d->gateway, sizeof(d->gateway),
				  err) < 0)
		return -1;
	return decode_aux(obj, label, d, err);
}

int spec_json_ipdata(const json_t *value, const char *label, struct spec_ipdata *out, size_t *count,
		     sr_error *err)
{
	char item_label[ITEM_LABEL_MAX];
	size_t i;
	const json_t *item;

	*count = 0;
	if (!value || json_is_null(value))
		return 0;
	if (!json_is_array(value))
		return sr_error_set(err, EINVAL, "%s: not an array", label);
	if (json_array_size(value) > SPEC_IPDATA_MAX)
		return sr_error_set(err, EINVAL, "%s: more than %d entries", label, SPEC_IPDATA_MAX);
	json_array_foreach (value, i, item) {
		snprintf(item_label, sizeof(item_label), "%s[%zu]", label, i);
		if (decode_one(item, item_label, &out[i], err) < 0)
			return -1;
		*count = i + 1;
	}
	return 0;
}
