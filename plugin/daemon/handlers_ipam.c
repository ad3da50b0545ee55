/* IpamDriver handlers: the protocol around ipam/ (errors as non-200 + {"Err"}).
 * The store is used under d->ipam_lock only (memory work and its own save); the two constant
 * answers take no lock. */
#include <errno.h>
#include <string.h>

#include "../../spec/spec.h"
#include "handlers.h"

#define GATEWAY_REQUEST_TYPE "com.docker.network.gateway"

void handle_ipam_capabilities(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	(void)d;
	(void)body;
	(void)len;
	respond_json(resp, spec_encode_ipam_capabilities());
}

void handle_ipam_default_spaces(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	(void)d;
	(void)body;
	(void)len;
	respond_json(resp, spec_encode_default_address_spaces("local", "global"));
}

void handle_ipam_request_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	struct spec_request_pool req;
	struct ipam_pool_result out;
	sr_error err = {0};
	if (spec_decode_request_pool(body, len, &req, &err) < 0) {
		respond_error(resp, 400, err.msg);
		return;
	}
	for (size_t i = 0; i < req.options.count; i++) {
		if (strcmp(req.options.items[i].key, "exclude") != 0) {
			sr_error_set(&err, EINVAL, "unknown IPAM option '%s' (accepted: exclude)", req.options.items[i].key);
			goto fail;
		}
	}
	struct ipam_pool_request pr = {
		.address_space = req.address_space,
		.pool = req.pool,
		.sub_pool = req.sub_pool,
		.exclude = spec_map_get(&req.options, "exclude"),
		.v6 = req.v6,
	};
	pthread_mutex_lock(&d->ipam_lock);
	int rc = ipam_request_pool(d->ipam, &pr, &out, &err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0)
		goto fail;
	sr_log_msg(&d->log, SR_LOG_INFO, "IPAM pool %s (%s) reserved", out.pool_id, out.pool);
	spec_request_pool_free(&req);
	respond_json(resp, spec_encode_request_pool(out.pool_id, out.pool, NULL));
	return;
fail:
	sr_log_msg(&d->log, SR_LOG_ERROR, "RequestPool %s: %s", req.pool, err.msg);
	spec_request_pool_free(&req);
	respond_error(resp, 400, err.msg);
}

void handle_ipam_release_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	struct spec_release_pool req;
	sr_error err = {0};
	if (spec_decode_release_pool(body, len, &req, &err) < 0) {
		respond_error(resp, 400, err.msg);
		return;
	}
	pthread_mutex_lock(&d->ipam_lock);
	int rc = ipam_release_pool(d->ipam, req.pool_id, &err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0) {
		respond_error(resp, 500, err.msg);
		return;
	}
	respond_empty(resp);
}

void handle_ipam_request_address(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	struct spec_request_address req;
	char out[IPAM_CIDR_MAX];
	const char *type;
	sr_error err = {0};
	if (spec_decode_request_address(body, len, &req, &err) < 0) {
		respond_error(resp, 400, err.msg);
		return;
	}
	type = spec_map_get(&req.options, "RequestAddressType");
	pthread_mutex_lock(&d->ipam_lock);
	int rc = ipam_request_address(d->ipam, req.pool_id, req.address, type && !strcmp(type, GATEWAY_REQUEST_TYPE),
				      out, &err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0) {
		sr_log_msg(&d->log, SR_LOG_ERROR, "RequestAddress %s in %s: %s", req.address, req.pool_id, err.msg);
		spec_request_address_free(&req);
		respond_error(resp, 400, err.msg);
		return;
	}
	spec_request_address_free(&req);
	respond_json(resp, spec_encode_request_address(out));
}

void handle_ipam_release_address(struct daemon *d, const char *body, size_t len, struct http_response *resp)
{
	struct spec_release_address req;
	sr_error err = {0};
	if (spec_decode_release_address(body, len, &req, &err) < 0) {
		respond_error(resp, 400, err.msg);
		return;
	}
	pthread_mutex_lock(&d->ipam_lock);
	int rc = ipam_release_address(d->ipam, req.pool_id, req.address, &err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0) {
		respond_error(resp, 400, err.msg);
		return;
	}
	respond_empty(resp);
}
