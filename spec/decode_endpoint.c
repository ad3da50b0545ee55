/* decode_endpoint: CreateEndpoint, Join and the bodies that only name an
 * endpoint (EndpointOperInfo, Leave, DeleteEndpoint, Program/Revoke
 * ExternalConnectivity). */
#include <errno.h>
#include <string.h>

#include "spec_json.h"

static int decode_ids(const json_t *root, char *network_id, char *endpoint_id, sr_error *err)
{
	if (spec_json_get_id(root, "NetworkID", network_id, err) < 0)
		return -1;
	return spec_json_get_id(root, "EndpointID", endpoint_id, err);
}

/* Interface is absent/null when IPAM gave nothing; each field may be "" too. */
static int decode_interface(const json_t *root, struct spec_create_endpoint *out, sr_error *err)
{
	json_t *iface;

	if (spec_json_get_object(root, "Interface", "Interface", &iface, err) < 0)
		return -1;
	if (!iface)
		return 0;
	if (spec_json_copy_string(json_object_get(iface, "Address"), "Interface.Address", out->address,
				  sizeof(out->address), err) < 0)
		return -1;
	if (spec_json_copy_string(json_object_get(iface, "AddressIPv6"), "Interface.AddressIPv6", out->address_ipv6,
				  sizeof(out->address_ipv6), err) < 0)
		return -1;
	return spec_json_copy_string(json_object_get(iface, "MacAddress"), "Interface.MacAddress", out->mac_address,
				     sizeof(out->mac_address), err);
}

static int fill_create_endpoint(json_t *root, void *p, sr_error *err)
{
	struct spec_create_endpoint *out = p;
	if (decode_ids(root, out->network_id, out->endpoint_id, err) < 0)
		return -1;
	if (decode_interface(root, out, err) < 0)
		return -1;
	/* String values are driver-opts; lists (exposedports, portmap) are not ours. */
	return spec_json_options_map(root, SPEC_MAP_SKIP_OTHERS, &out->options, err);
}

int spec_decode_create_endpoint(const char *body, size_t len, struct spec_create_endpoint *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_create_endpoint, err);
}

void spec_create_endpoint_free(struct spec_create_endpoint *req)
{
	if (req)
		spec_map_free(&req->options);
}

static int fill_endpoint_ref(json_t *root, void *p, sr_error *err)
{
	struct spec_endpoint_ref *out = p;
	return decode_ids(root, out->network_id, out->endpoint_id, err);
}

int spec_decode_endpoint_ref(const char *body, size_t len, struct spec_endpoint_ref *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_endpoint_ref, err);
}

/* Options (sandbox port maps) are ignored: the VF carries no port mapping. */
static int fill_join(json_t *root, void *p, sr_error *err)
{
	struct spec_join *out = p;
	if (decode_ids(root, out->network_id, out->endpoint_id, err) < 0)
		return -1;
	return spec_json_get_required_string(root, "SandboxKey", out->sandbox_key, sizeof(out->sandbox_key), err);
}

int spec_decode_join(const char *body, size_t len, struct spec_join *out, sr_error *err)
{
	return spec_json_decode(body, len, out, sizeof(*out), fill_join, err);
}
