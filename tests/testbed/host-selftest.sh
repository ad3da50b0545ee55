#!/bin/bash
# tests/testbed/host-selftest.sh: host-side checks of scripts/testbed/run itself: the guest
# script's exit status comes back unchanged (0, 7), its arguments, environment (TESTBED_*,
# SRIOV_*), cwd and /hostout reach it, its output is streamed; a hung guest is stopped at
# TESTBED_TIMEOUT with 124 and leaves no QEMU behind (shown inside run-pair); a guest that cannot boot gives 125 with
# the kernel log; a missing test bed or script fails loudly; run-pair returns both guests'
# statuses and stops a hung one at its timeout.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=$REPO/scripts/testbed/run
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
nok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1  [expected '$2', got '$3']"; fi; }
T=$(mktemp -d /tmp/tb-host-selftest.XXXXXX)
trap 'rm -rf "$T"' EXIT

cat > "$T/exit0.sh" <<'G'
echo "guest-says-hello uptime=$(cut -d' ' -f1 /proc/uptime)"
exit 0
G
cat > "$T/exit7.sh" <<'G'
bad=
[ "$#" = 3 ] || bad="$bad argc=$#"
[ "${1-}" = "a b" ] || bad="$bad arg1=${1-}"
[ "${2-}" = '$x "q"' ] || bad="$bad arg2=${2-}"
[ "${3-}" = "" ] || bad="$bad arg3=${3-}"
[ "${SRIOV_SELFTEST-}" = "s p a c e" ] || bad="$bad SRIOV_SELFTEST=${SRIOV_SELFTEST-}"
[ "${TESTBED_SELFTEST-}" = "x;y" ] || bad="$bad TESTBED_SELFTEST=${TESTBED_SELFTEST-}"
[ -z "${OTHER_SELFTEST-}" ] || bad="$bad OTHER_SELFTEST leaked"
[ "$(id -u)" = 0 ] || bad="$bad uid=$(id -u)"
[ -n "${BASH_VERSION-}" ] || bad="$bad not-bash"
echo "cwd=$PWD" > /hostout/marker
[ -z "$bad" ] || { echo "guest saw:$bad"; exit 3; }
exit 7
G
cat > "$T/hang.sh" <<'G'
echo hanging
while :; do sleep 1000; done
G

echo "# exit 0 and output streaming"
t0=$(date +%s)
out=$("$RUN" "$T/exit0.sh" 2>"$T/err0"); rc=$?
expect_eq "exit 0 comes back as 0" 0 "$rc"
case "$out" in *guest-says-hello*) ok "guest output reaches stdout";; *) nok "guest output reaches stdout [got '$out']";; esac
echo "# boot + exit took $(($(date +%s) - t0)) s; guest: $out"

echo "# exit 7, arguments, environment, cwd, /hostout"
mkdir -p "$T/out"
out=$(cd "$T" && SRIOV_SELFTEST="s p a c e" TESTBED_SELFTEST="x;y" OTHER_SELFTEST=1 TESTBED_OUT="$T/out" \
	"$RUN" "$T/exit7.sh" "a b" '$x "q"' "" 2>"$T/err7"); rc=$?
expect_eq "exit 7 comes back as 7 (args and env arrived intact)" 7 "$rc"
[ "$rc" = 3 ] && echo "# $out"
expect_eq "/hostout is TESTBED_OUT, writable, cwd kept" "cwd=$T" "$(cat "$T/out/marker" 2>&1)"

echo "# usage error and missing test bed fail loudly without booting"
"$RUN" "$T/nonexistent.sh" >/dev/null 2>&1; rc=$?
expect_eq "unreadable guest script: exit 2" 2 "$rc"
mkdir -p "$T/empty"
err=$(TESTBED_DIR="$T/empty" "$RUN" "$T/exit0.sh" 2>&1 >/dev/null); rc=$?
expect_eq "no kernel in TESTBED_DIR: exit 125" 125 "$rc"
case "$err" in *setup*) ok "missing kernel message names the setup";; *) nok "missing kernel message [got '$err']";; esac

echo "# a guest that cannot boot: 125 with the kernel log"
err=$(TESTBED_KARGS="tb.stage2=/nonexistent/stage2" "$RUN" "$T/exit0.sh" 2>&1 >/dev/null); rc=$?
expect_eq "stage 2 missing: exit 125" 125 "$rc"
case "$err" in *"last kernel log lines"*"Linux version"*) ok "kernel log printed on boot failure";;
	*) nok "kernel log printed on boot failure [got '$(printf '%s' "$err" | tail -c 300)']";; esac
dir=$(printf '%s\n' "$err" | sed -n 's/.*run dir kept: //p' | tail -1)
[ -n "$dir" ] && rm -rf "$dir"

# A hung guest is shown once, inside the pair (each guest of run-pair is a plain run): that covers
# run's own timeout too and saves a whole boot plus 60 s of waiting in make check.
echo "# run-pair: both statuses come back, a hang in one guest is killed at its timeout"
cat > "$T/pair-a.sh" <<'G'
modprobe virtio_net
n=$(ls -d /sys/bus/pci/drivers/virtio-pci/*/virtio*/net/* 2>/dev/null | wc -l)
echo "pair-a role=${TESTBED_PAIR_ROLE-} self=${TESTBED_PAIR_SELF-} peer=${TESTBED_PAIR_PEER-} ctl=$n"
[ "${TESTBED_PAIR_ROLE-}" = a ] && [ "${TESTBED_PAIR_PEER-}" = 10.99.0.2 ] && [ "$n" = 1 ] || exit 3
exit 0
G
t0=$(date +%s)
TESTBED_TIMEOUT=90 "$REPO/scripts/testbed/run-pair" "$T/pair-a.sh" "$T/hang.sh" >"$T/outp" 2>&1; rc=$?
took=$(($(date +%s) - t0))
expect_eq "pair: a exits 0, b hangs: run-pair exits with b's 124" 124 "$rc"
expect_eq "pair: both statuses reported" 1 "$(grep -c 'guest a exit 0, guest b exit 124' "$T/outp")"
if grep -q '^\[a\] pair-a role=a self=10.99.0.1 peer=10.99.0.2 ctl=1' "$T/outp" && grep -q '^\[b\] hanging' "$T/outp"; then
	ok "pair: each guest's output, prefixed; a saw its role, addresses and control NIC"
else
	nok "pair: prefixed output [$(tail -c 400 "$T/outp")]"
fi
if [ "$took" -ge 90 ] && [ "$took" -le 120 ]; then ok "pair: done ${took} s after start (90 s timeout)"; else nok "pair: took ${took} s (90 s timeout)"; fi
dir=$(sed -n 's/^\[b\] .*run dir kept: //p' "$T/outp" | tail -1)
if [ -n "$dir" ] && [ -d "$dir" ]; then ok "pair: b's run dir kept after its timeout"; else nok "pair: b's run dir kept after its timeout ('$dir')"; fi
if [ -n "$dir" ] && ! pgrep -f -- "$dir" >/dev/null; then ok "pair: no QEMU left for b"; else nok "pair: QEMU left for b ('$dir')"; fi
[ -n "$dir" ] && rm -rf "$dir"
"$REPO/scripts/testbed/run-pair" "$T/exit0.sh" >/dev/null 2>&1; rc=$?
expect_eq "pair: one script only: exit 2" 2 "$rc"
TESTBED_WIRE="1,x" "$RUN" "$T/exit0.sh" >/dev/null 2>&1; rc=$?
expect_eq "a cable that is no port pair: exit 2" 2 "$rc"

echo "host-selftest: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
