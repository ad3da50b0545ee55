#!/bin/bash
# Guest suite (issue 22): counters, pools, API calls and events of real igb VFs under dockerd.
# Two containers on VFs ping each other a known number of times; /metrics (--metrics-addr) and
# `status --json` show per-endpoint counters that grew by at least that many, labelled with the
# right PF, VF, network and endpoint; the pool gauges match `ip link show PF`; after docker rm
# the endpoint's series are gone and the pool is back; the API call counters match the calls the
# plugin's log shows; promtool accepts the live page; each VF handed out or given back is one
# event line with its fields.
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
LOG_FROM=$(($(wc -l < "$TB_PLUGIN_LOG" 2>/dev/null || echo 0) + 1))
tb_start_plugin --log-level debug --reclaim-interval 5 --metrics-addr 127.0.0.1:9464 || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || exit 1
scrape() { $Q fetch "$URL" "/scratch/metrics-$1.txt"; }
val() { local page=/scratch/metrics-$1.txt; shift; $Q value "$page" "$@"; }
status_json() { "$BIN" status --json --socket "$TB_PLUGIN_SOCK" > "/scratch/mstatus-$1.json"; }
# vf and counter of an endpoint in a status --json: ep_field FILE EP KEY (counters.KEY or KEY)
ep_field() {
	"$TB_PY" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for n in v["networks"]:
    for e in n["endpoint_list"]:
        if e["id"] == sys.argv[2]:
            c = e.get("counters") or {}
            k = sys.argv[3]
            print(c.get(k) if k in c else e.get(k))
            sys.exit(0)
print("none")' "$@"
}
# VFs of PF that `ip link show` lists with a running container's MAC as admin MAC and VLAN 100
vfs_with_mac() {
	local macs c
	macs=$(for c in $($D ps -q); do $D inspect -f '{{(index .NetworkSettings.Networks "mnet").MacAddress}}' "$c"; done)
	ip -j link show "$PF" | "$TB_PY" -c 'import json, sys
macs = set(sys.argv[1].split())
vfs = json.load(sys.stdin)[0].get("vfinfo_list", [])
print(sum(1 for v in vfs if v.get("address") in macs and (v.get("vlan_list") or [{}])[0].get("vlan") == 100))' "$macs"
}
vfs_listed() { ip -j link show "$PF" | "$TB_PY" -c 'import json, sys; print(len(json.load(sys.stdin)[0].get("vfinfo_list", [])))'; }

tb_check "metrics page before any network" scrape empty
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

for pair in "m1 $EP1" "m2 $EP2"; do
	set -- $pair
	c=$1 ep=$2
	vf=$(ep_field /scratch/mstatus-after.json "$ep" vf)
	pci=$(ep_field /scratch/mstatus-after.json "$ep" vf_pci)
	tb_check_eq "$c: its VF in status is the one the plugin recorded" "$vf" "$(tb_state /var/lib/sriov-plugin endpoints | "$TB_PY" -c '
import json, sys
print(next(e["vf"] for e in json.load(sys.stdin) if e["id"] == sys.argv[1]))' "$ep")"
	L="pf=$PF vf=$vf pci=$pci network=$NET endpoint=$ep vlan=100 source=netdev"
	for dir in rx tx; do
		b=$(val before sriov_vf_${dir}_packets_total $L); a=$(val after sriov_vf_${dir}_packets_total $L)
		tb_check "$c /metrics: ${dir} packets grew by >= $PINGS, labelled with its PF/VF/network/endpoint ($b -> $a)" \
			test "$((a - b))" -ge $PINGS
		b=$(ep_field /scratch/mstatus-before.json "$ep" ${dir}_packets)
		a=$(ep_field /scratch/mstatus-after.json "$ep" ${dir}_packets)
		tb_check "$c status --json: ${dir}_packets grew by >= $PINGS ($b -> $a)" test "$((a - b))" -ge $PINGS
	done
	b=$(val before sriov_vf_rx_bytes_total $L); a=$(val after sriov_vf_rx_bytes_total $L)
	tb_check "$c /metrics: rx bytes grew by >= $PINGS x 98 ($b -> $a)" test "$((a - b))" -ge $((PINGS * 98))
done
tb_check "status table: the endpoints' traffic and the pool" sh -c "'$BIN' status --socket '$TB_PLUGIN_SOCK' |
	grep -q 'VFs in use 2, free' && '$BIN' status --socket '$TB_PLUGIN_SOCK' | grep -q '${EP2:0:12} .* netdev eth0 in its sandbox'"

tb_check_eq "in-use gauge = VFs with an admin MAC in ip link show $PF" "$(vfs_with_mac)" \
	"$(val after sriov_pf_vfs pf=$PF state=in_use)"
