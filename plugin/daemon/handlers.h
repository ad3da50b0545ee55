/* handlers: one function per protocol method. Each reads like the protocol:
 * decode the request, validate, act on the kernel, persist, encode the answer. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "dispatch.h"

void handle_activate(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_net_capabilities(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_create_network(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_delete_network(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_allocate_network(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_free_network(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_create_endpoint(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_endpoint_oper_info(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_delete_endpoint(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_join(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_leave(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_discover(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_program_external(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_revoke_external(struct daemon *d, const char *body, size_t len, struct http_response *resp);

void handle_ipam_capabilities(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_ipam_default_spaces(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_ipam_request_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_ipam_release_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_ipam_request_address(struct daemon *d, const char *body, size_t len, struct http_response *resp);
void handle_ipam_release_address(struct daemon *d, const char *body, size_t len, struct http_response *resp);

void handle_status(struct daemon *d, const char *body, size_t len, struct http_response *resp);

#endif
