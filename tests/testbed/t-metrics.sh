#!/bin/bash
# Guest suite (issue 22): counters, pools, API calls and events of real igb VFs under dockerd.
# Two containers on VFs ping each other a known number of times; /metrics (--metrics-addr) and
# `status --json` show per-endpoint counters that grew by at least that many, labelled with the
# right PF, VF, network and endpoint; the pool gauges match `ip link show PF`; after docker rm
# the endpoint's series are gone and the pool is back; the API call counters match the calls the
# plugin's log shows; promtool accepts the live page; each VF handed out, reset or given back is
# one event line with its fields. Python starts slowly under TCG: each page or status is read
# once (metrics_query.py get/status print shell assignments).
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
BIN=$TB_REPO/build/sriov-plugin
Q="$TB_PY $TB_REPO/tests/testbed/metrics_query.py"
URL=http://127.0.0.1:9464/metrics
PINGS=40
PROMTOOL=${PROMTOOL:-${TESTBED_DIR:-/var/tmp/sriov-testbed}/promtool/promtool}
tb_load_modules || { echo "cannot load modules"; exit 1; }
tb_like_new_boot || { echo "cannot undo an earlier suite of this boot"; exit 1; }
PF=$(tb_pfs | head -1)
[ -n "$PF" ] || { echo "no igb PF"; exit 1; }
ip link set lo up
LOG_FROM=1
[ -f "$TB_PLUGIN_LOG" ] && LOG_FROM=$(($(wc -l < "$TB_PLUGIN_LOG") + 1))
tb_start_plugin --log-level debug --reclaim-interval 5 --metrics-addr 127.0.0.1:9464 || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || exit 1
scrape() { $Q fetch "$URL" "/scratch/metrics-$1.txt"; }
status_json() { "$BIN" status --json --socket "$TB_PLUGIN_SOCK" > "/scratch/mstatus-$1.json"; }
# The VFs `ip -j link show PF` lists (N_LISTED), and those whose admin MAC is a running container's on
# mnet with VLAN 100 (N_WITH_MAC).
link_counts() {
	local macs c
	macs=$(for c in $($D ps -q); do $D inspect -f '{{(index .NetworkSettings.Networks "mnet").MacAddress}}' "$c"; done)
	ip -j link show "$PF" | "$TB_PY" -c 'import json, sys
macs = set(sys.argv[1].split())
vfs = json.load(sys.stdin)[0].get("vfinfo_list", [])
print("N_LISTED=%d" % len(vfs))
print("N_WITH_MAC=%d" % sum(1 for v in vfs if v.get("address") in macs and (v.get("vlan_list") or [{}])[0].get("vlan") == 100))' "$macs"
}

tb_check "network mnet on $PF, VLAN 100" $D network create -d sriov --opt pf_iface="$PF" --opt vlanid=100 \
	--subnet 192.168.77.0/24 mnet
NET=$($D network inspect -f '{{.Id}}' mnet)
tb_check "containers m1 and m2 on VFs" sh -c "$D run -d --name m1 --net mnet --ip 192.168.77.11 bb sleep 900 &&
	$D run -d --name m2 --net mnet --ip 192.168.77.12 bb sleep 900"
EP1=$($D inspect -f '{{(index .NetworkSettings.Networks "mnet").EndpointID}}' m1)
EP2=$($D inspect -f '{{(index .NetworkSettings.Networks "mnet").EndpointID}}' m2)
tb_check "m1 pings m2 once (ARP settled before counting)" $D exec m1 ping -c 1 -W 3 192.168.77.12
tb_check "page before the pings" scrape before
status_json before
tb_check "m1 pings m2 $PINGS times" $D exec m1 ping -c $PINGS -i 0.2 -W 3 192.168.77.12
tb_check "page after the pings" scrape after
status_json after
eval "$($Q status /scratch/mstatus-before.json "$EP1" B1; $Q status /scratch/mstatus-before.json "$EP2" B2)"
eval "$($Q status /scratch/mstatus-after.json "$EP1" A1; $Q status /scratch/mstatus-after.json "$EP2" A2)"
eval "$(tb_state /var/lib/sriov-plugin endpoints | "$TB_PY" -c 'import json, sys
for e in json.load(sys.stdin):
    if e["id"] == sys.argv[1]: print("R1=%d" % e["vf"])
    if e["id"] == sys.argv[2]: print("R2=%d" % e["vf"])' "$EP1" "$EP2")"
