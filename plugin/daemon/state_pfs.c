#include "state_pfs.h"

#include <errno.h>
#include <string.h>

static bool needs_list(const struct net_config *c)
{
	if (c->pf_count > 1)
		return true;
	for (unsigned i = 0; i < c->pf_count; i++)
		if (c->pf_vfs_set[i])
			return true;
	return false;
}

int state_pfs_to_json(const struct net_record *n, json_t *o)
{
	const struct net_config *c = &n->cfg;
	json_t *list;
	if (!needs_list(c))
		return 0;
	list = json_array();
	if (!list || json_object_set_new(o, "pfs", list) < 0)
		return -1;
	for (unsigned i = 0; i < c->pf_count; i++) {
		char vfs[1024];
		json_t *pf = json_pack("{s:s, s:s}", "pci", n->pf_pci[i], "spec", c->pf_spec[i]);
		if (!pf || json_array_append_new(list, pf) < 0)
			return -1;
		if (c->pf_vfs_set[i]) {
			net_config_format_vf_list(c->pf_vfs_mask[i], vfs, sizeof(vfs));
			if (json_object_set_new(pf, "vfs", json_string(vfs)) < 0)
				return -1;
		}
	}
	if (c->pf_count > 1 &&
	    json_object_set_new(json_object_get(o, "config"), "pf_policy",
				json_string(net_config_policy_name(c->pf_policy))) < 0)
		return -1;
	return 0;
}

static int copy_str(json_t *obj, const char *key, char *out, size_t size, unsigned index, sr_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v) || strlen(json_string_value(v)) >= size || !json_string_value(v)[0])
		return sr_error_set(err, EINVAL, "network: pfs[%u].%s missing, empty, too long or not a string", index,
				    key);
	memcpy(out, json_string_value(v), strlen(json_string_value(v)) + 1);
	return 0;
}

static int pf_from_json(json_t *item, struct net_record *n, unsigned i, sr_error *err)
{
	struct net_config *c = &n->cfg;
	json_t *vfs = json_object_get(item, "vfs");
	if (!json_is_object(item))
		return sr_error_set(err, EINVAL, "network: pfs[%u] is not an object", i);
	if (copy_str(item, "pci", n->pf_pci[i], sizeof(n->pf_pci[i]), i, err) < 0 ||
	    copy_str(item, "spec", c->pf_spec[i], sizeof(c->pf_spec[i]), i, err) < 0)
		return -1;
	for (unsigned j = 0; j < i; j++)
		if (!strcmp(n->pf_pci[j], n->pf_pci[i]))
			return sr_error_set(err, EINVAL, "network: PF %s is listed twice in pfs", n->pf_pci[i]);
	if (vfs) {
		if (!json_is_string(vfs))
			return sr_error_set(err, EINVAL, "network: pfs[%u].vfs is not a string", i);
		if (net_config_parse_vf_list(json_string_value(vfs), c->pf_vfs_mask[i], err) < 0)
			return sr_error_wrap(err, "network: pfs[%u]", i);
		c->pf_vfs_set[i] = true;
	}
	return 0;
}

int state_pfs_from_json(json_t *o, struct net_record *n, sr_error *err)
{
	struct net_config *c = &n->cfg;
	json_t *list = json_object_get(o, "pfs");
	json_t *policy = json_object_get(json_object_get(o, "config"), "pf_policy");
	char first_pci[STATE_PCI_MAX], first_spec[NET_PF_SPEC_MAX];
	c->pf_count = 1;
	c->pf_policy = NET_PF_SPREAD;
	if (policy) {
		if (!json_is_string(policy) || (strcmp(json_string_value(policy), "spread") != 0 &&
						strcmp(json_string_value(policy), "fill") != 0))
			return sr_error_set(err, EINVAL, "network: config.pf_policy is not \"spread\" or \"fill\"");
		c->pf_policy = strcmp(json_string_value(policy), "fill") ? NET_PF_SPREAD : NET_PF_FILL;
	}
	if (!list) /* one PF, as older versions wrote it */
		return 0;
	if (!json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > NET_MAX_PFS)
		return sr_error_set(err, EINVAL, "network: pfs is not a list of 1-%d PFs", NET_MAX_PFS);
	memcpy(first_pci, n->pf_pci[0], sizeof(first_pci));
	memcpy(first_spec, c->pf_spec[0], sizeof(first_spec));
	c->pf_count = (unsigned)json_array_size(list);
	for (unsigned i = 0; i < c->pf_count; i++)
		if (pf_from_json(json_array_get(list, i), n, i, err) < 0)
			return -1;
	if (strcmp(first_pci, n->pf_pci[0]) != 0 || strcmp(first_spec, c->pf_spec[0]) != 0)
		return sr_error_set(err, EINVAL, "network: pfs[0] (%s) is not its pf_pci/pf_spec (%s)", n->pf_pci[0],
				    first_pci);
	return 0;
}
