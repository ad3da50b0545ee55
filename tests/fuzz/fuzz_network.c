/* libFuzzer target: every NetworkDriver network-level decoder (CreateNetwork,
 * DeleteNetwork/FreeNetwork, AllocateNetwork) on the same bytes, and CreateNetwork's
 * options through net_config (PF lists, pf_policy, per-PF vfs). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../plugin/host/net_config.h"
#include "fuzz_check.h"

/* What a parsed network promises its users: 1-8 PFs, each a string, no two alike. */
static void check_net_config(const struct spec_map *generic)
{
	struct net_config cfg;
	sr_error err;
	sr_error_clear(&err);
	int rc = net_config_parse(generic, &cfg, &err);
	fuzz_check_result(rc, &err);
	if (rc < 0)
		return;
	FUZZ_ASSERT(cfg.pf_count >= 1 && cfg.pf_count <= NET_MAX_PFS);
	for (unsigned i = 0; i < cfg.pf_count; i++) {
		FUZZ_ASSERT_CSTR(cfg.pf_spec[i]);
		FUZZ_ASSERT(cfg.pf_spec[i][0] != '\0');
		for (unsigned j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(cfg.pf_spec[i], cfg.pf_spec[j]) != 0);
	}
	FUZZ_ASSERT(cfg.pf_policy == NET_PF_SPREAD || cfg.pf_policy == NET_PF_FILL);
}

static void check_ipdata(const struct spec_ipdata *d, size_t count)
{
	FUZZ_ASSERT(count <= SPEC_IPDATA_MAX);
	for (size_t i = 0; i < count; i++) {
		FUZZ_ASSERT_CSTR(d[i].address_space);
		FUZZ_ASSERT_CSTR(d[i].pool);
		FUZZ_ASSERT_CSTR(d[i].gateway);
		FUZZ_ASSERT(d[i].aux_count <= SPEC_AUX_MAX);
		for (size_t j = 0; j < d[i].aux_count; j++) {
			FUZZ_ASSERT(d[i].aux[j].name[0] != '\0');
			FUZZ_ASSERT_CSTR(d[i].aux[j].name);
			FUZZ_ASSERT_CSTR(d[i].aux[j].address);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct spec_create_network create;
	struct spec_network_ref ref;
	struct spec_allocate_network alloc;
	sr_error err;
	int rc;

	sr_error_clear(&err);
	rc = spec_decode_create_network(body, size, &create, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0) {
		FUZZ_ASSERT(spec_id_valid(create.network_id));
		fuzz_check_map(&create.generic);
		check_net_config(&create.generic);
		check_ipdata(create.ipv4, create.ipv4_count);
		check_ipdata(create.ipv6, create.ipv6_count);
		spec_create_network_free(&create);
	}

	sr_error_clear(&err);
	rc = spec_decode_network_ref(body, size, &ref, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0)
		FUZZ_ASSERT(spec_id_valid(ref.network_id));

	sr_error_clear(&err);
	rc = spec_decode_allocate_network(body, size, &alloc, &err);
	fuzz_check_result(rc, &err);
	if (rc == 0) {
		FUZZ_ASSERT(spec_id_valid(alloc.network_id));
		fuzz_check_map(&alloc.options);
		spec_allocate_network_free(&alloc);
	}
	return 0;
}
