/* mac_option: Options["com.docker.network.endpoint.macaddress"] is a Go
 * net.HardwareAddr, which encoding/json writes as standard base64 with
 * padding ("AkIKCQAC" for 02:42:0a:09:00:02). jansson has no base64, so a
 * small strict decoder lives here: canonical input only (length a multiple of
 * 4, '=' only at the end, unused bits zero), anything else is an error. */
#include <errno.h>
#include <string.h>

#include "../common/mac_text.h"
#include "spec.h"

#define MAC_OPTION "com.docker.network.endpoint.macaddress"
#define MAC_LEN 6

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode one 4-character group into up to 3 bytes; last tells whether
 * padding may appear. Returns the byte count, or -1 when not canonical. */
static int decode_group(const char *in, bool last, unsigned char out[3])
{
	int v[4];
	int pad = 0;
	unsigned long bits = 0;

	for (int i = 0; i < 4; i++) {
		if (in[i] == '=' && last && i >= 2) {
			pad++;
			v[i] = 0;
			continue;
		}
		if (pad)
			return -1; /* data after '=' */
		v[i] = b64_value(in[i]);
		if (v[i] < 0)
			return -1;
	}
	for (int i = 0; i < 4; i++)
		bits = (bits << 6) | (unsigned long)v[i];
	/* Canonical form: the bits dropped by padding must be zero. */
	if ((pad == 1 && (bits & 0xff)) || (pad == 2 && (bits & 0xffff)))
		return -1;
	out[0] = (unsigned char)(bits >> 16);
	out[1] = (unsigned char)(bits >> 8);
	out[2] = (unsigned char)bits;
	return 3 - pad;
}

/* Decode in into at most out_size bytes; -1 if not canonical base64 or too long. */
static int base64_decode(const char *in, unsigned char *out, size_t out_size, size_t *out_len)
{
	size_t len = strlen(in);

	*out_len = 0;
	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		unsigned char group[3];
		int n = decode_group(in + i, i + 4 == len, group);

		if (n < 0 || *out_len + (size_t)n > out_size)
			return -1;
		memcpy(out + *out_len, group, (size_t)n);
		*out_len += (size_t)n;
	}
	return 0;
}

int spec_decode_mac_option(const char *b64, char out[18], sr_error *err)
{
	unsigned char mac[64]; /* room to report a wrong length, not only a bad encoding */
	size_t n;

	out[0] = '\0';
	if (!b64 || base64_decode(b64, mac, sizeof(mac), &n) < 0)
		return sr_error_set(err, EINVAL, MAC_OPTION ": not a base64 MAC address");
	if (n != MAC_LEN)
		return sr_error_set(err, EINVAL, MAC_OPTION ": %zu bytes, want %d", n, MAC_LEN);
	mac_text(mac, out);
	return 0;
}
