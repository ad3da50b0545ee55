#!/bin/bash
# make check: every part, in order, each one's result recorded; a failing part does not hide
# the others. Ends with `check: N passed, N failed` and fails if any part failed.
# CHECK_ONLY="unit api" runs only the named parts (names as in the PARTS table below).
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
LOGDIR=build/check-logs
mkdir -p "$LOGDIR"

# Guests that can share a boot do (tests/testbed/seq.sh): the API suite + passthrough + multi-PF
# (two PFs on one wire); Kata guide + IPAM + managed plugin, then the same with Docker 28; a VM receiving
# a VF + VFIO round trip + Kata + operator's side (IOMMU); doctor without an IOMMU + state + what a VF
# carries to the next container + metrics. guest-pair runs
# Docker 26 (Kata's two-machine test and the whole Swarm flow); Docker 20.10 on two hosts by hand:
# make check-guest-pair SUITE=tests/testbed/t-pair.sh SUITE_ARGS="20 26" [TESTBED_SWARM=20:basic].
# What each part costs on this 2-core machine is in the README (make check section). To stay
# under an hour: fuzz-short gives each target 12 s here (make fuzz-short alone: 20 s, make fuzz:
# longer), and valgrind runs the API, hostile-input and fault suites (ASan runs all six).
# name | command. Guest suites: TESTBED_NICS / TESTBED_IOMMU as each needs.
PARTS=(
	"build|$MAKE all"
	"unit|$MAKE unit"
	"unit-asan|$MAKE unit-asan"
	"valgrind-spec|$MAKE valgrind-spec"
	"static|$MAKE static"
	"fuzz-short|$MAKE fuzz-short FUZZ_SHORT_SECONDS=12"
	"host-api|$MAKE check-host-api"
	"host-api-asan|$MAKE check-host-asan"
	"host-valgrind|$MAKE check-host-valgrind HOST_SUITES='api hostile faults'"
	"testbed-setup|$MAKE testbed-setup"
	"testbed-selftest|$MAKE testbed-selftest"
	"guest-api|env TESTBED_NICS=2 TESTBED_HUB=1 TESTBED_TIMEOUT=2400 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='t-api.sh t-passthrough.sh t-multipf.sh'"
	"guest-docker|$MAKE managed-plugin && env TESTBED_TIMEOUT=3000 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='t-docker.sh t-ipam.sh t-managed.sh \"TESTBED_DOCKER=28 t-docker.sh compose=28\" \"TESTBED_DOCKER=28 t-ipam.sh\"'"
	"guest-kata|env TESTBED_IOMMU=1 TESTBED_TIMEOUT=3000 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='t-katavm.sh t-vfio.sh t-kata.sh t-ops.sh'"
	"guest-state|env TESTBED_TIMEOUT=2400 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='\"t-ops.sh doctor\" t-state.sh t-vfreuse.sh t-metrics.sh'"
	"guest-reboot|bash tests/testbed/host-reboot.sh"
	"guest-systemd|$MAKE check-guest-systemd"
	"guest-realhost|env TESTBED_IOMMU=1 TESTBED_TIMEOUT=2400 $MAKE check-guest SUITE=tests/testbed/t-realhost.sh"
	"guest-pair|env TESTBED_IOMMU=1 TESTBED_TIMEOUT=3300 $MAKE check-guest-pair SUITE=tests/testbed/t-pair.sh SUITE_ARGS=26"
)

passed=0; failed=0; failed_names=()
start_all=$(date +%s)
for part in "${PARTS[@]}"; do
	name=${part%%|*}; cmd=${part#*|}
	if [ -n "${CHECK_ONLY:-}" ] && [[ " $CHECK_ONLY " != *" $name "* ]]; then continue; fi
	echo "=== check part: $name ($cmd)"
	t0=$(date +%s)
	bash -c "$cmd" 2>&1 | tee "$LOGDIR/$name.log"
	rc=${PIPESTATUS[0]}
	t=$(($(date +%s) - t0))
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1)); echo "=== part $name: PASS (${t}s)"
	else
		failed=$((failed + 1)); failed_names+=("$name"); echo "=== part $name: FAIL (exit $rc, ${t}s)"
	fi
done
echo "=== total time $(($(date +%s) - start_all))s"
[ $failed -gt 0 ] && echo "failed parts: ${failed_names[*]}"
echo "check: $passed passed, $failed failed"
[ $failed -eq 0 ]
