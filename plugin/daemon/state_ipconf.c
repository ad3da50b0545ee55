#include "state_ipconf.h"

#include <errno.h>
#include <string.h>

static json_t *ip_json(const struct nlk_ip *ip, bool with_prefix)
{
	char text[64];
	nlk_ip_format(ip, with_prefix, text, sizeof(text));
	return json_string(text);
}

int state_ipconf_to_json(const struct nlk_ipconf *c, json_t *host)
{
	json_t *addrs = json_array(), *routes = json_array();
	int rc = -1;
	if (!addrs || !routes)
		goto out;
	for (unsigned i = 0; i < c->addr_count; i++)
		if (json_array_append_new(addrs, ip_json(&c->addrs[i], true)) < 0)
			goto out;
	for (unsigned i = 0; i < c->route_count; i++) {
		const struct nlk_ip_route *r = &c->routes[i];
		json_t *o = json_pack("{s:o, s:o, s:o, s:I, s:I, s:i, s:i}", "dst", ip_json(&r->dst, true), "via",
				      ip_json(&r->gateway, false), "src", ip_json(&r->pref_src, false), "table",
				      (json_int_t)r->table, "metric", (json_int_t)r->priority, "protocol", r->protocol,
				      "scope", r->scope);
		if (json_array_append_new(routes, o) < 0)
			goto out;
	}
	rc = 0;
	if (c->addr_count && json_object_set(host, "addresses", addrs) < 0)
		rc = -1;
	if (c->route_count && json_object_set(host, "routes", routes) < 0)
		rc = -1;
out:
	json_decref(addrs);
	json_decref(routes);
	return rc;
}

/* text -> ip; "" is none when may_be_empty. */
static int ip_from(json_t *v, bool may_be_empty, struct nlk_ip *ip, const char *what, sr_error *err)
{
	const char *text = json_string_value(v);
	memset(ip, 0, sizeof(*ip));
	if (!text)
		return sr_error_set(err, EINVAL, "passthrough endpoint's host settings: %s is not a string", what);
	if ((may_be_empty && !text[0]) || nlk_ip_parse(text, ip) == 0)
		return 0;
	return sr_error_set(err, EINVAL, "passthrough endpoint's host settings: %s '%s' is not an address", what, text);
}

static int uint_from(json_t *o, const char *key, unsigned max, unsigned *out, sr_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)max)
		return sr_error_set(err, EINVAL, "passthrough endpoint's host settings: route %s missing or out of range",
				    key);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int state_ipconf_from_json(json_t *host, struct nlk_ipconf *c, sr_error *err)
{
	json_t *addrs = json_object_get(host, "addresses"), *routes = json_object_get(host, "routes"), *v;
	size_t i;
	memset(c, 0, sizeof(*c));
	if ((addrs && (!json_is_array(addrs) || json_array_size(addrs) > NLK_IPCONF_MAX)) ||
	    (routes && (!json_is_array(routes) || json_array_size(routes) > NLK_IPCONF_MAX)))
		return sr_error_set(err, EINVAL,
				    "passthrough endpoint's host settings: addresses or routes not a list of at most %d",
				    NLK_IPCONF_MAX);
	json_array_foreach(addrs, i, v) {
		if (ip_from(v, false, &c->addrs[c->addr_count], "address", err) < 0)
			return -1;
		c->addr_count++;
	}
	json_array_foreach(routes, i, v) {
		struct nlk_ip_route *r = &c->routes[c->route_count];
		unsigned table = 0, metric = 0, protocol = 0, scope = 0;
		if (!json_is_object(v) || ip_from(json_object_get(v, "dst"), false, &r->dst, "route dst", err) < 0 ||
		    ip_from(json_object_get(v, "via"), true, &r->gateway, "route via", err) < 0 ||
		    ip_from(json_object_get(v, "src"), true, &r->pref_src, "route src", err) < 0 ||
		    uint_from(v, "table", 0xffffffffu, &table, err) < 0 || uint_from(v, "metric", 0xffffffffu, &metric, err) < 0 ||
		    uint_from(v, "protocol", 255, &protocol, err) < 0 || uint_from(v, "scope", 255, &scope, err) < 0)
			return err->msg[0] ? -1 : sr_error_set(err, EINVAL, "passthrough endpoint's host settings: route %zu", i);
		r->table = table;
		r->priority = metric;
		r->protocol = (uint8_t)protocol;
		r->scope = (uint8_t)scope;
		c->route_count++;
	}
	return 0;
}
