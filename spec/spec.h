/* spec: the libnetwork remote NetworkDriver / IpamDriver messages as C structs.
 *
 * Decoders take the raw request body (exactly as Go's json.Encoder writes it,
 * possibly empty for methods Docker calls with no arguments) and fill a struct,
 * or fail with an sr_error naming the field and the reason, e.g.
 * "NetworkID: missing", "Interface.MacAddress: not a string".
 * Encoders return a malloc'd NUL-terminated JSON string the caller frees.
 * No I/O here, and no knowledge of VFs or the kernel: only bytes <-> structs.
 *
 * Identifiers (NetworkID, EndpointID, PoolID) are validated: 1..SPEC_ID_MAX
 * characters of [A-Za-z0-9_.-]. Strings are copied into fixed buffers; a value
 * longer than its buffer is an error, never truncated. */
#ifndef SPEC_H
#define SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/sr_error.h"

#define SPEC_ID_MAX 128
#define SPEC_CIDR_MAX 64      /* "ffff:...:ffff/128" fits */
#define SPEC_MAC_MAX 32
#define SPEC_PATH_MAX 256
#define SPEC_NAME_MAX 64
#define SPEC_IPDATA_MAX 8
#define SPEC_AUX_MAX 32

/* A string map (Docker's map[string]string, or the generic options). Values
 * that arrive as JSON numbers or booleans are kept in their JSON text form. */
struct spec_kv {
	char *key;
	char *value;
};
struct spec_map {
	struct spec_kv *items;
	size_t count;
};
const char *spec_map_get(const struct spec_map *map, const char *key);
void spec_map_free(struct spec_map *map);

struct spec_aux {
	char name[SPEC_NAME_MAX];
	char address[SPEC_CIDR_MAX]; /* "ip/len" */
};

struct spec_ipdata {
	char address_space[SPEC_NAME_MAX];
	char pool[SPEC_CIDR_MAX];    /* "10.9.0.0/16" */
	char gateway[SPEC_CIDR_MAX]; /* "10.9.0.1/16" or "" */
	struct spec_aux aux[SPEC_AUX_MAX];
	size_t aux_count;
};

struct spec_create_network {
	char network_id[SPEC_ID_MAX + 1];
	struct spec_map generic; /* Options["com.docker.network.generic"] */
	bool internal;           /* Options["com.docker.network.internal"] */
	bool enable_ipv6;
	struct spec_ipdata ipv4[SPEC_IPDATA_MAX];
	size_t ipv4_count;
	struct spec_ipdata ipv6[SPEC_IPDATA_MAX];
	size_t ipv6_count;
};
void spec_create_network_free(struct spec_create_network *req);

/* DeleteNetwork, FreeNetwork */
struct spec_network_ref {
	char network_id[SPEC_ID_MAX + 1];
};

/* AllocateNetwork (swarm): Options is a plain string map. */
struct spec_allocate_network {
	char network_id[SPEC_ID_MAX + 1];
	struct spec_map options;
};
void spec_allocate_network_free(struct spec_allocate_network *req);

struct spec_create_endpoint {
	char network_id[SPEC_ID_MAX + 1];
	char endpoint_id[SPEC_ID_MAX + 1];
	char address[SPEC_CIDR_MAX];      /* Interface.Address, may be "" */
	char address_ipv6[SPEC_CIDR_MAX]; /* Interface.AddressIPv6, may be "" */
	char mac_address[SPEC_MAC_MAX];   /* Interface.MacAddress, may be "" */
	/* Options whose values are strings (endpoint driver-opts); others ignored. */
	struct spec_map options;
};
void spec_create_endpoint_free(struct spec_create_endpoint *req);

/* EndpointOperInfo, Leave, DeleteEndpoint, RevokeExternalConnectivity,
 * ProgramExternalConnectivity (its Options are accepted and ignored). */
struct spec_endpoint_ref {
	char network_id[SPEC_ID_MAX + 1];
	char endpoint_id[SPEC_ID_MAX + 1];
};

struct spec_join {
	char network_id[SPEC_ID_MAX + 1];
	char endpoint_id[SPEC_ID_MAX + 1];
	char sandbox_key[SPEC_PATH_MAX];
};

