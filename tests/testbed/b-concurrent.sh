#!/bin/bash
# tests/testbed/b-concurrent.sh: guest benchmark (make bench-guest, not part of make check).
# 4 PFs x 7 VFs: 28 concurrent `docker run -d` on VFs (one sriov network per PF) and then 28
# concurrent `docker rm -f`, alternated with the same 28 on macvlan networks on the same PFs, in
# one guest run. Prints each round's times, the medians and the ratios sriov/macvlan (target:
# both <= 1.2). Absolute times under TCG swing from run to run; the ratios come from rounds
# alternated in the same boot. Every VF container is checked to hold its own VF with the admin
# MAC and the network's VLAN, and every VF to be reset after the rm; a failed check fails the run.
# Args: [ROUNDS] (default 2 per kind). TESTBED_BENCH_PFS=N uses N PFs (default 4); TESTBED_BENCH_MACVLAN=0 skips
# the macvlan rounds (to chase a VF problem faster; no ratios then). TESTBED_BENCH_LOG=debug runs
# the plugin at debug level and prints where the time went: each container's own run/rm time and
# the plugin's time per API call (the figures are then a little slower: every request is logged).
# TESTBED_BENCH_STACKS=1 also samples, every 2 s of each sriov rm burst, the kernel stacks of the
# tasks that wait (state D) and of the plugin's and dockerd's threads, into /hostout/stacks.txt.
set -u
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
ROUNDS=${1:-2}
N_PER_PF=7
NPF=${TESTBED_BENCH_PFS:-4}
MACVLAN=${TESTBED_BENCH_MACVLAN:-1}
LOG_LEVEL=${TESTBED_BENCH_LOG:-info}
STACKS=${TESTBED_BENCH_STACKS:-0}

