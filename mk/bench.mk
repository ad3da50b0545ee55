# make bench: builds every bench/*.c into $(BUILD)/bench/<name>, linked to the
# library, and runs each one. Benchmarks print figures; they never assert times.
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libsriov.a $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libsriov.a $(LDLIBS_ALL)

bench: $(BENCH_BINS)
	@set -e; for b in $(BENCH_BINS); do echo "== $$b"; "$$b"; done
