/* IpamDriver handlers: the protocol around ipam/. Every refusal of ipam/ (no such pool, pool
 * full, address taken) is SR_INVALID, a 400, as Docker has always been answered.
 * The store is used under d->ipam_lock only (memory work and its own save); the two constant
 * answers take no lock. */
#include <errno.h>
#include <string.h>

#include "../../spec/spec.h"
#include "handlers.h"

#define GATEWAY_REQUEST_TYPE "com.docker.network.gateway"

int handle_ipam_capabilities(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	(void)d;
	(void)body;
	(void)len;
	(void)err;
	respond_json(resp, spec_encode_ipam_capabilities());
	return 0;
}

int handle_ipam_default_spaces(struct daemon *d, const char *body, size_t len,
			       struct http_response *resp, sr_error *err)
{
	(void)d;
	(void)body;
	(void)len;
	(void)err;
	respond_json(resp, spec_encode_default_address_spaces("local", "global"));
	return 0;
}

int handle_ipam_request_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_request_pool req;
	struct ipam_pool_result out;
	if (spec_decode_request_pool(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	for (size_t i = 0; i < req.options.count; i++) {
		if (strcmp(req.options.items[i].key, "exclude") != 0) {
			sr_error_set(err, EINVAL, "unknown IPAM option '%s' (accepted: exclude)", req.options.items[i].key);
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
	int rc = ipam_request_pool(d->ipam, &pr, &out, err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0)
		goto fail;
	sr_log_msg(&d->log, SR_LOG_INFO, "IPAM pool %s (%s) reserved", out.pool_id, out.pool);
	spec_request_pool_free(&req);
	respond_json(resp, spec_encode_request_pool(out.pool_id, out.pool, NULL));
	return 0;
fail:
	sr_log_msg(&d->log, SR_LOG_ERROR, "RequestPool %s: %s", req.pool, err->msg);
	spec_request_pool_free(&req);
	return sr_error_kind(err, SR_INVALID);
}

int handle_ipam_release_pool(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_release_pool req;
	if (spec_decode_release_pool(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	pthread_mutex_lock(&d->ipam_lock);
	int rc = ipam_release_pool(d->ipam, req.pool_id, err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0)
		return -1;
	respond_empty(resp);
	return 0;
}

int handle_ipam_request_address(struct daemon *d, const char *body, size_t len,
				struct http_response *resp, sr_error *err)
{
	struct spec_request_address req;
	char out[IPAM_CIDR_MAX];
	const char *type;
	if (spec_decode_request_address(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	type = spec_map_get(&req.options, "RequestAddressType");
	pthread_mutex_lock(&d->ipam_lock);
	int rc = ipam_request_address(d->ipam, req.pool_id, req.address, type && !strcmp(type, GATEWAY_REQUEST_TYPE),
				      out, err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0) {
		sr_log_msg(&d->log, SR_LOG_ERROR, "RequestAddress %s in %s: %s", req.address, req.pool_id, err->msg);
		spec_request_address_free(&req);
		return sr_error_kind(err, SR_INVALID);
	}
	spec_request_address_free(&req);
	respond_json(resp, spec_encode_request_address(out));
	return 0;
}

int handle_ipam_release_address(struct daemon *d, const char *body, size_t len,
				struct http_response *resp, sr_error *err)
{
	struct spec_release_address req;
	if (spec_decode_release_address(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	pthread_mutex_lock(&d->ipam_lock);
	int rc = ipam_release_address(d->ipam, req.pool_id, req.address, err);
	pthread_mutex_unlock(&d->ipam_lock);
	if (rc < 0)
		return sr_error_kind(err, SR_INVALID);
	respond_empty(resp);
	return 0;
}
