# Host suites: the real daemon, started inside a private network namespace against a fake sysfs
# tree, driven over its Unix socket the way dockerd drives it (tests/host/). Needs root.
#   make check-host-api                       build, then run the API and hostile-input suites
#   make check-host-api PLUGIN_BIN=build/asan/sriov-plugin   the same against another build
#   make check-host-asan                      build with ASan+UBSan into $(BUILD)/asan, then run them
#   make check-host-valgrind                  the daemon under valgrind; every SIGTERM stop must
#                                             exit 0 (valgrind exits 42 on errors/definite leaks)
# Each prints "host-api: N passed, N failed" last and fails when N failed > 0.
PLUGIN_BIN ?= $(BUILD)/sriov-plugin
HOST_SUITES ?=

.PHONY: check-host-api check-host-asan check-host-valgrind

# Build the default binary first; another PLUGIN_BIN is the caller's to build.
ifeq ($(PLUGIN_BIN),$(BUILD)/sriov-plugin)
HOST_API_DEPS := $(BUILD)/sriov-plugin
endif

check-host-api: $(HOST_API_DEPS)
	PLUGIN_BIN=$(PLUGIN_BIN) python3 tests/host/run.py $(HOST_SUITES)

check-host-valgrind: $(HOST_API_DEPS)
	PLUGIN_BIN=$(PLUGIN_BIN) VALGRIND=1 python3 tests/host/run.py $(HOST_SUITES)

check-host-asan:
	$(MAKE) BUILD=$(ASAN_BUILD) OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" $(ASAN_BUILD)/sriov-plugin
	PLUGIN_BIN=$(ASAN_BUILD)/sriov-plugin ASAN_OPTIONS=detect_leaks=1 python3 tests/host/run.py $(HOST_SUITES)

# C tests that build a fake sysfs tree share tests/fakesys/fakesys.h.
$(BUILD)/tests/test_sysfs $(BUILD)/tests/test_vf_pool $(BUILD)/tests/test_pf_choose: tests/fakesys/fakesys.h
