/* net_vfs: a network's `vfs` option, the VF indexes it may use on each of its PFs
 * (net_config.h says the syntax). Pure text <-> masks; no I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_config.h"

static void mask_set(uint64_t mask[NET_MAX_VFS / 64], unsigned vf)
{
	mask[vf / 64] |= (uint64_t)1 << (vf % 64);
}

static bool mask_has(const uint64_t mask[NET_MAX_VFS / 64], int vf)
{
	return (mask[vf / 64] >> (vf % 64)) & 1;
}

bool net_config_vf_allowed(const struct net_config *cfg, unsigned pf, int vf)
{
	if (vf < 0 || vf >= NET_MAX_VFS)
		return false;
	if (pf < NET_MAX_PFS && cfg->pf_vfs_set[pf])
		return mask_has(cfg->pf_vfs_mask[pf], vf);
	if (!cfg->vfs_set)
		return true;
	return mask_has(cfg->vfs_mask, vf);
}

/* One "lo" or "lo-hi" at *p (within text, for messages), added to mask; *p moves past it and
 * past the comma after it. */
static int parse_range(const char *text, const char **p, uint64_t mask[NET_MAX_VFS / 64], sr_error *err)
{
	unsigned long lo, hi;
	char *end;
	if (!isdigit((unsigned char)**p))
		return sr_error_set(err, EINVAL, "vfs '%s': expected a VF index at '%s'", text, *p);
	lo = strtoul(*p, &end, 10);
	hi = lo;
	*p = end;
	if (**p == '-') {
		(*p)++;
		if (!isdigit((unsigned char)**p))
			return sr_error_set(err, EINVAL, "vfs '%s': expected a VF index at '%s'", text, *p);
		hi = strtoul(*p, &end, 10);
		*p = end;
	}
	if (lo > hi)
		return sr_error_set(err, EINVAL, "vfs '%s': range %lu-%lu is backwards", text, lo, hi);
	if (hi >= NET_MAX_VFS)
		return sr_error_set(err, ERANGE, "vfs '%s': VF index %lu out of range 0-%d", text, hi, NET_MAX_VFS - 1);
	for (unsigned long v = lo; v <= hi; v++)
		mask_set(mask, (unsigned)v);
	if (**p == ',') {
		(*p)++;
		if (!**p)
			return sr_error_set(err, EINVAL, "vfs '%s': trailing comma", text);
	} else if (**p) {
		return sr_error_set(err, EINVAL, "vfs '%s': unexpected '%c'", text, **p);
	}
	return 0;
}

int net_config_parse_vf_list(const char *text, uint64_t mask[NET_MAX_VFS / 64], sr_error *err)
{
	const char *p = text;
	memset(mask, 0, sizeof(uint64_t) * (NET_MAX_VFS / 64));
	if (!*p)
		return sr_error_set(err, EINVAL, "vfs '': empty list (expected e.g. 0-3,6)");
	while (*p)
		if (parse_range(text, &p, mask, err) < 0)
			return -1;
	return 0;
}

/* "name#" at p (the item up to the next ','): the index of that PF in cfg, -1 if p starts no
 * qualifier; *p moves past the '#'. */
static int parse_qualifier(const char *text, const char **p, const struct net_config *cfg, sr_error *err)
{
	const char *hash = strchr(*p, '#'), *comma = strchr(*p, ',');
	size_t len;
	if (!hash || (comma && comma < hash))
		return -1;
	len = (size_t)(hash - *p);
	if (len == 0)
		return sr_error_set(err, EINVAL, "vfs '%s': '#' without a PF name before it", text), -2;
	for (unsigned i = 0; i < cfg->pf_count; i++) {
		if (strlen(cfg->pf_spec[i]) == len && !strncmp(cfg->pf_spec[i], *p, len)) {
			*p = hash + 1;
			if (!**p || **p == ',')
				return sr_error_set(err, EINVAL, "vfs '%s': no VF range after '%.*s#'", text, (int)len,
						    cfg->pf_spec[i]),
				       -2;
			return (int)i;
		}
	}
	return sr_error_set(err, EINVAL, "vfs '%s': PF '%.*s' is not in pf_iface (name it as pf_iface does)", text,
			    (int)(len > 64 ? 64 : len), *p),
	       -2;
}

/* Ranges before any "name#" go to every PF vfs does not name; those after "name#" to that PF,
 * up to the next "name#" (so "enp1s0f1#0-3,6" is 0-3 and 6 on enp1s0f1). */
int net_config_parse_vfs(const char *text, struct net_config *cfg, sr_error *err)
{
	const char *p = text;
	int target = -1;
	cfg->vfs_set = false;
	memset(cfg->vfs_mask, 0, sizeof(cfg->vfs_mask));
	memset(cfg->pf_vfs_set, 0, sizeof(cfg->pf_vfs_set));
	memset(cfg->pf_vfs_mask, 0, sizeof(cfg->pf_vfs_mask));
	if (!*p)
		return sr_error_set(err, EINVAL, "vfs '': empty list (expected e.g. 0-3,6)");
	while (*p) {
		int named = parse_qualifier(text, &p, cfg, err);
		if (named == -2)
			return -1;
		if (named >= 0)
			target = named;
		if (target < 0)
			cfg->vfs_set = true;
		else
			cfg->pf_vfs_set[target] = true;
		if (parse_range(text, &p, target < 0 ? cfg->vfs_mask : cfg->pf_vfs_mask[target], err) < 0)
			return -1;
	}
	return 0;
}

void net_config_format_vf_list(const uint64_t mask[NET_MAX_VFS / 64], char *out, unsigned long size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int v = 0; v < NET_MAX_VFS; v++) {
		int start = v;
		if (!mask_has(mask, v))
			continue;
		while (v + 1 < NET_MAX_VFS && mask_has(mask, v + 1))
			v++;
		int n = start == v ? snprintf(out + used, size - used, "%s%d", used ? "," : "", start)
				   : snprintf(out + used, size - used, "%s%d-%d", used ? "," : "", start, v);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}
