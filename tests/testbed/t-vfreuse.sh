#!/bin/bash
# tests/testbed/t-vfreuse.sh: what one container leaves on a VF for the next (issue 25).
#   1. A container on a trust=on network changes its own MAC (as bonding, keepalived or a VM in
#      the container do): the PF then reports that MAC for the VF. After 3 sweeps the endpoint is
#      still recorded and `status` shows the VF owned; `docker rm` resets the VF (VLAN, trust,
#      spoof check, admin MAC as before), and the next container's VF is clean (its saved
#      "before" settings are the VF's own, not the first network's leftovers).
#   2. A network with mtu=1400, then one that leaves MTU alone on the same VF: the second
#      container's eth0 has the VF's own MTU again (1500), and the VF netdev is back at 1500 on
#      the host after each `docker rm`.
# Both pin one VF (vfs=0) so that the next container gets the VF the first one used.
# Run: make check-guest SUITE=tests/testbed/t-vfreuse.sh (make check: in guest-state's boot)
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=$TB_DOCKER
STATE=/var/lib/sriov-plugin
tb_check "modules load" tb_load_modules
tb_check "as after a new boot (what earlier suites of this boot left is undone)" tb_like_new_boot
PF=$(tb_pfs | head -1)
[ -n "$PF" ] || { tb_summary; exit 1; }
tb_check "$PF up" tb_pf_up "$PF"
tb_check "$PF: 7 VFs with netdevs" tb_enable_vfs "$PF" 7
VF0_MAC=$(tb_vf_get "$PF" 0 mac)
VF0_MTU=$(ip -j link show "$(tb_vf_netdev "$PF" 0)" | jq -r '.[0].mtu')
tb_log "VF 0 before: admin MAC $VF0_MAC, netdev MTU $VF0_MTU"
# (not in tb_check: its $(...) subshell would keep the PIDs these set)
tb_start_plugin --log-level debug --reclaim-interval 2 || { tb_fail "plugin started"; tb_summary; exit 1; }
tb_start_dockerd || { tb_fail "dockerd started"; tb_summary; exit 1; }
tb_check "busybox image" tb_import_busybox

cpid() { $D inspect -f '{{.State.Pid}}' "$1"; }
ct_mac() { nsenter -t "$(cpid "$1")" -n ip -j link show eth0 | jq -r '.[0].address'; }
ct_mtu() { nsenter -t "$(cpid "$1")" -n ip -j link show eth0 | jq -r '.[0].mtu'; }
endpoint_of() { $D inspect -f "{{(index .NetworkSettings.Networks \"$2\").EndpointID}}" "$1"; }
# ep_field ID FIELD...: a field of an endpoint's record (python expression on e), "" when none
ep_field() {
	tb_state "$STATE" endpoints | "$TB_PY" -c 'import json,sys
e=[e for e in json.load(sys.stdin) if e["id"]==sys.argv[1]]
print(eval(sys.argv[2], {"e": e[0]}) if e else "")' "$1" "$2"
}
sweeps() { grep -c "sweep done" "$TB_PLUGIN_LOG"; }
# vf0_clean: VF 0 as before the plugin: untagged, spoof check on, trust off, its admin MAC
vf0_clean() {
	[ "$(tb_vf_get "$PF" 0 vlan)" = 0 ] && [ "$(tb_vf_get "$PF" 0 trust)" = false ] &&
		[ "$(tb_vf_get "$PF" 0 spoofchk)" = true ] && [ "$(tb_vf_get "$PF" 0 mac)" = "$VF0_MAC" ]
}
vf0_netdev_mtu() { ip -j link show "$(tb_vf_netdev "$PF" 0)" | jq -r '.[0].mtu'; }

tb_log "--- 1. a trusted VF changes its own MAC"
tb_check "network trusted: trust=on, VLAN 100, VF 0 only" $D network create -d sriov --internal \
	--opt pf_iface="$PF" --opt vlanid=100 --opt trust=on --opt vfs=0 --subnet=192.168.70.0/24 trusted
