# mk/testbed.mk: the emulated SR-IOV test bed (scripts/testbed/, tests/testbed/).
#   make testbed-setup     install QEMU/docker/kernel/initramfs if missing (seconds when present)
#   make testbed-selftest  host-side checks of the runner + t-selftest + t-vfio (IOMMU guest)
#   make check-guest SUITE=tests/testbed/t-xxx.sh   one guest suite; TESTBED_IOMMU, TESTBED_NICS,
#                          TESTBED_TIMEOUT, TESTBED_OUT, SRIOV_* ... are taken from the environment
#   make check-guest-pair SUITE=tests/testbed/t-pair.sh   a two-guest suite (scripts/testbed/run-pair:
#                          the same script in both guests, PFs cabled together); builds the managed plugin
# These never skip: without QEMU or the guest kernel they fail loudly.
TESTBED_RUN := scripts/testbed/run
# Guest suites that start the plugin need it built (once plugin/main.c exists).
TESTBED_PLUGIN := $(if $(wildcard plugin/main.c),$(BUILD)/sriov-plugin)

.PHONY: testbed-setup testbed-selftest check-guest check-guest-pair

testbed-setup:
	@bash scripts/testbed/setup

testbed-selftest: testbed-setup
	@rc=0; \
	bash tests/testbed/host-selftest.sh || rc=1; \
	$(TESTBED_RUN) tests/testbed/t-selftest.sh || rc=1; \
	if [ $$rc != 0 ]; then echo "testbed-selftest: FAILED" >&2; fi; exit $$rc

check-guest: testbed-setup $(TESTBED_PLUGIN)
	@test -n "$(SUITE)" || { echo "check-guest: give SUITE=tests/testbed/t-xxx.sh" >&2; exit 2; }
	@test -f "$(SUITE)" || { echo "check-guest: $(SUITE) not found" >&2; exit 2; }
	$(TESTBED_RUN) $(SUITE) $(SUITE_ARGS)

check-guest-pair: testbed-setup $(TESTBED_PLUGIN) managed-plugin
	@test -n "$(SUITE)" || { echo "check-guest-pair: give SUITE=tests/testbed/t-xxx.sh" >&2; exit 2; }
	@test -f "$(SUITE)" || { echo "check-guest-pair: $(SUITE) not found" >&2; exit 2; }
	scripts/testbed/run-pair $(SUITE) $(SUITE) $(SUITE_ARGS)
