#!/bin/bash
# Guest suite: one Docker network served by two PFs (TESTBED_NICS=2 TESTBED_HUB=1: both igb PFs
# on one wire, as the two ports of a NIC cabled to one VLAN trunk). With pf_policy=spread (the
# default) 14 containers get 7 VFs of each PF, each with Docker's MAC as its admin MAC and the
# network's VLAN, and they ping each other across the PFs; with pf_policy=fill the first PF's 7
# VFs go first. Then the second PF's driver is unbound: status reports the endpoint that was on it,
# the first PF's containers keep working and new ones still start; once the PF is back, its VFs
# serve again.
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
BIN=${PLUGIN_BIN:-$TB_REPO/build/sriov-plugin}
tb_load_modules || { echo "cannot load modules"; exit 1; }
PF1=$(tb_pfs | sed -n 1p)
PF2=$(tb_pfs | sed -n 2p)
[ -n "$PF2" ] || { tb_fail "two igb PFs (TESTBED_NICS=2), found: $(tb_pfs | tr '\n' ' ')"; tb_summary; exit 1; }
PCI1=$(tb_pf_pci "$PF1")
PCI2=$(tb_pf_pci "$PF2")
tb_log "PF1 $PF1 ($PCI1), PF2 $PF2 ($PCI2)"
tb_stop_leftovers
tb_start_plugin --log-level debug --reclaim-interval 5 || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || { echo "cannot import busybox"; exit 1; }

cpid() { $D inspect -f '{{.State.Pid}}' "$1"; }
in_ct() { local p; p=$(cpid "$1"); shift; nsenter -t "$p" -n "$@"; }
ct_mac() { in_ct "$1" ip -o link show eth0 | sed -n "s/.*link\/ether \([0-9a-f:]*\).*/\1/p"; }
ct_ip() { $D inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
# vf_of PF MAC -> the VF index of PF whose admin MAC is MAC ("" if none)
vf_of() {
	ip -j link show "$1" 2>/dev/null | "$TB_PY" -c 'import json,sys
m=sys.argv[1]
print(next((v["vf"] for v in json.load(sys.stdin)[0].get("vfinfo_list",[]) if v["address"]==m), ""))' "$2"
}
# pf_of NAME -> 1 or 2: the PF one of whose VFs carries the container's MAC as admin MAC ("" if none)
pf_of() {
	local mac
	mac=$(ct_mac "$1")
	[ -n "$mac" ] || return 0
	[ -n "$(vf_of "$PF1" "$mac")" ] && { echo 1; return; }
	[ -n "$(vf_of "$PF2" "$mac")" ] && echo 2
}
# check_vf NAME NET VLAN: the container's eth0 is an igbvf VF with Docker's MAC as admin MAC, on VLAN
check_vf() {
	local c=$1 mac pf vf
	mac=$(ct_mac "$c")
	tb_check_eq "$c eth0 MAC = Docker's endpoint MAC" \
		"$($D inspect -f "{{(index .NetworkSettings.Networks \"$2\").MacAddress}}" "$c")" "$mac"
	tb_check_eq "$c eth0 is an igbvf VF" igbvf "$(in_ct "$c" ethtool -i eth0 | awk '/^driver:/{print $2}')"
	pf=$(pf_of "$c")
	tb_check "$c's MAC is the admin MAC of a VF of $PF1 or $PF2 (PF '$pf')" test -n "$pf"
	[ -n "$pf" ] || return 0
	eval "pf=\$PF$pf"
	vf=$(vf_of "$pf" "$mac")
	tb_check_eq "$c: VF $vf of $pf is on VLAN $3" "$3" "$(tb_vf_get "$pf" "$vf" vlan)"
}
status_json() { "$BIN" status --json; }
# owners_on PCI -> how many VFs of that PF status shows with an owner
owners_on() {
	status_json | "$TB_PY" -c 'import json,sys
pci=sys.argv[1]
s=json.load(sys.stdin)
n=0
for p in s.get("pfs",[]):
    if p.get("pci")==pci:
        n+=sum(1 for v in p.get("vfs",[]) if v.get("owner"))
print(n)' "$1"
}

# --- spread (the default): 14 containers, 7 per PF, balanced at every step
tb_check "docker network create on two PFs (pf_iface=$PF1,$PF2, VLAN 200)" \
	$D network create -d sriov --internal --opt pf_iface="$PF1,$PF2" --opt vlanid=200 \
	--subnet=192.168.70.0/24 mpnet
n1=0; n2=0; balanced=yes; order=
for k in $(seq 1 14); do
	if ! $D run -d --name m$k --net=mpnet --ip=192.168.70.$((10 + k)) bb sleep 1800 >/dev/null 2>/scratch/run.err; then
		tb_fail "docker run m$k: $(tail -c 300 /scratch/run.err)"
		continue
	fi
	p=$(pf_of m$k)
	order="$order$p"
	case "$p" in 1) n1=$((n1 + 1)) ;; 2) n2=$((n2 + 1)) ;; esac
	d=$((n1 - n2)); [ "${d#-}" -le 1 ] || balanced="no (after m$k: $n1 on PF1, $n2 on PF2)"
done
tb_log "spread: PF of m1..m14 in order: $order"
tb_check_eq "spread: 7 containers on PF1's VFs" 7 "$n1"
tb_check_eq "spread: 7 containers on PF2's VFs" 7 "$n2"
tb_check_eq "spread: the PFs stay balanced at every docker run" yes "$balanced"
out=$($D run -d --name m15 --net=mpnet bb sleep 1800 2>&1)
tb_check_not "a 15th container is refused (14 VFs, all in use)" \
	$D inspect -f '{{if .State.Running}}x{{else}}{{exit}}{{end}}' m15
tb_log "15th container: $out"
tb_check "the refusal names both PFs" bash -c "grep -q 'PF $PF1: all 7 VFs in use' <<<\"\$1\" && grep -q 'PF $PF2: all 7 VFs in use' <<<\"\$1\"" _ "$out"
$D rm -f m15 >/dev/null 2>&1
for k in $(seq 1 14); do check_vf m$k mpnet 200; done
# one container on each PF pings every other container, across the wire and within its own PF
on1=; on2=
for k in $(seq 1 14); do
	case "$(pf_of m$k)" in 1) on1=${on1:-m$k} ;; 2) on2=${on2:-m$k} ;; esac
