#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../spec/spec.h"
#include "handlers.h"
#include "metrics.h"

/* lane: where the HTTP layer runs the route (dispatch.h) */
static const struct {
	const char *path;
	handler_fn fn;
	enum dispatch_lane lane;
} routes[] = {
	{"/Plugin.Activate", handle_activate, LANE_CONSTANT},
	{"/NetworkDriver.GetCapabilities", handle_net_capabilities, LANE_CONSTANT},
	{"/NetworkDriver.CreateNetwork", handle_create_network, LANE_CHANGE},
	{"/NetworkDriver.DeleteNetwork", handle_delete_network, LANE_CHANGE},
	{"/NetworkDriver.AllocateNetwork", handle_allocate_network, LANE_LOOP},
	{"/NetworkDriver.FreeNetwork", handle_free_network, LANE_LOOP},
	{"/NetworkDriver.CreateEndpoint", handle_create_endpoint, LANE_CHANGE},
	{"/NetworkDriver.EndpointOperInfo", handle_endpoint_oper_info, LANE_LOOP},
	{"/NetworkDriver.DeleteEndpoint", handle_delete_endpoint, LANE_CHANGE},
	{"/NetworkDriver.Join", handle_join, LANE_CHANGE},
	{"/NetworkDriver.Leave", handle_leave, LANE_CHANGE},
	{"/NetworkDriver.DiscoverNew", handle_discover, LANE_LOOP},
	{"/NetworkDriver.DiscoverDelete", handle_discover, LANE_LOOP},
	{"/NetworkDriver.ProgramExternalConnectivity", handle_program_external, LANE_LOOP},
	{"/NetworkDriver.RevokeExternalConnectivity", handle_revoke_external, LANE_LOOP},
	{"/IpamDriver.GetCapabilities", handle_ipam_capabilities, LANE_CONSTANT},
	{"/IpamDriver.GetDefaultAddressSpaces", handle_ipam_default_spaces, LANE_CONSTANT},
	{"/IpamDriver.RequestPool", handle_ipam_request_pool, LANE_CHANGE},
	{"/IpamDriver.ReleasePool", handle_ipam_release_pool, LANE_CHANGE},
	{"/IpamDriver.RequestAddress", handle_ipam_request_address, LANE_CHANGE},
	{"/IpamDriver.ReleaseAddress", handle_ipam_release_address, LANE_CHANGE},
	{"/SriovPlugin.Status", handle_status, LANE_READ},
};

size_t dispatch_route_count(void)
{
	return sizeof(routes) / sizeof(routes[0]);
}

const char *dispatch_route_path(size_t i)
{
	return i < dispatch_route_count() ? routes[i].path : NULL;
}

bool dispatch_route_constant(size_t i)
{
	return i < dispatch_route_count() && routes[i].lane == LANE_CONSTANT;
}

enum dispatch_lane dispatch_lane_of(const char *path)
{
	for (size_t i = 0; i < dispatch_route_count(); i++)
		if (!strcmp(routes[i].path, path))
			return routes[i].lane;
	return LANE_LOOP; /* unknown: a 404, from memory */
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

void dispatch_constant_answered(struct daemon *d, const char *path)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].lane == LANE_CONSTANT && !strcmp(routes[i].path, path)) {
			metrics_api_call(&d->metrics, i, NULL, 0);
			return;
		}
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
		uint64_t started = metrics_now_ns();
		bool failed = routes[i].fn(d, body, len, resp, &err) < 0;
		if (failed)
			respond_error(resp, dispatch_status_of(&err), err.msg);
		else if (!resp->body)
			respond_error(resp, 500, "internal error: handler gave no answer");
		/* every answered call is counted here, the one place they all pass (lock-free); a
		 * constant route comes here only when the HTTP layer builds its answer at start, and
		 * is counted where that answer is sent (dispatch_constant_answered) */
		if (routes[i].lane != LANE_CONSTANT)
			metrics_api_call(&d->metrics, i, failed ? &err : NULL, metrics_now_ns() - started);
		return;
	}
	atomic_fetch_add_explicit(&d->metrics.unknown_calls, 1, memory_order_relaxed);
	char message[256];
	snprintf(message, sizeof(message), "unknown method %.200s", path);
	respond_error(resp, 404, message);
}
