# SR-IOV network plugin for Docker.
#   make            build/sriov-plugin
#   make check      everything: deps, host tests, sanitizers, static analysis, fuzz (short), test bed suites
#   make check-host host-only tests (fast)
#   make demo       boot the emulated SR-IOV host and show VFs going into containers
#   make bench      benchmarks (print figures)
# Nothing here installs packages except `make deps` (called by check/demo).

SHELL    := /bin/bash
CC       ?= gcc
PKGS      = libmicrohttpd jansson libnl-3.0 libnl-route-3.0 libnl-genl-3.0
VERSION  := 0.1.0
CSTD      = -std=c11 -D_GNU_SOURCE
WARN      = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
OPT      ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -DSRIOV_PLUGIN_VERSION='"$(VERSION)"' $(EXTRA_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread $(EXTRA_LDFLAGS)

BUILD    ?= build
LIB_SRCS := $(sort $(wildcard common/*.c spec/*.c netlink/*.c ipam/*.c plugin/*/*.c plugin/*.c))
LIB_SRCS := $(filter-out plugin/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# C helpers only the tests use (tests/lib/*.c): linked into test binaries, never into the daemon.
TEST_LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard tests/lib/*.c)))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all clean deps check check-host unit unit-asan bench fuzz fuzz-short static demo install \
        managed-plugin testbed-setup check-guest
all: $(BUILD)/sriov-plugin

# Header dependencies come from the compiler (-MMD -MP: one .d beside each object and binary,
# a header that disappears is no error), not from a list that makes every object depend on
# every header.
DEPFLAGS = -MMD -MP
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -c $< -o $@

$(BUILD)/libsriov.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  AR $@"
	@$(AR) rcs $@ $^

$(BUILD)/sriov-plugin: $(BUILD)/obj/plugin/main.o $(BUILD)/libsriov.a
	@echo "  LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LIB_OBJS) $(BUILD)/libsriov.a
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -MF $@.d -o $@ $< $(TEST_LIB_OBJS) $(BUILD)/libsriov.a $(LDLIBS_ALL)

unit: $(UNIT_BINS)
	@bash tests/unit/run-all.sh $(UNIT_BINS)

# The same unit tests, built with AddressSanitizer + UBSan (into $(ASAN_BUILD)).
ASAN_BUILD ?= $(BUILD)/asan
unit-asan:
	$(MAKE) BUILD=$(ASAN_BUILD) OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all unit

deps:
	@bash scripts/install-deps.sh

# Everything; see scripts/check-all.sh for the parts (CHECK_ONLY="unit guest-api" runs a few).
check: deps
	@bash scripts/check-all.sh

check-host: deps
	@CHECK_ONLY="build unit unit-asan static host-api" bash scripts/check-all.sh

demo: deps all testbed-setup
	@bash scripts/testbed/run tests/testbed/demo.sh

# cppcheck and clang-tidy on every source; each finding fails (suppressions are inline, justified).
# valist.Uninitialized: clang 14 false positive when one clang-tidy run gets several files (xargs -n 4):
# after the first file it no longer sees va_start, so every vsnprintf(.., ap) after va_start is flagged.
TIDY_CHECKS = -*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,$\
	-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,$\
	-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized
static:
	cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr -q --std=c11 \
	  -D_GNU_SOURCE $(PKG_CFLAGS) common spec netlink ipam plugin
	@ls $(LIB_SRCS) plugin/main.c | xargs -P 2 -n 4 sh -c "clang-tidy --quiet --warnings-as-errors='*' \
	  -checks='$(TIDY_CHECKS)' --header-filter='^(common|spec|netlink|ipam|plugin)/' \"\$$@\" -- \
	  $(CSTD) $(PKG_CFLAGS) -DSRIOV_PLUGIN_VERSION='\"x\"'" clang-tidy 2>&1 | grep -v 'warnings generated' ; \
	  test $${PIPESTATUS[1]} -eq 0 && echo "static: clean"

clean:
	rm -rf build

-include mk/*.mk

# the compiler's record of which headers each object and binary read
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