done
for src in $on1 $on2; do
	bad=
	for k in $(seq 1 14); do
		[ "m$k" = "$src" ] && continue
		$D exec "$src" ping -c 1 -W 3 "192.168.70.$((10 + k))" >/dev/null 2>&1 ||
			$D exec "$src" ping -c 2 -W 3 "192.168.70.$((10 + k))" >/dev/null 2>&1 || bad="$bad m$k"
	done
	tb_check_eq "$src (PF$(pf_of "$src")) pings the 13 others, on both PFs" "" "$bad"
done
tb_check_eq "status: 7 VFs of PF1 owned" 7 "$(owners_on "$PCI1")"
tb_check_eq "status: 7 VFs of PF2 owned" 7 "$(owners_on "$PCI2")"
tb_check "docker rm the 14" tb_rm_each $(seq -f 'm%g' 1 14)
tb_wait 60 sh -c "[ \$($TB_PY $TB_STATE_PY ${SRIOV_STATE_DIR:-/var/lib/sriov-plugin} endpoints count) = 0 ]"
tb_check "docker network rm mpnet" tb_net_rm mpnet

# --- fill: PF1's 7 VFs first, then PF2
tb_check "docker network create pf_policy=fill (VLAN 201)" \
	$D network create -d sriov --internal --opt pf_iface="$PF1,$PF2" --opt pf_policy=fill \
	--opt vlanid=201 --subnet=192.168.71.0/24 fpnet
order=
for k in $(seq 1 8); do
	$D run -d --name f$k --net=fpnet --ip=192.168.71.$((10 + k)) bb sleep 1800 >/dev/null 2>/scratch/run.err ||
		tb_fail "docker run f$k: $(tail -c 300 /scratch/run.err)"
	order="$order$(pf_of f$k)"
done
tb_check_eq "fill: f1..f7 on PF1, f8 on PF2" 11111112 "$order"
for k in 1 8; do check_vf f$k fpnet 201; done
tb_check "f1 (PF1) pings f8 (PF2)" $D exec f1 ping -c 2 -W 3 192.168.71.18