tb_check_eq "two VFs in use" 2 "$(val after sriov_pf_vfs pf=$PF state=in_use)"
tb_check_eq "enabled gauge = VFs ip link show $PF lists" "$(vfs_listed)" "$(val after sriov_pf_vfs_enabled pf=$PF)"
tb_check_eq "in_use + free + foreign + unusable + released = enabled" "$(vfs_listed)" "$( \
	for s in in_use free foreign unusable released; do val after sriov_pf_vfs pf=$PF state=$s; done | paste -sd+ | bc)"
tb_check_eq "network endpoints gauge" 2 "$(val after sriov_network_endpoints network=$NET pf=$PF)"
if [ -x "$PROMTOOL" ]; then
	tb_check "promtool check metrics on the live page" sh -c "'$PROMTOOL' check metrics < /scratch/metrics-after.txt"
else
	tb_fail "promtool check metrics: no promtool at $PROMTOOL (scripts/promtool.sh fetches it on the host)"
fi

echo "# docker rm m1: its series go, the pool goes back"
tb_check "docker rm -f m1" tb_rm_each m1
tb_check "page after docker rm" scrape gone
tb_check_eq "no series names m1's endpoint any more" 0 "$($Q series /scratch/metrics-gone.txt "" endpoint=$EP1)"
tb_check "m2's series are still there" test "$($Q series /scratch/metrics-gone.txt sriov_vf_rx_packets_total endpoint=$EP2)" = 1
tb_check_eq "in-use gauge back to 1" 1 "$(val gone sriov_pf_vfs pf=$PF state=in_use)"
tb_check_eq "in-use gauge = VFs with an admin MAC in ip link show $PF" "$(vfs_with_mac)" "$(val gone sriov_pf_vfs pf=$PF state=in_use)"
tb_check_eq "network endpoints gauge back to 1" 1 "$(val gone sriov_network_endpoints network=$NET pf=$PF)"

echo "# API calls: counted as the plugin's log shows them"
tb_check "page for the calls" scrape calls
# every request the plugin read is one debug line "POST /Method (N bytes)"; none of the page's
# own GETs go through the plugin's socket
sed -n "${LOG_FROM},\$p" "$TB_PLUGIN_LOG" | grep -oE 'debug POST /[A-Za-z]+\.[A-Za-z]+ \(' |
	sed -E 's/debug POST \/(.*) \(/\1/' | sort | uniq -c > /scratch/calls-log.txt
while read -r n method; do
	got=0
	for o in ok internal invalid not_found conflict exhausted busy; do
		v=$(val calls sriov_api_requests_total method=$method outcome=$o 2>/dev/null) || v=0
		got=$((got + v))
	done
	tb_check_eq "$method: $n calls in the log, $n counted" "$n" "$got"
done < /scratch/calls-log.txt
tb_check_eq "2 CreateEndpoint counted ok" 2 "$(val calls sriov_api_requests_total method=NetworkDriver.CreateEndpoint outcome=ok)"
tb_check_eq "1 DeleteEndpoint counted ok" 1 "$(val calls sriov_api_requests_total method=NetworkDriver.DeleteEndpoint outcome=ok)"
tb_check_eq "2 VF set-ups timed" 2 "$(val calls sriov_vf_setup_duration_seconds_count)"
tb_check_eq "1 VF reset timed" 1 "$(val calls sriov_vf_reset_duration_seconds_count)"

echo "# events: one structured line each"
VF1=$(ep_field /scratch/mstatus-after.json "$EP1" vf)
tb_check "m1's VF handed out: one line with its fields" grep -qE \
	"event=handed_out network=$NET endpoint=$EP1 pf=$PF pf_pci=[0-9a-f:.]+ vf=$VF1 vf_pci=" "$TB_PLUGIN_LOG"
tb_check "m1's VF reset: one line" grep -qE "event=reset network=$NET endpoint=$EP1 pf=$PF .* vf=$VF1 " "$TB_PLUGIN_LOG"
tb_check "m1's VF given back: one line" grep -qE "event=given_back network=$NET endpoint=$EP1 pf=$PF .* vf=$VF1 " "$TB_PLUGIN_LOG"
tb_check_eq "handed_out events counted" 2 "$(val calls sriov_vf_events_total event=handed_out)"
tb_check "sweeps run and counted (every 5 s)" test "$(val calls sriov_sweeps_total)" -ge 1

tb_check "docker rm -f m2" tb_rm_each m2
tb_check "network rm" tb_net_rm mnet
tb_check "plugin stops on SIGTERM" tb_stop_plugin
tb_stop_dockerd
tb_summary || { tail -30 "$TB_PLUGIN_LOG"; exit 1; }
