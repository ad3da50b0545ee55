/* encode_ipam: IpamDriver responses. Errors use spec_encode_error with a
 * non-200 status (the IPAM proxy reads "Error", not "Err", from a 200). */
#include "spec_json.h"

char *spec_encode_ipam_capabilities(void)
{
	return spec_json_dump(
		json_pack("{s:b,s:b}", "RequiresMACAddress", 0, "RequiresRequestReplay", 0));
}

char *spec_encode_default_address_spaces(const char *local, const char *global)
{
	return spec_json_dump(json_pack("{s:o,s:o}", "LocalDefaultAddressSpace", spec_json_string_lossy(local),
					"GlobalDefaultAddressSpace", spec_json_string_lossy(global)));
}

/* Data["com.docker.network.gateway"] hands Docker the gateway so that it does
 * not call RequestAddress for one. */
char *spec_encode_request_pool(const char *pool_id, const char *pool_cidr, const char *gateway_cidr_or_null)
{
	json_t *root = json_pack("{s:o,s:o,s:{}}", "PoolID", spec_json_string_lossy(pool_id), "Pool",
				 spec_json_string_lossy(pool_cidr), "Data");

	if (root && gateway_cidr_or_null && gateway_cidr_or_null[0] &&
	    spec_json_set_string(json_object_get(root, "Data"), "com.docker.network.gateway",
				 gateway_cidr_or_null) < 0) {
		json_decref(root);
		return NULL;
	}
	return spec_json_dump(root);
}

char *spec_encode_request_address(const char *address_cidr)
{
	return spec_json_dump(json_pack("{s:o,s:{}}", "Address", spec_json_string_lossy(address_cidr), "Data"));
}
