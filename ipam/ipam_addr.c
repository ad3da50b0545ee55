#include "ipam_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

unsigned ipam_family_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* Mask of the host part of a prefix of length len in a bits-wide family. */
static ipam_u128 host_mask(unsigned bits, unsigned len)
{
	if (len >= bits)
		return 0;
	if (bits - len >= 128)
		return ~(ipam_u128)0;
	return ((ipam_u128)1 << (bits - len)) - 1;
}

int ipam_addr_parse(const char *text, struct ipam_addr *out, sr_error *err)
{
	unsigned char bytes[16];
	int family;
	size_t n, i;

	if (!text || !text[0])
		return sr_error_set(err, EINVAL, "address: empty");
	family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, text, bytes) != 1)
		return sr_error_set(err, EINVAL, "address %.64s: not a valid IP%s address", text,
				    family == AF_INET6 ? "v6" : "v4");
	n = family == AF_INET6 ? 16 : 4;
	out->family = family;
	out->value = 0;
	for (i = 0; i < n; i++)
		out->value = (out->value << 8) | bytes[i];
	return 0;
}

int ipam_prefix_parse(const char *text, struct ipam_prefix *out, sr_error *err)
{
	char ip[IPAM_ADDR_STR_MAX];
	const char *slash, *p;
	unsigned len = 0, bits;
	size_t iplen;

	if (!text || !text[0])
		return sr_error_set(err, EINVAL, "prefix: empty");
	slash = strchr(text, '/');
	if (!slash)
		return sr_error_set(err, EINVAL, "prefix %.64s: missing /length", text);
	iplen = (size_t)(slash - text);
	if (iplen == 0 || iplen >= sizeof(ip))
		return sr_error_set(err, EINVAL, "prefix %.64s: not a valid address", text);
	memcpy(ip, text, iplen);
	ip[iplen] = '\0';
	if (ipam_addr_parse(ip, &out->base, err) < 0)
		return sr_error_wrap(err, "prefix %.64s", text);
	bits = ipam_family_bits(out->base.family);
	p = slash + 1;
	/* Decimal, no sign, no leading zero, at most 3 digits. */
	if (!p[0] || strlen(p) > 3 || (p[0] == '0' && p[1]))
		return sr_error_set(err, EINVAL, "prefix %.64s: bad prefix length", text);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return sr_error_set(err, EINVAL, "prefix %.64s: bad prefix length", text);
		len = len * 10 + (unsigned)(*p - '0');
	}
	if (len > bits)
		return sr_error_set(err, EINVAL, "prefix %.64s: prefix length %u exceeds %u", text, len, bits);
	out->len = len;
	if (out->base.value & host_mask(bits, len))
		return sr_error_set(err, EINVAL, "%.64s: host bits set", text);
	return 0;
}

void ipam_addr_format(const struct ipam_addr *addr, char out[IPAM_ADDR_STR_MAX])
{
	unsigned char bytes[16];
	size_t n = addr->family == AF_INET6 ? 16 : 4, i;
	ipam_u128 v = addr->value;

	for (i = n; i > 0; i--) {
		bytes[i - 1] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	if (!inet_ntop(addr->family, bytes, out, IPAM_ADDR_STR_MAX))
		snprintf(out, IPAM_ADDR_STR_MAX, "?");
}

void ipam_addr_format_cidr(const struct ipam_addr *addr, unsigned len, char out[IPAM_CIDR_MAX])
{
	char ip[IPAM_ADDR_STR_MAX];

	ipam_addr_format(addr, ip);
	snprintf(out, IPAM_CIDR_MAX, "%s/%u", ip, len);
}

void ipam_prefix_format(const struct ipam_prefix *prefix, char out[IPAM_CIDR_MAX])
{
	ipam_addr_format_cidr(&prefix->base, prefix->len, out);
}

ipam_u128 ipam_prefix_last_offset(const struct ipam_prefix *prefix)
{
	return host_mask(ipam_family_bits(prefix->base.family), prefix->len);
}

bool ipam_prefix_contains(const struct ipam_prefix *prefix, const struct ipam_addr *addr)
{
	ipam_u128 mask = host_mask(ipam_family_bits(prefix->base.family), prefix->len);

	return addr->family == prefix->base.family && (addr->value & ~mask) == prefix->base.value;
}

bool ipam_prefix_contains_prefix(const struct ipam_prefix *outer, const struct ipam_prefix *inner)
{
	return inner->len >= outer->len && ipam_prefix_contains(outer, &inner->base);
}

bool ipam_prefix_overlaps(const struct ipam_prefix *a, const struct ipam_prefix *b)
{
	return ipam_prefix_contains_prefix(a, b) || ipam_prefix_contains_prefix(b, a);
}

ipam_u128 ipam_prefix_offset(const struct ipam_prefix *prefix, const struct ipam_addr *addr)
{
	return addr->value - prefix->base.value;
}

struct ipam_addr ipam_prefix_addr_at(const struct ipam_prefix *prefix, ipam_u128 offset)
{
	struct ipam_addr a = { .family = prefix->base.family, .value = prefix->base.value + offset };

	return a;
}