struct spec_discover {
	int discovery_type;
};

/* IPAM */
struct spec_request_pool {
	char address_space[SPEC_NAME_MAX];
	char pool[SPEC_CIDR_MAX];
	char sub_pool[SPEC_CIDR_MAX];
	struct spec_map options;
	bool v6;
};
void spec_request_pool_free(struct spec_request_pool *req);

struct spec_release_pool {
	char pool_id[SPEC_ID_MAX + 1];
};

struct spec_request_address {
	char pool_id[SPEC_ID_MAX + 1];
	char address[SPEC_CIDR_MAX]; /* plain IP or "" */
	struct spec_map options;     /* may be empty (Docker sends null) */
};
void spec_request_address_free(struct spec_request_address *req);

struct spec_release_address {
	char pool_id[SPEC_ID_MAX + 1];
	char address[SPEC_CIDR_MAX]; /* required: absent or "" is "Address: missing" */
};

/* Decoders: body may be NULL/len 0 only where Docker sends no body; for the
 * others an empty body is "request body: empty". All return 0 or -1. On -1 the
 * output struct holds nothing that needs freeing. */
int spec_decode_create_network(const char *body, size_t len, struct spec_create_network *out, sr_error *err);
int spec_decode_network_ref(const char *body, size_t len, struct spec_network_ref *out, sr_error *err);
int spec_decode_allocate_network(const char *body, size_t len, struct spec_allocate_network *out, sr_error *err);
int spec_decode_create_endpoint(const char *body, size_t len, struct spec_create_endpoint *out, sr_error *err);
int spec_decode_endpoint_ref(const char *body, size_t len, struct spec_endpoint_ref *out, sr_error *err);
int spec_decode_join(const char *body, size_t len, struct spec_join *out, sr_error *err);
int spec_decode_discover(const char *body, size_t len, struct spec_discover *out, sr_error *err);
int spec_decode_request_pool(const char *body, size_t len, struct spec_request_pool *out, sr_error *err);
int spec_decode_release_pool(const char *body, size_t len, struct spec_release_pool *out, sr_error *err);
int spec_decode_request_address(const char *body, size_t len, struct spec_request_address *out, sr_error *err);
int spec_decode_release_address(const char *body, size_t len, struct spec_release_address *out, sr_error *err);

/* True when s is a valid identifier as described above. */
bool spec_id_valid(const char *s);

/* Encoders. Each returns a malloc'd compact JSON string (keys in the order
 * documented by the protocol), or NULL on allocation failure. String arguments
 * may be NULL (encoded as "") and need not be valid UTF-8 (bad bytes become '?'). */
char *spec_encode_empty(void);                       /* "{}" */
char *spec_encode_error(const char *message);        /* {"Err":"..."} */
char *spec_encode_activate(bool network_driver, bool ipam_driver);
char *spec_encode_network_capabilities(void);        /* Scope local, ConnectivityScope global */
char *spec_encode_create_endpoint(const char *mac_or_null); /* {} or {"Interface":{"MacAddress":..}} */

/* Join: InterfaceName is omitted when src_name is NULL; Gateway/GatewayIPv6
 * when NULL or ""; DisableGatewayService appears only when true. */
struct spec_join_response {
	const char *src_name;
	const char *dst_prefix;
	const char *gateway;      /* plain IP or NULL */
	const char *gateway_ipv6; /* plain IP or NULL */
	bool disable_gateway_service;
};
char *spec_encode_join(const struct spec_join_response *resp);

/* EndpointOperInfo: {"Value":{ key: value ... }} from string/int pairs. */
struct spec_oper_field {
	const char *key;
	const char *str; /* used when non-NULL */
	long long num;   /* used when str is NULL */
};
char *spec_encode_oper_info(const struct spec_oper_field *fields, size_t count);

char *spec_encode_allocate_network(void);            /* {"Options":{}} */
char *spec_encode_ipam_capabilities(void);           /* RequiresMACAddress/RequiresRequestReplay false */
char *spec_encode_default_address_spaces(const char *local, const char *global);
char *spec_encode_request_pool(const char *pool_id, const char *pool_cidr,
			       const char *gateway_cidr_or_null);
char *spec_encode_request_address(const char *address_cidr);

#endif
