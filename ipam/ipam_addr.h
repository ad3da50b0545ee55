/* ipam_addr: pure IPv4/IPv6 address and prefix arithmetic, no I/O.
 *
 * An address is its family plus its value as a 128-bit unsigned integer
 * (IPv4 uses the low 32 bits), so offsets, containment and overlap are plain
 * integer math for both families. Parsers accept only what inet_pton accepts
 * plus a decimal prefix length; a prefix with host bits set is an error
 * ("pool 10.0.0.1/24: host bits set" once the caller adds its context). */
#ifndef IPAM_ADDR_H
#define IPAM_ADDR_H

#include <stdbool.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

#include "ipam.h"

typedef unsigned __int128 ipam_u128;

#define IPAM_ADDR_STR_MAX 46 /* INET6_ADDRSTRLEN */

struct ipam_addr {
	int family; /* AF_INET or AF_INET6 */
	ipam_u128 value;
};

struct ipam_prefix {
	struct ipam_addr base; /* host bits are zero */
	unsigned len;
};

/* 32 for AF_INET, 128 for AF_INET6. */
unsigned ipam_family_bits(int family);

/* A plain address: "10.0.0.1" or "fd00::1". */
int ipam_addr_parse(const char *text, struct ipam_addr *out, sr_error *err);
/* "10.0.0.0/24" or "fd00::/64"; host bits set is an error. */
int ipam_prefix_parse(const char *text, struct ipam_prefix *out, sr_error *err);

void ipam_addr_format(const struct ipam_addr *addr, char out[IPAM_ADDR_STR_MAX]);
/* "ip/len" */
void ipam_prefix_format(const struct ipam_prefix *prefix, char out[IPAM_CIDR_MAX]);
/* "ip/len" for an address inside a prefix (the RequestAddress answer). */
void ipam_addr_format_cidr(const struct ipam_addr *addr, unsigned len, char out[IPAM_CIDR_MAX]);

/* Number of addresses in the prefix minus one (the offset of its last one). */
ipam_u128 ipam_prefix_last_offset(const struct ipam_prefix *prefix);
bool ipam_prefix_contains(const struct ipam_prefix *prefix, const struct ipam_addr *addr);
/* inner lies entirely within outer (same family, inner.len >= outer.len). */
bool ipam_prefix_contains_prefix(const struct ipam_prefix *outer, const struct ipam_prefix *inner);
/* Two prefixes overlap iff one contains the other. */
bool ipam_prefix_overlaps(const struct ipam_prefix *a, const struct ipam_prefix *b);
/* Offset of addr from the prefix base; addr must be inside the prefix. */
ipam_u128 ipam_prefix_offset(const struct ipam_prefix *prefix, const struct ipam_addr *addr);
/* Address at offset from the base; offset must be <= the last offset. */
struct ipam_addr ipam_prefix_addr_at(const struct ipam_prefix *prefix, ipam_u128 offset);

#endif
