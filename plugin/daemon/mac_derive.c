/* mac_derive: see mac_derive.h for the layout and why. */
#include "mac_derive.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* "10.9.0.2/16" -> binary address; false when it is none of the family's. */
static int parse_plain(int family, const char *cidr, void *out)
{
	char text[INET6_ADDRSTRLEN];
	size_t n = strcspn(cidr, "/");
	if (n == 0 || n >= sizeof(text))
		return 0;
	memcpy(text, cidr, n);
	text[n] = '\0';
	return inet_pton(family, text, out) == 1;
}

int mac_derive(const char *network_id, const char *address4, const char *address6, unsigned attempt,
	       uint8_t mac[6])
{
	unsigned char v4[4], v6[16];
	char salt[16];
	bool have4 = parse_plain(AF_INET, address4, v4);
	bool have6 = !have4 && parse_plain(AF_INET6, address6, v6);
	uint64_t h = fnv1a(FNV_OFFSET, network_id, strlen(network_id));

	if (!have4 && !have6)
		return -1;
	if (have4 && attempt == 0) {
		mac[0] = (uint8_t)(((h >> 56) & 0xfc) | 0x02);
		mac[1] = (uint8_t)(h >> 48);
		memcpy(mac + 2, v4, 4);
		return 0;
	}
	h = fnv1a(h, "/", 1);
	h = have4 ? fnv1a(h, v4, sizeof(v4)) : fnv1a(h, v6, sizeof(v6));
	snprintf(salt, sizeof(salt), "/%u", attempt);
	h = fnv1a(h, salt, strlen(salt));
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
	return 0;
}