tb_check_eq "m1: its VF in status is the one the plugin recorded" "${R1:-?}" "$A1_vf"
tb_check_eq "m2: its VF in status is the one the plugin recorded" "${R2:-?}" "$A2_vf"
L1="pf=$PF vf=$A1_vf pci=$A1_vf_pci network=$NET endpoint=$EP1 vlan=100 source=netdev"
L2="pf=$PF vf=$A2_vf pci=$A2_vf_pci network=$NET endpoint=$EP2 vlan=100 source=netdev"
specs=()
for i in 1 2; do
	eval "L=\$L$i"
	for c in rx_packets tx_packets rx_bytes; do specs+=("M${i}_$c sriov_vf_${c}_total $L"); done
done
eval "$($Q get /scratch/metrics-before.txt "${specs[@]/#/BEFORE_}")"
eval "$($Q get /scratch/metrics-after.txt "${specs[@]/#/AFTER_}" \
	"IN_USE sriov_pf_vfs pf=$PF state=in_use" "FREE sriov_pf_vfs pf=$PF state=free" \
	"FOREIGN sriov_pf_vfs pf=$PF state=foreign" "UNUSABLE sriov_pf_vfs pf=$PF state=unusable" \
	"RELEASED sriov_pf_vfs pf=$PF state=released" "ENABLED sriov_pf_vfs_enabled pf=$PF" \
	"NET_EPS sriov_network_endpoints network=$NET pf=$PF")"
for i in 1 2; do
	for c in rx_packets tx_packets; do
		eval "b=\$BEFORE_M${i}_$c a=\$AFTER_M${i}_$c sb=\$B${i}_$c sa=\$A${i}_$c"
		tb_check "m$i /metrics: $c grew by >= $PINGS, labelled with its PF/VF/PCI/network/endpoint/VLAN ($b -> $a)" \
			test "$((a - b))" -ge $PINGS
		tb_check "m$i status --json: $c grew by >= $PINGS ($sb -> $sa)" test "$((sa - sb))" -ge $PINGS
	done
	eval "b=\$BEFORE_M${i}_rx_bytes a=\$AFTER_M${i}_rx_bytes"
	tb_check "m$i /metrics: rx bytes grew by >= $PINGS x 98 ($b -> $a)" test "$((a - b))" -ge $((PINGS * 98))
done
"$BIN" status --socket "$TB_PLUGIN_SOCK" > /scratch/mstatus-table.txt
tb_check "status table: the pool line" grep -q "VFs in use 2, free" /scratch/mstatus-table.txt
tb_check "status table: m2's traffic, from its netdev in its sandbox" \
	grep -qE "^  ${EP2:0:12} .* netdev eth0 in its sandbox" /scratch/mstatus-table.txt

eval "$(link_counts)"
tb_check_eq "in-use gauge = VFs with the containers' MACs in ip link show $PF" "$N_WITH_MAC" "$IN_USE"
tb_check_eq "two VFs in use" 2 "$IN_USE"
tb_check_eq "enabled gauge = VFs ip link show $PF lists" "$N_LISTED" "$ENABLED"
tb_check_eq "in_use + free + foreign + unusable + released = enabled" "$N_LISTED" \
	"$((IN_USE + FREE + FOREIGN + UNUSABLE + RELEASED))"
tb_check_eq "network endpoints gauge" 2 "$NET_EPS"
if [ -x "$PROMTOOL" ]; then
	tb_check "promtool check metrics on the live page" sh -c "'$PROMTOOL' check metrics < /scratch/metrics-after.txt"
else
	tb_fail "promtool check metrics: no promtool at $PROMTOOL (scripts/promtool.sh fetches it on the host)"
fi

echo "# docker rm m1: its series go, the pool goes back"
tb_check "docker rm -f m1" tb_rm_each m1
tb_check "page after docker rm" scrape gone
eval "$($Q get /scratch/metrics-gone.txt "IN_USE sriov_pf_vfs pf=$PF state=in_use" \
	"NET_EPS sriov_network_endpoints network=$NET pf=$PF" "M2_RX sriov_vf_rx_packets_total $L2")"
tb_check_eq "no series names m1's endpoint any more" 0 "$($Q series /scratch/metrics-gone.txt "" endpoint=$EP1)"
tb_check "m2's series are still there" test "$M2_RX" != none
eval "$(link_counts)"
tb_check_eq "in-use gauge back to 1" 1 "$IN_USE"
tb_check_eq "in-use gauge = VFs with the containers' MACs in ip link show $PF" "$N_WITH_MAC" "$IN_USE"
tb_check_eq "network endpoints gauge back to 1" 1 "$NET_EPS"

echo "# API calls: counted as the plugin's log shows them"
tb_check "page for the calls" scrape calls
# every request the plugin read is one debug line "POST /Method (N bytes)"; the page's own GETs
# do not go through the plugin's socket
sed -n "${LOG_FROM},\$p" "$TB_PLUGIN_LOG" | grep -oE 'debug POST /[A-Za-z]+\.[A-Za-z]+ \(' |
	sed -E 's/debug POST \/(.*) \(/\1/' | sort | uniq -c > /scratch/calls-log.txt
$Q calls /scratch/metrics-calls.txt > /scratch/calls-counted.txt
while read -r n method; do
	tb_check_eq "$method: $n calls in the log, $n counted" "$n" "$(awk -v m="$method" '$1 == m { print $2 }' /scratch/calls-counted.txt)"
done < /scratch/calls-log.txt
eval "$($Q get /scratch/metrics-calls.txt \
	"CREATE_OK sriov_api_requests_total method=NetworkDriver.CreateEndpoint outcome=ok" \
	"DELETE_OK sriov_api_requests_total method=NetworkDriver.DeleteEndpoint outcome=ok" \
	"SETUPS sriov_vf_setup_duration_seconds_count" "RESETS sriov_vf_reset_duration_seconds_count" \
	"HANDED sriov_vf_events_total event=handed_out" "SWEEPS sriov_sweeps_total")"
tb_check_eq "2 CreateEndpoint counted ok" 2 "$CREATE_OK"
tb_check_eq "1 DeleteEndpoint counted ok" 1 "$DELETE_OK"
tb_check_eq "2 VF set-ups timed" 2 "$SETUPS"
tb_check_eq "1 VF reset timed" 1 "$RESETS"
tb_check_eq "2 handed_out events counted" 2 "$HANDED"
tb_check "sweeps run and counted (every 5 s)" test "$SWEEPS" -ge 1

echo "# events: one structured line each"
tb_check "m1's VF handed out: one line with its fields" grep -qE \
	"event=handed_out network=$NET endpoint=$EP1 pf=$PF pf_pci=[0-9a-f:.]+ vf=$A1_vf vf_pci=$A1_vf_pci " "$TB_PLUGIN_LOG"
tb_check "m1's VF reset: one line" grep -qE "event=reset network=$NET endpoint=$EP1 pf=$PF .* vf=$A1_vf " "$TB_PLUGIN_LOG"
tb_check "m1's VF given back: one line" grep -qE "event=given_back network=$NET endpoint=$EP1 pf=$PF .* vf=$A1_vf " "$TB_PLUGIN_LOG"

tb_check "docker rm -f m2" tb_rm_each m2
tb_check "network rm" tb_net_rm mnet
tb_stop_plugin # not in tb_check's subshell: it waits for its own child
tb_check_eq "plugin stops on SIGTERM with exit status 0 (metrics server stopped too)" 0 "$?"
tb_stop_dockerd
tb_summary || { tail -30 "$TB_PLUGIN_LOG"; exit 1; }