tb_check "docker run t1" $D run -d --name t1 --net=trusted --ip=192.168.70.10 bb sleep 900
E1=$(endpoint_of t1 trusted)
M1=$(ct_mac t1)
tb_check_eq "t1's admin MAC (VF 0) is its eth0 MAC" "$M1" "$(tb_vf_get "$PF" 0 mac)"
tb_check_eq "VF 0 trusted" true "$(tb_vf_get "$PF" 0 trust)"
NEW=02:5e:11:22:33:44
tb_check "t1 sets its own MAC $NEW" nsenter -t "$(cpid t1)" -n ip link set eth0 address $NEW
tb_check "the PF now reports $NEW for VF 0" tb_wait 10 sh -c "[ \"\$(ip -j link show $PF | jq -r '.[0].vfinfo_list[0].address')\" = $NEW ]"
n0=$(sweeps)
tb_check "3 sweeps pass" tb_wait 60 sh -c "[ \$(grep -c 'sweep done' $TB_PLUGIN_LOG) -ge $((n0 + 3)) ]"
tb_check_eq "after 3 sweeps t1's endpoint is still recorded, ready" ready "$(ep_field "$E1" 'e["phase"]')"
tb_check_not "the plugin did not take VF 0 for lost" grep -q "endpoint ${E1:0:12}.*lost its VF" "$TB_PLUGIN_LOG"
tb_check "status shows VF 0 owned by t1's endpoint" sh -c "$TB_REPO/build/sriov-plugin status --socket $TB_PLUGIN_SOCK --json | jq -e \
	'.pfs[0].vfs[0].owner.endpoint == \"$E1\"'"
tb_check_eq "VF 0 keeps t1's VLAN 100 meanwhile" 100 "$(tb_vf_get "$PF" 0 vlan)"
tb_check "docker rm t1" $D rm -f t1
tb_check "VF 0 reset: VLAN 0, trust off, spoof check on, its admin MAC as before" tb_wait 30 vf0_clean
tb_check_eq "t1's endpoint is gone" "" "$(ep_field "$E1" 'e["id"]')"
tb_check "network plain: no trust, VLAN 200, VF 0 only" $D network create -d sriov --internal \
	--opt pf_iface="$PF" --opt vlanid=200 --opt vfs=0 --subnet=192.168.71.0/24 plain
tb_check "docker run t2 on VF 0" $D run -d --name t2 --net=plain --ip=192.168.71.10 bb sleep 900
E2=$(endpoint_of t2 plain)
tb_check_eq "t2's VF: VLAN 200, trust off, spoof check on" "200 false true" \
	"$(tb_vf_get "$PF" 0 vlan) $(tb_vf_get "$PF" 0 trust) $(tb_vf_get "$PF" 0 spoofchk)"
tb_check_eq "t2's record saved VF 0 as it was (VLAN 0, trust off, spoof check on, MAC $VF0_MAC)" \
	"0 False True $VF0_MAC" "$(ep_field "$E2" '" ".join(str(e["saved"][k]) for k in ("vlan", "trust", "spoofchk", "mac"))')"
tb_check "docker rm t2" $D rm -f t2
tb_check "VF 0 clean again" tb_wait 30 vf0_clean
tb_check "networks removed" $D network rm trusted plain

tb_log "--- 2. a network's MTU does not stay with the VF"
tb_check "network small: mtu=1400 on VF 0" $D network create -d sriov --internal \
	--opt pf_iface="$PF" --opt vlanid=300 --opt mtu=1400 --opt vfs=0 --subnet=192.168.72.0/24 small
tb_check "docker run m1" $D run -d --name m1 --net=small --ip=192.168.72.10 bb sleep 900
tb_check_eq "m1's eth0 MTU 1400" 1400 "$(ct_mtu m1)"
tb_check_eq "m1's record saved the VF's MTU" "$VF0_MTU" "$(ep_field "$(endpoint_of m1 small)" 'e["saved"].get("mtu", "")')"
tb_check "docker rm m1" $D rm -f m1
tb_check "VF 0 netdev back at MTU $VF0_MTU on the host" tb_wait 30 sh -c "[ \"\$(ip -j link show \$(ls /sys/class/net/$PF/device/virtfn0/net | head -1) | jq -r '.[0].mtu')\" = $VF0_MTU ]"
tb_check "network small removed" $D network rm small
tb_check "network anymtu: MTU left alone, VF 0" $D network create -d sriov --internal \
	--opt pf_iface="$PF" --opt vlanid=300 --opt vfs=0 --subnet=192.168.73.0/24 anymtu
tb_check "docker run m2 on VF 0" $D run -d --name m2 --net=anymtu --ip=192.168.73.10 bb sleep 900
tb_check_eq "m2's eth0 has the VF's own MTU, not the last network's" "$VF0_MTU" "$(ct_mtu m2)"
tb_check "docker rm m2" $D rm -f m2
tb_check "network anymtu removed" $D network rm anymtu
tb_stop_dockerd
tb_stop_plugin
tb_summary || { echo "--- plugin log"; tail -60 "$TB_PLUGIN_LOG"; exit 1; }
