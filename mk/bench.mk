# make bench: builds every bench/*.c into $(BUILD)/bench/<name>, linked to the
# library, and runs each one. Benchmarks print figures; they never assert times.
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libsriov.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -MF $@.d -o $@ $< $(BUILD)/libsriov.a $(LDLIBS_ALL)

bench: $(BENCH_BINS)
	@set -e; for b in $(BENCH_BINS); do echo "== $$b"; "$$b"; done

# make bench-guest: the guest benchmark (not part of make check): 28 concurrent containers on
# 4 PFs x 7 VFs against the same on macvlan, alternated in one TCG guest run (about 15-25 min).
.PHONY: bench-guest
bench-guest: testbed-setup $(TESTBED_PLUGIN)
	TESTBED_NICS=4 TESTBED_MEM=$${TESTBED_MEM:-3G} TESTBED_TIMEOUT=$${TESTBED_TIMEOUT:-2400} \
		$(TESTBED_RUN) tests/testbed/b-concurrent.sh $(BENCH_ROUNDS)
