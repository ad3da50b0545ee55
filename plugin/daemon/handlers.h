/* handlers: one function per protocol method. Each reads like the protocol:
 * decode the request, validate, act on the kernel, persist, encode the answer. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "dispatch.h"

int handle_activate(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_net_capabilities(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_create_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_delete_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_allocate_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_free_network(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_create_endpoint(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_endpoint_oper_info(struct daemon *d, const char *body, size_t len,
			      struct http_response *resp, sr_error *err);
int handle_delete_endpoint(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_join(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_leave(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_discover(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_program_external(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_revoke_external(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);

int handle_ipam_capabilities(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_ipam_default_spaces(struct daemon *d, const char *body, size_t len,
			       struct http_response *resp, sr_error *err);
int handle_ipam_request_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_ipam_release_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);
int handle_ipam_request_address(struct daemon *d, const char *body, size_t len,
				struct http_response *resp, sr_error *err);
int handle_ipam_release_address(struct daemon *d, const char *body, size_t len,
				struct http_response *resp, sr_error *err);

/* A DeleteNetwork that gave up waiting for the network's endpoint operations (Docker forgets the
 * network whatever the answer) leaves it marked; the sweep deletes it here once it is idle. */
void network_finish_pending_deletes(struct daemon *d);

int handle_status(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err);

#endif