tb_load_modules || { echo "cannot load modules"; exit 1; }
mapfile -t PFS < <(tb_pfs)
[ "${#PFS[@]}" -ge "$NPF" ] || { echo "b-concurrent: needs $NPF PFs (TESTBED_NICS=$NPF), found ${#PFS[@]}"; exit 1; }
PFS=("${PFS[@]:0:$NPF}")
IDX=$(seq 0 $((NPF - 1)))
TOTAL=$((NPF * N_PER_PF))
for pf in "${PFS[@]}"; do tb_check "$pf up" tb_pf_up "$pf"; done
tb_start_plugin --log-level "$LOG_LEVEL" || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || { echo "cannot import busybox"; exit 1; }

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { tr ' ' '\n' <<<"$*" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for i in $IDX; do
	tb_check "sriov network sr$i on ${PFS[$i]} (VLAN $((100 + i)))" \
		"$D" network create -d sriov --opt pf_iface="${PFS[$i]}" --opt vlanid=$((100 + i)) --subnet=10.10.$i.0/24 sr$i
	[ "$MACVLAN" = 1 ] && tb_check "macvlan network mv$i on ${PFS[$i]}" \
		"$D" network create -d macvlan -o parent="${PFS[$i]}" --subnet=10.20.$i.0/24 mv$i
done
declare -A ORIG_MAC
for i in $IDX; do
	for ((vf = 0; vf < N_PER_PF; vf++)); do ORIG_MAC[$i.$vf]=$(tb_vf_get "${PFS[$i]}" $vf mac); done
done

# at_once KIND ERRFILE CMD...: CMD NAME for the 28 containers of KIND (sr|mv) at once, NAME
# standing for each container's name and network ("sr2-5 sr2"); prints the seconds taken.
at_once() {
	local kind=$1 errs=$2 i n t0 pids=() rc=0
	shift 2
	t0=$(now)
	for i in $IDX; do
		for ((n = 0; n < N_PER_PF; n++)); do
			"$@" "$kind$i-$n" "$kind$i" >/dev/null 2>>"$errs" &
			pids+=($!)
		done
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	secs "$t0" "$(now)"
	return $rc
}
# each container's own time, kept per kind and step (/scratch/each.KIND.STEP: one line each)
timed() {
	local step=$1 kind=${2%%[0-9]*} t0 rc
	shift 2
	t0=$(now)
	"$@"
	rc=$?
	echo "$(secs "$t0" "$(now)")" >> "/scratch/each.$kind.$step"
	return $rc
}
run_one() { timed run "$1" "$D" run -d --name "$1" --net "$2" bb sleep 3600; }
rm_one() { timed rm "$1" "$D" rm -f "$1"; }
run_all() { at_once "$1" /scratch/bench-run.err run_one; }
rm_all() { at_once "$1" /scratch/bench-rm.err rm_one; }
# sample_stacks: while /scratch/sampling exists, every 3 s, the kernel's stacks of the tasks
# that wait (sysrq w) and of what runs on each CPU (sysrq l), into the kernel log, kept as
# /hostout/stacks.txt
sample_stacks() {
	echo 1 > /proc/sys/kernel/sysrq
	while [ -e /scratch/sampling ]; do
		echo "sample_stacks: $(date +%T.%N)" > /dev/kmsg
		echo w > /proc/sysrq-trigger
		echo l > /proc/sysrq-trigger
		sleep 3
	done
	dmesg > /hostout/stacks.txt
}
# vfs_held: every sr container's eth0 MAC is the admin MAC of a VF of its network's PF, on that
# network's VLAN, and no VF is held twice.
vfs_held() {
	local i n pid mac vf seen=" " bad=0
	for i in $IDX; do
		for ((n = 0; n < N_PER_PF; n++)); do
			pid=$("$D" inspect -f '{{.State.Pid}}' "sr$i-$n") || { bad=1; continue; }
			mac=$(nsenter -t "$pid" -n ip -j link show eth0 | jq -r '.[0].address')
			vf=$(ip -j link show "${PFS[$i]}" | jq -r --arg m "$mac" '.[0].vfinfo_list[] | select(.address == $m) | .vf')
			if [ -z "$vf" ] || [ "$(tb_vf_get "${PFS[$i]}" "$vf" vlan)" != $((100 + i)) ] || [[ "$seen" == *" $i.$vf "* ]]; then
				echo "sr$i-$n: MAC $mac VF '$vf' eth0 on $(nsenter -t "$pid" -n ethtool -i eth0 | awk '/bus-info/ { print $2 }')" >&2
				echo "  ${PFS[$i]} admin MACs: $(ip -j link show "${PFS[$i]}" | jq -r '[.[0].vfinfo_list[] | "\(.vf)=\(.address)/\(.vlan_list[0].vlan // 0)"] | join(" ")')" >&2
				echo "  plugin log on $mac:" >&2
				grep -i "$mac" "$TB_PLUGIN_LOG" | tail -8 | sed 's/^/    /' >&2
				bad=1
			fi
			seen+="$i.$vf "
		done
	done
	return $bad
}
# vfs_reset: every VF is back on VLAN 0 with the MAC it had before the first round.
vfs_reset() {
	local i vf bad=0
	for i in $IDX; do
		for ((vf = 0; vf < N_PER_PF; vf++)); do
			if [ "$(tb_vf_get "${PFS[$i]}" $vf vlan)" != 0 ] || [ "$(tb_vf_get "${PFS[$i]}" $vf mac)" != "${ORIG_MAC[$i.$vf]}" ]; then
				echo "${PFS[$i]} VF $vf: vlan $(tb_vf_get "${PFS[$i]}" $vf vlan) mac $(tb_vf_get "${PFS[$i]}" $vf mac)" >&2
				bad=1
			fi
		done
	done
	return $bad
}

# floor_burst KIND: the kernel's own part of an rm burst, with neither Docker nor the plugin: 28
# namespaces, each holding one VF netdev (KIND vf) or one macvlan on the same PFs (mv), renamed
# eth0, with an address, up; then, for all 28 at once, what dockerd does per container at rm:
# down, the old name back, moved back to the host namespace, the namespace deleted. Prints the
# seconds the burst took; fails when any step failed or a VF netdev did not come home.
floor_burst() {
	local kind=$1 i=0 pf v dev t0 pids=() rc=0 names=()
	for pf in "${PFS[@]}"; do
		for ((v = 0; v < N_PER_PF; v++)); do
			if [ "$kind" = vf ]; then dev=$(tb_vf_netdev "$pf" "$v") || return 1
			else dev=flmv$i; ip link add "$dev" link "$pf" type macvlan mode bridge || return 1; fi
			names[i]=$dev
			ip netns add "fl$i" && ip link set "$dev" netns "fl$i" && ip -n "fl$i" link set "$dev" name eth0 &&
				ip -n "fl$i" addr add "10.30.$i.2/24" dev eth0 && ip -n "fl$i" link set eth0 up || return 1
			i=$((i + 1))
		done
	done
	tb_udev_settle
	t0=$(now)
	for ((i = 0; i < TOTAL; i++)); do
		(ip -n "fl$i" link set eth0 down && ip -n "fl$i" link set eth0 name "${names[i]}" &&
			ip -n "fl$i" link set "${names[i]}" netns 1 && ip netns del "fl$i") >/dev/null 2>>/scratch/floor.err &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	secs "$t0" "$(now)"
	tb_udev_settle
	for ((i = 0; i < TOTAL; i++)); do
		[ "$kind" = mv ] && { ip link del "${names[i]}" || rc=1; }
		[ "$kind" = vf ] && { [ -e "/sys/class/net/${names[i]}" ] || rc=1; }
	done
	return $rc
}

# On a failure: the plugin's errors here, and its whole log and dockerd's in /hostout (kept on the host).
keep_logs() {
	[ "$TB_FAIL" = 0 ] && [ "$LOG_LEVEL" != debug ] && return
	echo "# plugin log, errors and warnings:"
	grep -E " (error|warn) " "$TB_PLUGIN_LOG" | tail -30
	if [ -d /hostout ] && [ -w /hostout ]; then
		cp "$TB_PLUGIN_LOG" /hostout/plugin.log
		cp "$TB_DOCKERD_LOG" /hostout/dockerd.log
		echo "# whole logs: plugin.log, dockerd.log in the run dir's out/"
	fi
}

# A warm-up of each kind (first container start pays for the image and the shim).
"$D" run --rm --net sr0 bb true >/dev/null 2>&1
"$D" run --rm --net mv0 bb true >/dev/null 2>&1

RUN_SR=() RM_SR=() RUN_MV=() RM_MV=()
for ((r = 1; r <= ROUNDS; r++)); do
	t=$(run_all sr) && tb_pass "round $r: $TOTAL docker run on VFs" || tb_fail "round $r: docker run on VFs: $(tail -3 /scratch/bench-run.err)"
	RUN_SR+=("$t")
	tb_check "round $r: each VF container holds its own VF (admin MAC, its VLAN)" vfs_held
	SAMPLER=
	if [ "$STACKS" = 1 ] && [ -d /hostout ]; then touch /scratch/sampling; sample_stacks & SAMPLER=$!; fi
	t=$(rm_all sr) && tb_pass "round $r: $TOTAL docker rm -f on VFs" || tb_fail "round $r: docker rm on VFs: $(tail -3 /scratch/bench-rm.err)"
	RM_SR+=("$t")
	[ -n "$SAMPLER" ] && { rm -f /scratch/sampling; wait "$SAMPLER"; }
	if tb_wait 30 vfs_reset; then tb_pass "round $r: every VF reset after the rm"
	else tb_fail "round $r: every VF reset after the rm: $(vfs_reset 2>&1 | tr '\n' ';')"; fi
	if [ "$MACVLAN" != 1 ]; then tb_log "round $r: run sriov ${RUN_SR[-1]} s; rm sriov ${RM_SR[-1]} s"; continue; fi
	t=$(run_all mv) && tb_pass "round $r: 28 docker run on macvlan" || tb_fail "round $r: docker run on macvlan: $(tail -3 /scratch/bench-run.err)"
	RUN_MV+=("$t")
	t=$(rm_all mv) && tb_pass "round $r: 28 docker rm -f on macvlan" || tb_fail "round $r: docker rm on macvlan"
	RM_MV+=("$t")
	tb_log "round $r: run sriov ${RUN_SR[-1]} s, macvlan ${RUN_MV[-1]} s; rm sriov ${RM_SR[-1]} s, macvlan ${RM_MV[-1]} s"
done
if [ "$MACVLAN" != 1 ]; then
	for i in $IDX; do tb_net_rm "sr$i" >/dev/null; done
	keep_logs
	tb_summary
	exit
fi
run_sr=$(median "${RUN_SR[*]}") run_mv=$(median "${RUN_MV[*]}")
rm_sr=$(median "${RM_SR[*]}") rm_mv=$(median "${RM_MV[*]}")
echo "bench-guest: 4 PFs x 7 VFs, 28 concurrent containers, median of $ROUNDS alternated rounds (TCG guest)"
printf 'bench-guest: %-22s %8s %8s %8s\n' "" "sriov" "macvlan" "ratio"
printf 'bench-guest: %-22s %8s %8s %8s   (target <= 1.2)\n' "28 x docker run -d (s)" "$run_sr" "$run_mv" \
	"$(awk -v a="$run_sr" -v b="$run_mv" 'BEGIN { printf "%.2f", a / b }')"
printf 'bench-guest: %-22s %8s %8s %8s   (target <= 1.2)\n' "28 x docker rm -f (s)" "$rm_sr" "$rm_mv" \
	"$(awk -v a="$rm_sr" -v b="$rm_mv" 'BEGIN { printf "%.2f", a / b }')"
if [ "$LOG_LEVEL" = debug ]; then
	echo "bench-guest: where the time went (all rounds; seconds per container, ms per plugin call)"
	for f in /scratch/each.*; do
		printf 'bench-guest:   each %-10s %s\n' "${f#/scratch/each.}" \
			"$(sort -g "$f" | awk '{ v[NR] = $1; s += $1 } END { printf "n %d  p50 %.2f  max %.2f  sum %.1f", NR, v[int((NR + 1) / 2)], v[NR], s }')"
	done
	sed -n 's/.*\/\(NetworkDriver\.[A-Za-z]*\) -> [0-9]* in \([0-9.]*\) ms.*/\1 \2/p' "$TB_PLUGIN_LOG" | sort -k1,1 -k2,2g |
		awk '{ n[$1]++; v[$1, n[$1]] = $2; s[$1] += $2 }
		     END { for (k in n) printf "bench-guest:   plugin %-34s n %3d  p50 %8.1f  max %8.1f  sum %9.1f ms\n", k, n[k], v[k, int((n[k] + 1) / 2)], v[k, n[k]], s[k] }'
fi
# dockerd's own endpoint count can lag after a burst of rm (moby/moby#42119): retried for 30 s
for i in $IDX; do tb_net_rm "sr$i" >/dev/null; tb_net_rm "mv$i" >/dev/null; done
# The same link operations without Docker or the plugin, alternated the same way: how much of each
# rm burst is the kernel's own work on that kind of netdev (an igbvf down resets the VF through
# the PF's mailbox; a macvlan down touches no hardware).
FL_VF=() FL_MV=()
for ((r = 1; r <= ROUNDS; r++)); do
	t=$(floor_burst vf) && tb_pass "round $r: 28 VF netdevs down and home at once, no Docker" ||
		tb_fail "round $r: VF netdevs down and home: $(tail -3 /scratch/floor.err)"
	FL_VF+=("$t")
	t=$(floor_burst mv) && tb_pass "round $r: 28 macvlans down and home at once, no Docker" ||
		tb_fail "round $r: macvlans down and home: $(tail -3 /scratch/floor.err)"
	FL_MV+=("$t")
	tb_log "round $r: link down + move home, no Docker: VF netdevs ${FL_VF[-1]} s, macvlans ${FL_MV[-1]} s"
done
fl_vf=$(median "${FL_VF[*]}") fl_mv=$(median "${FL_MV[*]}")
printf 'bench-guest: %-22s %8s %8s %8s   (the kernel alone: no Docker, no plugin)\n' "28 x link down+home (s)" \
	"$fl_vf" "$fl_mv" "$(awk -v a="$fl_vf" -v b="$fl_mv" 'BEGIN { printf "%.2f", a / b }')"
printf 'bench-guest: %-22s %8s %8s %8s   (Docker + driver/plugin on top of the kernel)\n' "rm -f minus that (s)" \
	"$(awk -v a="$rm_sr" -v b="$fl_vf" 'BEGIN { printf "%.2f", a - b }')" \
	"$(awk -v a="$rm_mv" -v b="$fl_mv" 'BEGIN { printf "%.2f", a - b }')" \
	"$(awk -v a="$rm_sr" -v b="$fl_vf" -v c="$rm_mv" -v d="$fl_mv" 'BEGIN { printf "%.2f", (a - b) / (c - d) }')"
keep_logs
tb_summary
