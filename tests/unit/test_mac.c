/* MAC text helpers and interface-name validation: pure functions, no kernel. */
#include <string.h>

#include "../../netlink/nlk.h"
#include "check.h"

static void test_parse(void)
{
	uint8_t mac[6] = {0};
	const uint8_t want[6] = {0xaa, 0xbb, 0xcc, 0x0d, 0xee, 0xff};

	CHECK(nlk_mac_parse("aa:bb:cc:0d:ee:ff", mac) == 0);
	CHECK(memcmp(mac, want, 6) == 0);
	memset(mac, 0, sizeof(mac));
	CHECK(nlk_mac_parse("AA:Bb:cC:0D:EE:FF", mac) == 0);
	CHECK(memcmp(mac, want, 6) == 0);

	/* Failures leave the output untouched. */
	memset(mac, 0x11, sizeof(mac));
	CHECK(nlk_mac_parse("aa:bb:cc:dd:ee", mac) == -1);      /* too short */
	CHECK(nlk_mac_parse("aa:bb:cc:dd:ee:ff:", mac) == -1);  /* too long */
	CHECK(nlk_mac_parse("aa:bb:cc:dd:ee:f", mac) == -1);
	CHECK(nlk_mac_parse("a:bb:cc:dd:ee:fff", mac) == -1);   /* 17 chars, misplaced colon */
	CHECK(nlk_mac_parse("aa-bb-cc-dd-ee-ff", mac) == -1);   /* wrong separator */
	CHECK(nlk_mac_parse("aa:bb:cc:dd:ee:fg", mac) == -1);   /* not hex */
	CHECK(nlk_mac_parse(" aa:bb:cc:dd:ee:f", mac) == -1);
	CHECK(nlk_mac_parse("aabbccddeeff00000", mac) == -1);
	CHECK(nlk_mac_parse("", mac) == -1);
	CHECK(nlk_mac_parse(NULL, mac) == -1);
	CHECK(mac[0] == 0x11 && mac[5] == 0x11);
}

static void test_format(void)
{
	const uint8_t mac[6] = {0xAA, 0x0B, 0xcc, 0x00, 0x01, 0xFF};
	char text[18];
	uint8_t back[6];

	memset(text, 'x', sizeof(text));
	nlk_mac_format(mac, text);
	CHECK_STR_EQ(text, "aa:0b:cc:00:01:ff");
	CHECK(nlk_mac_parse(text, back) == 0);
	CHECK(memcmp(back, mac, 6) == 0);
}

static void test_kinds(void)
{
	const uint8_t zero[6] = {0};
	const uint8_t unicast[6] = {0x02, 0, 0, 0, 0, 1};
	const uint8_t multicast[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	CHECK(nlk_mac_is_zero(zero));
	CHECK(!nlk_mac_is_zero(unicast));
	CHECK(!nlk_mac_is_unicast(zero));
	CHECK(nlk_mac_is_unicast(unicast));
	CHECK(!nlk_mac_is_unicast(multicast));
	CHECK(!nlk_mac_is_unicast(broadcast));
}

static void test_ifname(void)
{
	CHECK(nlk_ifname_valid("eth0"));
	CHECK(nlk_ifname_valid("a"));
	CHECK(nlk_ifname_valid("enp1s0f0v12"));
	CHECK(nlk_ifname_valid("123456789012345"));   /* 15 bytes: the maximum */
	CHECK(!nlk_ifname_valid("1234567890123456")); /* 16 bytes */
	CHECK(!nlk_ifname_valid(""));
	CHECK(!nlk_ifname_valid(NULL));
	CHECK(!nlk_ifname_valid("."));
	CHECK(!nlk_ifname_valid(".."));
	CHECK(nlk_ifname_valid("..."));
	CHECK(nlk_ifname_valid("a.b"));
	CHECK(!nlk_ifname_valid("a/b"));
	CHECK(!nlk_ifname_valid("a b"));
	CHECK(!nlk_ifname_valid("a\tb"));
	CHECK(!nlk_ifname_valid("a\nb"));
	CHECK(!nlk_ifname_valid("eth0:1"));
	CHECK(!nlk_ifname_valid("a\x7f"));
	CHECK(!nlk_ifname_valid("\x01"));
	CHECK(nlk_ifname_valid("br-1_x.2@"));
}

int main(void)
{
	test_parse();
	test_format();
	test_kinds();
	test_ifname();
	return check_summary("mac");
}
