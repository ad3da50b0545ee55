/* decode_ipam: the IpamDriver request bodies (RequestPool, ReleasePool,
 * RequestAddress, ReleaseAddress). */
#include <errno.h>
#include <string.h>

#include "spec_json.h"

static int fill_request_pool(json_t *root, void *p, sr_error *err)
{
	struct spec_request_pool *out = p;
	/* All may be "": empty Pool means "driver chooses". */
	if (spec_json_get_string(root, "AddressSpace", out->address_space, sizeof(out->address_space), err) < 0)
		return -1;
	if (spec_json_get_string(root, "Pool", out->pool, sizeof(out->pool), err) < 0)
		return -1;
	if (spec_json_get_string(root, "SubPool", out->sub_pool, sizeof(out->sub_pool), err) < 0)
		return -1;
	if (spec_json_bool(json_object_get(root, "V6"), "V6", false, &out->v6, err) < 0)
		return -1;
	return spec_json_options_map(root, SPEC_MAP_STRINGS, &out->options, err);
}

int spec_decode_request_pool(const char *body, size_t len, struct spec_request_pool *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_request_pool, err);
}

void spec_request_pool_free(struct spec_request_pool *req)
{
	if (req)
		spec_map_free(&req->options);
}

static int fill_release_pool(json_t *root, void *p, sr_error *err)
{
	struct spec_release_pool *out = p;
	return spec_json_get_id(root, "PoolID", out->pool_id, err);
}

int spec_decode_release_pool(const char *body, size_t len, struct spec_release_pool *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_release_pool, err);
}

/* Address is a plain IP or "" (any address); Options is null for aux addresses. */
static int fill_request_address(json_t *root, void *p, sr_error *err)
{
	struct spec_request_address *out = p;
	if (spec_json_get_id(root, "PoolID", out->pool_id, err) < 0)
		return -1;
	if (spec_json_get_string(root, "Address", out->address, sizeof(out->address), err) < 0)
		return -1;
	return spec_json_options_map(root, SPEC_MAP_STRINGS, &out->options, err);
}

int spec_decode_request_address(const char *body, size_t len, struct spec_request_address *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_request_address, err);
}

void spec_request_address_free(struct spec_request_address *req)
{
	if (req)
		spec_map_free(&req->options);
}

/* Address is required: releasing "no address" has no meaning (a nil Go IP
 * would arrive as "<nil>", which the IPAM layer rejects as not an IP). */
static int fill_release_address(json_t *root, void *p, sr_error *err)
{
	struct spec_release_address *out = p;
	if (spec_json_get_id(root, "PoolID", out->pool_id, err) < 0)
		return -1;
	return spec_json_get_required_string(root, "Address", out->address, sizeof(out->address), err);
}

int spec_decode_release_address(const char *body, size_t len, struct spec_release_address *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_release_address, err);
}
