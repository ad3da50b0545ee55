/* decode_network: CreateNetwork, DeleteNetwork/FreeNetwork and AllocateNetwork bodies. */
#include <errno.h>
#include <string.h>

#include "spec_json.h"

#define OPT_GENERIC "com.docker.network.generic"
#define OPT_INTERNAL "com.docker.network.internal"
#define OPT_ENABLE_IPV6 "com.docker.network.enable_ipv6"

/* Options: the generic (--opt) map plus the two flags we act on; the rest
 * (enable_ipv4, future keys) is ignored. */
static int decode_network_options(const json_t *root, struct spec_create_network *out, sr_error *err)
{
	json_t *options;
	json_t *generic;

	if (spec_json_get_object(root, "Options", "Options", &options, err) < 0)
		return -1;
	if (!options)
		return 0;
	if (spec_json_bool(json_object_get(options, OPT_INTERNAL), OPT_INTERNAL, true, &out->internal, err) < 0)
		return -1;
	if (spec_json_bool(json_object_get(options, OPT_ENABLE_IPV6), OPT_ENABLE_IPV6, true, &out->enable_ipv6,
			   err) < 0)
		return -1;
	if (spec_json_get_object(options, OPT_GENERIC, OPT_GENERIC, &generic, err) < 0)
		return -1;
	return spec_json_to_map(generic, OPT_GENERIC, SPEC_MAP_SCALARS_AS_TEXT, &out->generic, err);
}

static int fill_create_network(json_t *root, void *p, sr_error *err)
{
	struct spec_create_network *out = p;
	if (spec_json_get_id(root, "NetworkID", out->network_id, err) < 0)
		return -1;
	if (spec_json_ipdata(json_object_get(root, "IPv4Data"), "IPv4Data", out->ipv4, &out->ipv4_count, err) < 0)
		return -1;
	if (spec_json_ipdata(json_object_get(root, "IPv6Data"), "IPv6Data", out->ipv6, &out->ipv6_count, err) < 0)
		return -1;
	/* Last: the only step that allocates, so earlier failures leave nothing to free. */
	return decode_network_options(root, out, err);
}

int spec_decode_create_network(const char *body, size_t len, struct spec_create_network *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_create_network, err);
}

void spec_create_network_free(struct spec_create_network *req)
{
	if (req)
		spec_map_free(&req->generic);
}

static int fill_network_ref(json_t *root, void *p, sr_error *err)
{
	struct spec_network_ref *out = p;
	return spec_json_get_id(root, "NetworkID", out->network_id, err);
}

int spec_decode_network_ref(const char *body, size_t len, struct spec_network_ref *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_network_ref, err);
}

/* Swarm's allocator sends IPv4Data/IPv6Data too; we only need the ID and options. */
static int fill_allocate_network(json_t *root, void *p, sr_error *err)
{
	struct spec_allocate_network *out = p;
	if (spec_json_get_id(root, "NetworkID", out->network_id, err) < 0)
		return -1;
	return spec_json_options_map(root, SPEC_MAP_STRINGS, &out->options, err);
}

int spec_decode_allocate_network(const char *body, size_t len, struct spec_allocate_network *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_allocate_network, err);
}

void spec_allocate_network_free(struct spec_allocate_network *req)
{
	if (req)
		spec_map_free(&req->options);
}
