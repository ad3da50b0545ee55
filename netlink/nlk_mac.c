/* nlk_mac: Ethernet address text <-> bytes, strict: exactly "xx:xx:xx:xx:xx:xx". */
#include "nlk.h"

#include <string.h>

#include "../common/mac_text.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int nlk_mac_parse(const char *text, uint8_t mac[6])
{
	uint8_t out[6];

	if (!text || strlen(text) != 17)
		return -1;
	for (size_t i = 0; i < 6; i++) {
		const char *p = text + i * 3;
		int hi = hex_value(p[0]);
		int lo = hex_value(p[1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (i < 5 && p[2] != ':')
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, out, sizeof(out));
	return 0;
}

void nlk_mac_format(const uint8_t mac[6], char out[18])
{
	mac_text(mac, out);
}

bool nlk_mac_is_zero(const uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		if (mac[i])
			return false;
	return true;
}

bool nlk_mac_is_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 0x01) && !nlk_mac_is_zero(mac);
}
