/* encode: NetworkDriver and plugin-level responses, in the exact shapes
 * libnetwork's remote driver proxy decodes (compact JSON, keys in the order
 * the protocol documents them). Every function returns a malloc'd string or
 * NULL when memory ran out. */
#include <stdlib.h>
#include <string.h>

#include "spec_json.h"

char *spec_encode_empty(void)
{
	return spec_json_dump(json_object());
}

/* Any message is safe: control characters are escaped by jansson and bytes
 * that are not UTF-8 (a message cut mid-character) become '?'. */
char *spec_encode_error(const char *message)
{
	return spec_json_dump(json_pack("{s:o}", "Err", spec_json_string_lossy(message)));
}

char *spec_encode_activate(bool network_driver, bool ipam_driver)
{
	json_t *root = json_pack("{s:[]}", "Implements");
	json_t *list = json_object_get(root, "Implements");
	int rc = root ? 0 : -1;

	if (rc == 0 && network_driver)
		rc = json_array_append_new(list, json_string("NetworkDriver"));
	if (rc == 0 && ipam_driver)
		rc = json_array_append_new(list, json_string("IpamDriver"));
	if (rc < 0) {
		json_decref(root);
		return NULL;
	}
	return spec_json_dump(root);
}

/* Scope local: each host keeps its own networks and addresses (Swarm allocates no IPs for such a
 * driver; each node's --config-only network supplies its PF and range). ConnectivityScope global:
 * the VFs of different hosts share a wire, which is what lets Docker accept `--scope swarm
 * --config-from` networks for this driver (as for macvlan) and send DiscoverNew in a swarm. */
char *spec_encode_network_capabilities(void)
{
	/* a constant: the text json_dumps gives for {"Scope": "local", "ConnectivityScope":
	 * "global"} (compact, insertion order), as a literal; packing and encoding it each
	 * time was most of the call's CPU outside libmicrohttpd */
	return strdup("{\"Scope\":\"local\",\"ConnectivityScope\":\"global\"}");
}

/* Only fields Docker left empty may be filled, so the MAC is all we ever add. */
char *spec_encode_create_endpoint(const char *mac_or_null)
{
	if (!mac_or_null || !mac_or_null[0])
		return spec_encode_empty();
	return spec_json_dump(json_pack("{s:{s:o}}", "Interface", "MacAddress", spec_json_string_lossy(mac_or_null)));
}

/* Gateways are omitted when NULL or "": the proxy treats both as "none", and
 * no key at all is the clearest wire form. InterfaceName is omitted without a
 * SrcName (nothing for dockerd to move). */
char *spec_encode_join(const struct spec_join_response *resp)
{
	json_t *root = json_object();
	int rc = root ? 0 : -1;

	if (rc == 0 && resp->src_name)
		rc = json_object_set_new(root, "InterfaceName",
					 json_pack("{s:o,s:o}", "SrcName", spec_json_string_lossy(resp->src_name),
						   "DstPrefix", spec_json_string_lossy(resp->dst_prefix)));
	if (rc == 0 && resp->gateway && resp->gateway[0])
		rc = spec_json_set_string(root, "Gateway", resp->gateway);
	if (rc == 0 && resp->gateway_ipv6 && resp->gateway_ipv6[0])
		rc = spec_json_set_string(root, "GatewayIPv6", resp->gateway_ipv6);
	if (rc == 0 && resp->disable_gateway_service)
		rc = json_object_set_new(root, "DisableGatewayService", json_true());
	if (rc < 0) {
		json_decref(root);
		return NULL;
	}
	return spec_json_dump(root);
}

char *spec_encode_oper_info(const struct spec_oper_field *fields, size_t count)
{
	json_t *value = json_object();
	int rc = value ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < count; i++) {
		if (!fields[i].key)
			continue;
		if (fields[i].str)
			rc = spec_json_set_string(value, fields[i].key, fields[i].str);
		else
			rc = json_object_set_new(value, fields[i].key, json_integer(fields[i].num));
	}
	if (rc < 0) {
		json_decref(value);
		return NULL;
	}
	return spec_json_dump(json_pack("{s:o}", "Value", value));
}

char *spec_encode_allocate_network(void)
{
	return spec_json_dump(json_pack("{s:{}}", "Options"));
}
