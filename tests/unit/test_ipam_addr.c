/* ipam_addr: parsing, formatting, containment, offsets, overlap, IPv4 and IPv6. */
#include "../../ipam/ipam_addr.h"

#include <errno.h>

#include "check.h"

static struct ipam_prefix P(const char *text)
{
	struct ipam_prefix p = { 0 };
	sr_error err = { 0 };

	if (ipam_prefix_parse(text, &p, &err) < 0)
		fprintf(stderr, "setup: %s\n", err.msg);
	return p;
}

static struct ipam_addr A(const char *text)
{
	struct ipam_addr a = { 0 };
	sr_error err = { 0 };

	if (ipam_addr_parse(text, &a, &err) < 0)
		fprintf(stderr, "setup: %s\n", err.msg);
	return a;
}

static void test_parse_addr(void)
{
	struct ipam_addr a;
	sr_error err = { 0 };
	char out[IPAM_ADDR_STR_MAX];

	CHECK(ipam_addr_parse("10.1.2.3", &a, &err) == 0);
	CHECK(a.family == AF_INET && a.value == 0x0a010203u);
	ipam_addr_format(&a, out);
	CHECK_STR_EQ(out, "10.1.2.3");

	CHECK(ipam_addr_parse("fd00::1", &a, &err) == 0);
	CHECK(a.family == AF_INET6 && a.value == (((ipam_u128)0xfd00 << 112) | 1));
	ipam_addr_format(&a, out);
	CHECK_STR_EQ(out, "fd00::1");

	CHECK(ipam_addr_parse("255.255.255.255", &a, &err) == 0 && a.value == 0xffffffffu);
	CHECK(ipam_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a, &err) == 0 && a.value == ~(ipam_u128)0);

	CHECK(ipam_addr_parse("", &a, &err) == -1);
	CHECK(ipam_addr_parse("10.1.2", &a, &err) == -1);
	CHECK(ipam_addr_parse("10.1.2.256", &a, &err) == -1);
	CHECK(ipam_addr_parse("10.1.2.3 ", &a, &err) == -1);
	CHECK(ipam_addr_parse("10.1.2.3/24", &a, &err) == -1);
	CHECK(ipam_addr_parse("fd00:::1", &a, &err) == -1);
	CHECK(ipam_addr_parse("bogus", &a, &err) == -1);
	CHECK(err.code == EINVAL);
	CHECK_STR_EQ(err.msg, "address bogus: not a valid IPv4 address");
}

static void test_parse_prefix(void)
{
	struct ipam_prefix p;
	sr_error err = { 0 };
	char out[IPAM_CIDR_MAX];

	CHECK(ipam_prefix_parse("10.9.0.0/16", &p, &err) == 0);
	CHECK(p.len == 16 && p.base.value == 0x0a090000u);
	ipam_prefix_format(&p, out);
	CHECK_STR_EQ(out, "10.9.0.0/16");
	CHECK(ipam_prefix_parse("0.0.0.0/0", &p, &err) == 0 && p.len == 0);
	CHECK(ipam_prefix_parse("10.0.0.1/32", &p, &err) == 0);
	CHECK(ipam_prefix_parse("fd00:1::/64", &p, &err) == 0 && p.len == 64);
	ipam_prefix_format(&p, out);
	CHECK_STR_EQ(out, "fd00:1::/64");
	CHECK(ipam_prefix_parse("::/0", &p, &err) == 0 && ipam_prefix_last_offset(&p) == ~(ipam_u128)0);

	CHECK(ipam_prefix_parse("10.0.0.1/24", &p, &err) == -1);
	CHECK_STR_EQ(err.msg, "10.0.0.1/24: host bits set");
	CHECK(ipam_prefix_parse("fd00::1/64", &p, &err) == -1);
	CHECK_STR_EQ(err.msg, "fd00::1/64: host bits set");
	CHECK(ipam_prefix_parse("10.0.0.0", &p, &err) == -1);
	CHECK(ipam_prefix_parse("10.0.0.0/", &p, &err) == -1);
	CHECK(ipam_prefix_parse("10.0.0.0/33", &p, &err) == -1);
	CHECK(ipam_prefix_parse("10.0.0.0/024", &p, &err) == -1);
	CHECK(ipam_prefix_parse("10.0.0.0/-1", &p, &err) == -1);
	CHECK(ipam_prefix_parse("10.0.0.0/2x", &p, &err) == -1);
	CHECK(ipam_prefix_parse("fd00::/129", &p, &err) == -1);
	CHECK(ipam_prefix_parse("/24", &p, &err) == -1);
	CHECK(ipam_prefix_parse("x/24", &p, &err) == -1);
}

static void test_arithmetic(void)
{
	struct ipam_prefix v4 = P("192.168.0.0/24"), v6 = P("fd00::/64");
	struct ipam_addr a = A("192.168.0.130"), b;
	char out[IPAM_CIDR_MAX];

	CHECK(ipam_prefix_contains(&v4, &a));
	CHECK(!ipam_prefix_contains(&v4, &(struct ipam_addr){ AF_INET, 0xc0a80100u }));
	CHECK(!ipam_prefix_contains(&v6, &a)); /* family differs */
	CHECK(ipam_prefix_offset(&v4, &a) == 130);
	CHECK(ipam_prefix_last_offset(&v4) == 255);
	b = ipam_prefix_addr_at(&v4, 255);
	ipam_addr_format_cidr(&b, v4.len, out);
	CHECK_STR_EQ(out, "192.168.0.255/24");

	CHECK(ipam_prefix_last_offset(&v6) == (((ipam_u128)1 << 64) - 1));
	b = ipam_prefix_addr_at(&v6, ((ipam_u128)1 << 64) - 1);
	ipam_addr_format_cidr(&b, v6.len, out);
	CHECK_STR_EQ(out, "fd00::ffff:ffff:ffff:ffff/64");
	a = A("fd00::1:0:0:5");
	CHECK(ipam_prefix_contains(&v6, &a));
	CHECK(ipam_prefix_offset(&v6, &a) == (((ipam_u128)1 << 48) | 5));
	CHECK(!ipam_prefix_contains(&v6, &(struct ipam_addr){ AF_INET6, A("fd00:0:0:1::").value }));
	CHECK(ipam_prefix_last_offset(&(struct ipam_prefix){ A("10.0.0.1"), 32 }) == 0);
}

static void test_overlap(void)
{
	struct ipam_prefix a = P("10.1.0.0/16"), b = P("10.1.2.0/24"), c = P("10.2.0.0/16"), d = P("10.0.0.0/8");
	struct ipam_prefix x = P("fd00::/64"), y = P("fd00::/48"), z = P("fd00:0:0:1::/64");

	CHECK(ipam_prefix_overlaps(&a, &a));
	CHECK(ipam_prefix_overlaps(&a, &b) && ipam_prefix_overlaps(&b, &a));
	CHECK(!ipam_prefix_overlaps(&a, &c));
	CHECK(ipam_prefix_overlaps(&d, &c));
	CHECK(ipam_prefix_contains_prefix(&a, &b) && !ipam_prefix_contains_prefix(&b, &a));
	CHECK(ipam_prefix_overlaps(&x, &y) && !ipam_prefix_overlaps(&x, &z));
	CHECK(!ipam_prefix_overlaps(&a, &x));
}

int main(void)
{
	test_parse_addr();
	test_parse_prefix();
	test_arithmetic();
	test_overlap();
	return check_summary("ipam_addr");
}
