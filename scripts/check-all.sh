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
# A name starting with & joins the background chain: those parts run one after another, in the
# order listed, at nice 10 beside the foreground parts that follow, and are waited for at "wait"
# (their logs printed then). A TCG guest leaves part of the two cores idle; the host suites (one
# netns set, one chain: they never run beside each other) take that part and yield to the guest
# (at nice 0 beside guest-api alone they slowed it by 80%: 741 s instead of 406).
PARTS=(
	"build|$MAKE all"
	"unit|$MAKE unit"
	"&unit-asan|$MAKE unit-asan"
	"&valgrind-spec|$MAKE valgrind-spec"
	"&static|$MAKE static"
	"&fuzz-short|$MAKE fuzz-short FUZZ_SHORT_SECONDS=12"
	"&host-api|$MAKE check-host-api"
	"&host-api-asan|$MAKE check-host-asan"
	"&host-valgrind|$MAKE check-host-valgrind HOST_SUITES='api hostile faults'"
	"testbed-setup|$MAKE testbed-setup"
	"testbed-selftest|$MAKE testbed-selftest"
	"guest-api|env TESTBED_NICS=2 TESTBED_HUB=1 TESTBED_TIMEOUT=2400 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='t-api.sh t-passthrough.sh t-multipf.sh'"
	"guest-docker|$MAKE managed-plugin && env TESTBED_TIMEOUT=3000 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='t-docker.sh t-ipam.sh t-managed.sh \"TESTBED_DOCKER=28 t-docker.sh compose=28\" \"TESTBED_DOCKER=28 t-ipam.sh\"'"
	"guest-kata|env TESTBED_IOMMU=1 TESTBED_TIMEOUT=3000 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='t-katavm.sh t-vfio.sh t-kata.sh t-ops.sh'"
	"wait|"
	"guest-state|env TESTBED_TIMEOUT=2400 $MAKE check-guest SUITE=tests/testbed/seq.sh SUITE_ARGS='\"t-ops.sh doctor\" t-state.sh t-vfreuse.sh t-metrics.sh'"
	"guest-reboot|bash tests/testbed/host-reboot.sh"
	"guest-systemd|$MAKE check-guest-systemd"
	"guest-realhost|env TESTBED_IOMMU=1 TESTBED_TIMEOUT=2400 $MAKE check-guest SUITE=tests/testbed/t-realhost.sh"
	"guest-pair|env TESTBED_IOMMU=1 TESTBED_TIMEOUT=3300 $MAKE check-guest-pair SUITE=tests/testbed/t-pair.sh SUITE_ARGS=26"
)

# run_part NAME CMD LOG: runs it, its output to LOG (and to stdout when TEE=1); one result line
# "NAME rc seconds" appended to $RESULTS.
run_part() {
	local name=$1 cmd=$2 log=$3 t0 rc
	echo "=== check part: $name ($cmd)"
	t0=$(date +%s)
	if [ "${TEE:-1}" = 1 ]; then
		bash -c "$cmd" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		bash -c "$cmd" >"$log" 2>&1
		rc=$?
	fi
	echo "$name $rc $(($(date +%s) - t0))" >>"$RESULTS"
	report "$name" "$rc" "$(($(date +%s) - t0))"
}
report() {
	if [ "$2" = 0 ]; then echo "=== part $1: PASS (${3}s)"; else echo "=== part $1: FAIL (exit $2, ${3}s)"; fi
}
selected() { [ -z "${CHECK_ONLY:-}" ] || [[ " $CHECK_ONLY " == *" $1 "* ]]; }

RESULTS=$LOGDIR/results
: >"$RESULTS"
BG=() BG_PID=
start_all=$(date +%s)
# start_background: the chain collected so far, in a subshell of its own
start_background() {
	local p chain=("${BG[@]}")
	[ ${#chain[@]} -gt 0 ] && [ -z "$BG_PID" ] || return 0
	BG=()
	for p in "${chain[@]}"; do BG+=("${p%%|*}"); done
	echo "=== background chain: ${BG[*]} (output printed when it ends)"
	(renice -n 10 -p $BASHPID >/dev/null
	 for p in "${chain[@]}"; do TEE=0 run_part "${p%%|*}" "${p#*|}" "$LOGDIR/${p%%|*}.log" >/dev/null; done) &
	BG_PID=$!
}
join_background() {
	local name
	start_background
	[ -n "$BG_PID" ] || return 0
	wait "$BG_PID"
	for name in "${BG[@]}"; do
		echo "=== background part $name: its output"
		cat "$LOGDIR/$name.log"
		report "$name" $(awk -v n="$name" '$1 == n { print $2, $3 }' "$RESULTS")
	done
	BG=() BG_PID=
}
for part in "${PARTS[@]}"; do
	name=${part%%|*}; cmd=${part#*|}
	if [ "$name" = wait ]; then
		join_background
		continue
	fi
	if [ "${name:0:1}" = "&" ]; then
		name=${name:1}
		selected "$name" && BG+=("$name|$cmd")
		continue
	fi
	start_background # with the first foreground part after the chain
	selected "$name" || continue
	run_part "$name" "$cmd" "$LOGDIR/$name.log"
done
join_background

passed=$(awk '$2 == 0' "$RESULTS" | wc -l)
failed=$(awk '$2 != 0' "$RESULTS" | wc -l)
failed_names=$(awk '$2 != 0 { printf "%s ", $1 }' "$RESULTS")
echo "=== total time $(($(date +%s) - start_all))s"
[ "$failed" -gt 0 ] && echo "failed parts: $failed_names"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
