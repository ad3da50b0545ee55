#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../spec/spec.h"
#include "handlers.h"

static const struct {
	const char *path;
	handler_fn fn;
} routes[] = {
	{"/Plugin.Activate", handle_activate},
	{"/NetworkDriver.GetCapabilities", handle_net_capabilities},
	{"/NetworkDriver.CreateNetwork", handle_create_network},
	{"/NetworkDriver.DeleteNetwork", handle_delete_network},
	{"/NetworkDriver.AllocateNetwork", handle_allocate_network},
	{"/NetworkDriver.FreeNetwork", handle_free_network},
	{"/NetworkDriver.CreateEndpoint", handle_create_endpoint},
	{"/NetworkDriver.EndpointOperInfo", handle_endpoint_oper_info},
	{"/NetworkDriver.DeleteEndpoint", handle_delete_endpoint},
	{"/NetworkDriver.Join", handle_join},
	{"/NetworkDriver.Leave", handle_leave},
	{"/NetworkDriver.DiscoverNew", handle_discover},
	{"/NetworkDriver.DiscoverDelete", handle_discover},
	{"/NetworkDriver.ProgramExternalConnectivity", handle_program_external},
	{"/NetworkDriver.RevokeExternalConnectivity", handle_revoke_external},
	{"/IpamDriver.GetCapabilities", handle_ipam_capabilities},
	{"/IpamDriver.GetDefaultAddressSpaces", handle_ipam_default_spaces},
	{"/IpamDriver.RequestPool", handle_ipam_request_pool},
	{"/IpamDriver.ReleasePool", handle_ipam_release_pool},
	{"/IpamDriver.RequestAddress", handle_ipam_request_address},
	{"/IpamDriver.ReleaseAddress", handle_ipam_release_address},
	{"/SriovPlugin.Status", handle_status},
};

size_t dispatch_route_count(void)
{
	return sizeof(routes) / sizeof(routes[0]);
}

const char *dispatch_route_path(size_t i)
{
	return i < dispatch_route_count() ? routes[i].path : NULL;
}

unsigned dispatch_status_of(const sr_error *err)
{
	switch ((enum sr_kind)err->kind) {
	case SR_INVALID:
		return 400;
	case SR_NOT_FOUND:
		return 404;
	case SR_CONFLICT:   /* already there, in use */
	case SR_EXHAUSTED:  /* no VF left: Docker shows the message, retrying will not help */
	case SR_BUSY:       /* another request holds the object for too long */
		return 409;
	case SR_INTERNAL:
		break;
	}
	return 500;
}

static void respond_error(struct http_response *resp, unsigned status, const char *message)
{
	free(resp->body);
	resp->status = status;
	resp->body = spec_encode_error(message);
}

void respond_json(struct http_response *resp, char *body)
{
	if (!body) {
		respond_error(resp, 500, "out of memory encoding the response");
		return;
	}
	free(resp->body);
	resp->status = 200;
	resp->body = body;
}

void respond_empty(struct http_response *resp)
{
	respond_json(resp, spec_encode_empty());
}

void dispatch_request(struct daemon *d, const char *path, const char *body, size_t len, struct http_response *resp)
{
	resp->status = 500;
	resp->body = NULL;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].path, path) != 0)
			continue;
		/* no lock here: each handler takes what it needs (daemon.h), so constant answers
		 * and readers never wait behind another request's kernel work */
		sr_error err = {0};
		if (routes[i].fn(d, body, len, resp, &err) < 0)
			respond_error(resp, dispatch_status_of(&err), err.msg);
		else if (!resp->body)
			respond_error(resp, 500, "internal error: handler gave no answer");
		return;
	}
	char message[256];
	snprintf(message, sizeof(message), "unknown method %.200s", path);
	respond_error(resp, 404, message);
}
