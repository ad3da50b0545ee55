/* mac_derive: the generated MAC is a function of network + address, locally administered unicast,
 * different for different addresses and networks, and the fallbacks stay within the rules. */
#include <stdint.h>
#include <string.h>

#include "../../netlink/nlk.h"
#include "../../plugin/daemon/mac_derive.h"
#include "check.h"

#define NET_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NET_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static bool local_unicast(const uint8_t mac[6])
{
	return (mac[0] & 0x03) == 0x02 && nlk_mac_is_unicast(mac);
}

static void test_stable_ipv4(void)
{
	uint8_t a[6], b[6];
	CHECK(mac_derive(NET_A, "10.9.0.2/16", "", 0, a) == 0);
	CHECK(local_unicast(a));
	/* The address is readable in the low four bytes. */
	CHECK(a[2] == 10 && a[3] == 9 && a[4] == 0 && a[5] == 2);
	/* Same network and IP: same MAC (with or without the prefix length, with an IPv6 beside it). */
	CHECK(mac_derive(NET_A, "10.9.0.2", "", 0, b) == 0);
	CHECK(memcmp(a, b, 6) == 0);
	CHECK(mac_derive(NET_A, "10.9.0.2/24", "fd00::2/64", 0, b) == 0);
	CHECK(memcmp(a, b, 6) == 0);
	/* Another IP in the network: another MAC. */
	CHECK(mac_derive(NET_A, "10.9.0.3/16", "", 0, b) == 0);
	CHECK(memcmp(a, b, 6) != 0);
	/* The same IP in another network: another MAC (the network's hash bits differ). */
	CHECK(mac_derive(NET_B, "10.9.0.2/16", "", 0, b) == 0);
	CHECK(memcmp(a, b, 6) != 0 && memcmp(a + 2, b + 2, 4) == 0);
}

static void test_fallbacks(void)
{
	uint8_t a[6], b[6], c[6];
	/* A clash retry gives a different, still stable, still local unicast MAC. */
	CHECK(mac_derive(NET_A, "10.9.0.2/16", "", 0, a) == 0);
	CHECK(mac_derive(NET_A, "10.9.0.2/16", "", 1, b) == 0);
	CHECK(mac_derive(NET_A, "10.9.0.2/16", "", 1, c) == 0);
	CHECK(local_unicast(b) && memcmp(a, b, 6) != 0 && memcmp(b, c, 6) == 0);
	CHECK(mac_derive(NET_A, "10.9.0.2/16", "", 2, c) == 0);
	CHECK(local_unicast(c) && memcmp(b, c, 6) != 0);
	/* IPv6 only: hashed, stable, distinct per address. */
	CHECK(mac_derive(NET_A, "", "fd00::2/64", 0, a) == 0);
	CHECK(mac_derive(NET_A, "", "fd00::2", 0, b) == 0);
	CHECK(local_unicast(a) && memcmp(a, b, 6) == 0);
	CHECK(mac_derive(NET_A, "", "fd00::3/64", 0, b) == 0);
	CHECK(memcmp(a, b, 6) != 0);
	/* No address at all, or text that is none: nothing to derive from. */
	memset(a, 0x11, sizeof(a));
	CHECK(mac_derive(NET_A, "", "", 0, a) == -1);
	CHECK(mac_derive(NET_A, "10.9.0.256/16", "", 0, a) == -1);
	CHECK(mac_derive(NET_A, "/16", "x", 0, a) == -1);
	CHECK(mac_derive(NET_A, "fd00::1/64", "", 0, a) == -1); /* an IPv6 text in the IPv4 field */
	CHECK(a[0] == 0x11);
}

int main(void)
{
	test_stable_ipv4();
	test_fallbacks();
	return check_summary("mac_derive");
}
