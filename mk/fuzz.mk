# libFuzzer targets for the parsers of untrusted input (tests/fuzz/fuzz_*.c).
#   make fuzz-short   each target ~20 s (FUZZ_SHORT_SECONDS), fails on any crash, leak, timeout or UB
#   make fuzz         each target FUZZ_SECONDS (default 300)
#   make valgrind-spec  the spec unit tests under valgrind (at the end of this file)
# Built with clang (libFuzzer is clang's) from the library *sources*, not from
# build/libsriov.a, so that every line is instrumented for coverage and ASan/UBSan.
#
# Adding a target: put tests/fuzz/fuzz_<name>.c (see tests/fuzz/fuzz_check.h for
# the pattern) and seeds in tests/fuzz/corpus/fuzz_<name>/. If it needs more than
# common/ + spec/, name the extra sources and pkg-config packages, e.g.
#   FUZZ_SRCS_fuzz_dispatch := $(wildcard plugin/daemon/*.c plugin/host/*.c ipam/*.c)
#   FUZZ_PKGS_fuzz_dispatch := libmicrohttpd
# New inputs found go to $(FUZZ_BUILD)/corpus/<target> (not committed); crashes
# are written as $(FUZZ_BUILD)/<target>-crash-* and replay with `<binary> <file>`.

FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 300
FUZZ_SHORT_SECONDS ?= 20
FUZZ_BUILD         ?= $(BUILD)/fuzz
FUZZ_SANITIZE       = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS         = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror $(FUZZ_SANITIZE)
FUZZ_LIB_SRCS      := $(wildcard common/*.c spec/*.c)
FUZZ_TARGETS       := $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS          := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
# -rss_limit_mb: a parser must not need a gigabyte for a 64 KiB input.
FUZZ_RUN_FLAGS     ?= -max_len=65536 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
                      -dict=tests/fuzz/spec.dict

# The network target also parses CreateNetwork's options (net_config: PF lists, per-PF vfs).
FUZZ_SRCS_fuzz_network := plugin/host/net_config.c plugin/host/net_vfs.c netlink/nlk_ifname.c

# The dispatcher target needs the whole daemon library.
FUZZ_SRCS_fuzz_dispatch := $(wildcard plugin/daemon/*.c plugin/host/*.c ipam/*.c netlink/*.c)
FUZZ_PKGS_fuzz_dispatch := libmicrohttpd libnl-3.0 libnl-route-3.0 libnl-genl-3.0
FUZZ_CFLAGS_EXTRA_fuzz_dispatch := -DSRIOV_PLUGIN_VERSION='"fuzz"'

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BINS)

# Any source or header change rebuilds: a handful of files, seconds with clang.
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard */*.c */*.h plugin/*/*.c plugin/*/*.h tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CFLAGS_EXTRA_fuzz_$*) $(shell pkg-config --cflags jansson $(FUZZ_PKGS_fuzz_$*)) -o $@ $< \
	  $(FUZZ_LIB_SRCS) $(FUZZ_SRCS_fuzz_$*) $(shell pkg-config --libs jansson $(FUZZ_PKGS_fuzz_$*))

# $(1) = seconds per target. libFuzzer exits non-zero on a crash, leak, timeout
# or out-of-memory, which stops the loop and fails make.
define fuzz_run
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  echo "fuzz: $$t for $(1) s"; \
	  $(FUZZ_BUILD)/$$t $(FUZZ_RUN_FLAGS) -max_total_time=$(1) \
	    -artifact_prefix=$(FUZZ_BUILD)/$$t- $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	    2>$(FUZZ_BUILD)/$$t.log || { tail -60 $(FUZZ_BUILD)/$$t.log; echo "fuzz: $$t FAILED"; exit 1; }; \
	  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	    $(FUZZ_BUILD)/$$t.log | sed "s/^/  /"; \
	done
endef

fuzz-short: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SHORT_SECONDS))

fuzz: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SECONDS))

# The spec unit tests under valgrind (leaks are errors): the decoders' other
# dynamic check, next to the fuzzers' ASan/LSan.
SPEC_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_spec_*.c))
.PHONY: valgrind-spec
valgrind-spec: $(SPEC_TESTS)
	@set -e; for t in $(SPEC_TESTS); do \
	  valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=3 $$t; \
	done