# --- PF2's driver unbound: its endpoint reported, PF1's containers keep working, new ones start
tb_check "unbind igb from PF2 ($PCI2)" sh -c "echo $PCI2 > /sys/bus/pci/drivers/igb/unbind"
tb_wait 10 sh -c "! ls /sys/bus/pci/devices/$PCI2/net >/dev/null 2>&1"
st=$(status_json 2>&1)
echo "$st" > /scratch/status-pf2-gone.json
tb_check "status --json answers with PF2 gone" "$TB_PY" -c 'import json,sys; json.loads(sys.argv[1])' "$st"
# status_pf2 STATUS_JSON: the endpoints on PF2 as status shows them, "ID:pf_state:phase" a line
status_pf2() {
	"$TB_PY" -c 'import json, sys
s = json.loads(sys.argv[1])
for n in s.get("networks", []):
    for e in n.get("endpoint_list", []):
        if e.get("pf_pci") == sys.argv[2]:
            print("%s:%s:%s" % (e.get("id", "")[:12], e.get("pf_state"), e.get("phase")))' "$1" "$PCI2"
}
F8=$($D inspect -f '{{(index .NetworkSettings.Networks "fpnet").EndpointID}}' f8)
tb_check_eq "status: f8's endpoint is on PF2, whose netdev is gone" "${F8:0:12}:no netdev:ready" "$(status_pf2 "$st")"
# the sweep (every 5 s) must not take a PF being unbound for VFs re-created: still reported later
sleep 12
st=$(status_json 2>&1)
tb_check_eq "status 12 s later (two sweeps): f8's endpoint still reported on PF2" "${F8:0:12}:no netdev:ready" \
	"$(status_pf2 "$st")"
tb_check "status --json's network fpnet lists PF2 as not there" "$TB_PY" -c 'import json, sys
s = json.loads(sys.argv[1])
n = next(n for n in s["networks"] if n.get("id", "").startswith(sys.argv[3]))
assert any(p.get("pci") == sys.argv[2] and p.get("state") != "ok" for p in n.get("pfs", [])), n.get("pfs")' \
	"$st" "$PCI2" "$($D network inspect -f '{{.Id}}' fpnet)"
tb_check "f1 still pings f2 (both on PF1)" $D exec f1 ping -c 2 -W 3 192.168.71.12
tb_check "docker rm f2 (PF1)" tb_rm_each f2
tb_check "docker run f9 with PF2 gone" $D run -d --name f9 --net=fpnet --ip=192.168.71.19 bb sleep 1800
tb_check_eq "f9 on PF1" 1 "$(pf_of f9)"
check_vf f9 fpnet 201
tb_check "f9 pings f1" $D exec f9 ping -c 2 -W 3 192.168.71.11
tb_check "docker rm f8 (its VF went with PF2)" tb_rm_each f8
st=$(status_pf2 "$(status_json)")
tb_log "PF2's endpoints after docker rm f8: ${st:-none}"
tb_check "no endpoint in use on PF2 after docker rm f8 (gone, or kept released until PF2 is back)" \
	bash -c '! grep -q ":ready$" <<<"$1"' _ "$st"

# --- PF2 back: its VFs serve again
tb_check "bind igb to PF2 again" sh -c "echo $PCI2 > /sys/bus/pci/drivers/igb/bind"
tb_wait 20 sh -c "ls /sys/bus/pci/devices/$PCI2/net | grep -q ."
tb_udev_settle
PF2=$(ls "/sys/bus/pci/devices/$PCI2/net" | head -1)
tb_log "PF2 back as $PF2"
tb_check "docker run f10 (PF1 full, PF2 back)" \
	timeout 180 $D run -d --name f10 --net=fpnet --ip=192.168.71.20 bb sleep 1800
tb_check_eq "f10 on PF2" 2 "$(pf_of f10)"
check_vf f10 fpnet 201
tb_check "f10 (PF2) pings f1 (PF1)" $D exec f10 ping -c 2 -W 3 192.168.71.11

tb_rm_each $($D ps -aq)
tb_wait 60 sh -c "[ \$($TB_PY $TB_STATE_PY ${SRIOV_STATE_DIR:-/var/lib/sriov-plugin} endpoints count) = 0 ]"
tb_check_eq "no endpoint left" 0 "$(tb_state "${SRIOV_STATE_DIR:-/var/lib/sriov-plugin}" endpoints count)"
tb_check "docker network rm fpnet" tb_net_rm fpnet
tb_summary || { echo "--- plugin log"; tail -80 "$TB_PLUGIN_LOG"; echo "--- dockerd errors"; grep -iE 'level=(error|warn)' "$TB_DOCKERD_LOG" | tail -20; exit 1; }
