#!/bin/bash
# tests/testbed/t-katavm.sh: a VM receives the VF (TESTBED_IOMMU=1). Kata's path for a physical
# endpoint, done for real by tests/testbed/kata-like: container A on vfnet (vlanid=100) has its VF
# unbound, bound to vfio-pci and passed to a nested VM (QEMU inside the guest), whose agent finds
# the NIC by MAC and gives it A's address. Checked from inside that VM:
#   - its NIC has exactly the admin MAC the plugin set on the PF, which is also Docker's endpoint
#     MAC, and the address Docker gave A; A's netns is left with no interface but lo, as under Kata
#   - it pings a runc container B on another VF of the same PF and VLAN (and B pings it), and does
#     not reach container C on a VF in VLAN 200 that holds an address of A's subnet
#   - the VM killed (kill -9 of its QEMU, nothing rebinds the VF) -> docker rm A: the VF is back
#     on igbvf and reset (VLAN 0, its MAC from before, trust off, spoof check on) within 30 s,
#     with no other call; a new VM (container E) on that same VF works again
#   - a VM that hangs (SIGSTOP: its VFIO group still held) when its container is removed: status
#     shows the VF released, on vfio-pci, its group held; once the VM is killed, the next sweep
#     (every 30 s) brings the VF home and resets it
# vfio-pci is loaded before the VFs' driver, as on a host prepared for Kata (vfio-pci from
# modules-load.d): with Kata's new_id on vfio-pci, a VF probed without a named driver would land on
# vfio-pci, so giving a VF back must name its host driver.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=$TB_DOCKER
KL=$TB_REPO/tests/testbed/kata-like
BIN=$TB_REPO/build/sriov-plugin
T0=$(date +%s)
section() { tb_log "--- $* (t=$(($(date +%s) - T0))s)"; }
# eq DESC EXPECTED ACTUAL: eq that never passes on two empty values
eq() { if [ -z "$2" ]; then tb_fail "$1  [nothing to compare: expected value empty, got '$3']"; return 1; fi; tb_check_eq "$@"; }
L2_WAIT=${TESTBED_L2_WAIT:-900}

cpid() { $D inspect -f '{{.State.Pid}}' "$1"; }
docker_mac() { $D inspect -f "{{(index .NetworkSettings.Networks \"$2\").MacAddress}}" "$1"; }
docker_ip() { $D inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
driver_of() { basename "$(readlink -f "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
vf_index_of() { local i; for i in 0 1 2 3 4 5 6; do [ "$(tb_vf_pci "$PF" $i)" = "$1" ] && echo $i; done; }
# vf_clean VF: reset as the plugin promises (VLAN 0, MAC as before, spoof check on, trust off)
vf_clean() {
	[ "$(tb_vf_get "$PF" "$1" vlan)" = 0 ] && [ "$(tb_vf_get "$PF" "$1" mac)" = "${ORIG[$1]}" ] &&
	[ "$(tb_vf_get "$PF" "$1" spoofchk)" = true ] && [ "$(tb_vf_get "$PF" "$1" trust)" = false ]
}
home_and_clean() { [ "$(driver_of "$1")" = igbvf ] && ls "/sys/bus/pci/devices/$1/net/" 2>/dev/null | grep -q . && vf_clean "$2"; }
# status_vf PCI EXPR: a python expression on the VF's entry `v` of `sriov-plugin status --json`
status_vf() {
	"$BIN" status --json 2>/dev/null | "$TB_PY" -c '
import json, sys
st = json.load(sys.stdin)
v = next((v for p in st.get("pfs", []) for v in p.get("vfs", []) if v.get("pci") == sys.argv[1]), None)
print(json.dumps(v))
sys.exit(0 if v is not None and eval(sys.argv[2]) else 1)' "$1" "$2"
}

section "start"
modprobe vfio-pci && modprobe vfio_iommu_type1 # before igbvf, as on a Kata host
tb_check "modules load (vfio-pci first)" tb_load_modules
tb_check "IOMMU present (TESTBED_IOMMU=1)" test -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)"
tb_check "the L2 kernel and agent initramfs are built" test -f "${TESTBED_DIR:-/var/tmp/sriov-testbed}/l2/vmlinux.elf"
PF=$(tb_pfs | head -1)
tb_start_plugin --log-level debug || { echo "plugin did not start"; exit 1; }
tb_start_dockerd || { echo "dockerd did not start"; exit 1; }
tb_import_busybox || { echo "cannot import busybox"; exit 1; }
tb_check "network vfnet (the Kata guide's command)" \
	$D network create -d sriov --opt pf_iface="$PF" --opt vlanid=100 --subnet=192.168.0.0/24 vfnet
tb_check "network vf200 (VLAN 200)" \
	$D network create -d sriov --opt pf_iface="$PF" --opt vlanid=200 --subnet=192.168.1.0/24 vf200
for i in 0 1 2 3 4 5 6; do ORIG[$i]=$(tb_vf_get "$PF" $i mac); done
tb_check "runc container b on vfnet" $D run -d --name kb --net=vfnet --ip=192.168.0.20 bb sleep 3600
tb_check "runc container c on vf200, also holding 192.168.0.30 (A's subnet, other VLAN)" \
	$D run -d --name kc --net=vf200 --ip=192.168.1.30 --cap-add NET_ADMIN bb sleep 3600
tb_check "c: ip addr add 192.168.0.30/24" $D exec kc ip addr add 192.168.0.30/24 dev eth0
tb_check "container a on vfnet (the one a VM will take)" $D run -d --name ka --net=vfnet --ip=192.168.0.10 bb sleep 3600
A_MAC=$(docker_mac ka vfnet)

section "a's VF into a VM"
A_PCI=$("$KL" start ka)
tb_check "kata-like found a's physical endpoint and moved it to vfio-pci ($A_PCI)" test -n "$A_PCI"
A_VF=$(vf_index_of "$A_PCI")
eq "the VF is on vfio-pci" vfio-pci "$(driver_of "$A_PCI")"
eq "a's netns has no interface but lo left (as under Kata)" lo \
	"$(nsenter -t "$(cpid ka)" -n ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | paste -sd' ')"
eq "kata-like read Docker's MAC for a in its netns" "$A_MAC" "$("$KL" get ka mac)"
"$KL" wait ka "$L2_WAIT" | sed 's/^/#   /'
tb_check "the VM's agent is ready" grep -q '^AGENT-READY' /scratch/kata-like/ka.console
BOOT_A=$("$KL" get ka boot_s)
tb_fact "L2 boot (QEMU start to agent ready, VF up with its address)" "${BOOT_A:-?} s"
VM_MAC=$(sed -n 's/^AGENT nic: .* mac=\([0-9a-f:]*\) .*/\1/p' /scratch/kata-like/ka.console | head -1)
eq "the VM's NIC has the admin MAC the plugin set on the PF" "$(tb_vf_get "$PF" "$A_VF" mac)" "$VM_MAC"
eq "... which is Docker's endpoint MAC" "$A_MAC" "$VM_MAC"
eq "the VM's NIC is the VF (igbvf) with a's address" "192.168.0.10/24" \
	"$("$KL" exec ka 300 "ip -o -4 addr show | awk '\$2 != \"lo\" {print \$4}'")"
eq "PF side: VF $A_VF in VLAN 100" 100 "$(tb_vf_get "$PF" "$A_VF" vlan)"
if tb_check "the VM pings kb (another VF, same PF and VLAN)" "$KL" exec ka 300 ping -c 3 -W 3 192.168.0.20 &&
   tb_check "kb pings the VM" $D exec kb ping -c 3 -W 3 192.168.0.10; then
	# only meaningful once the VM is shown to pass traffic at all
	tb_check_not "the VM does not reach kc's 192.168.0.30 (VLAN 200)" "$KL" exec ka 300 ping -c 3 -W 2 192.168.0.30
	tb_check_not "kc does not reach the VM from VLAN 200" $D exec kc ping -c 2 -W 2 192.168.0.10
else
	tb_fail "VLAN isolation not checked: the VM passes no traffic"
fi
tb_check "status: a's VF owned by its endpoint, on vfio-pci" status_vf "$A_PCI" \
	'v["driver"] == "vfio-pci" and v["owner"] and v["owner"]["phase"] == "ready"'

section "the VM dies, then docker rm"
tb_check "kill -9 of the VM's QEMU" "$KL" kill ka
eq "nothing rebound the VF: still on vfio-pci" vfio-pci "$(driver_of "$A_PCI")"
t=$(date +%s)
tb_check "docker rm -f a" $D rm -f ka
if tb_wait 30 home_and_clean "$A_PCI" "$A_VF"; then
	tb_pass "within 30 s VF $A_VF is back on igbvf and reset, with no other call ($(($(date +%s) - t)) s)"
else
	tb_fail "VF $A_VF not back and reset 30 s after docker rm: driver $(driver_of "$A_PCI"), vlan $(tb_vf_get "$PF" "$A_VF" vlan), mac $(tb_vf_get "$PF" "$A_VF" mac) (was ${ORIG[$A_VF]})"
fi
tb_check "status: VF $A_VF free (no owner, not even a released record)" status_vf "$A_PCI" \
	'v["owner"] is None and v["driver"] == "igbvf"'

section "a new VM on the same VF"
tb_check "container e on vfnet" $D run -d --name ke --net=vfnet --ip=192.168.0.11 bb sleep 3600
E_PCI=$("$KL" start ke)
eq "e gets the same VF (the lowest free)" "$A_PCI" "$E_PCI"
"$KL" wait ke "$L2_WAIT" | sed 's/^/#   /'
tb_check "the new VM's agent is ready" grep -q '^AGENT-READY' /scratch/kata-like/ke.console
tb_fact "L2 boot, second VM" "$("$KL" get ke boot_s) s"
VM_MAC=$(sed -n 's/^AGENT nic: .* mac=\([0-9a-f:]*\) .*/\1/p' /scratch/kata-like/ke.console | head -1)
eq "its NIC has e's MAC (admin MAC = Docker's)" "$(docker_mac ke vfnet)" "$VM_MAC"
tb_check "the new VM pings b" "$KL" exec ke 300 ping -c 3 -W 3 192.168.0.20

section "a VM that hangs holding its VFIO group, then dies"
E_GROUP=$("$KL" get ke group)
kill -STOP "$("$KL" get ke pid)"
tb_check "docker rm -f ke while its VM is stopped (group held)" $D rm -f ke
tb_check "status: the VF is released, on vfio-pci, its group held" status_vf "$E_PCI" \
	'v["driver"] == "vfio-pci" and v["owner"] and v["owner"]["phase"] == "released" and "group" in v["owner"].get("pending", "")'
eq "reset through the PF while still on vfio-pci: VLAN 0" 0 "$(tb_vf_get "$PF" "$A_VF" vlan)"
"$KL" kill ke
t=$(date +%s)
if tb_wait 45 home_and_clean "$E_PCI" "$A_VF"; then
	tb_pass "the next sweep brings the VF home and resets it once the VM is gone ($(($(date +%s) - t)) s after the kill)"
else
	tb_fail "VF $A_VF not home 45 s after its VM was killed: driver $(driver_of "$E_PCI")"
fi
tb_check "status: the released record is gone" status_vf "$E_PCI" 'v["owner"] is None'
grep -E "taken back|home again|released" "$TB_PLUGIN_LOG" | tail -8 | sed 's/^/#   plugin: /'

section "teardown"
tb_rm_each kb kc
# Kata's new_id stays on vfio-pci after a VM that died (nothing ran its BindDevicetoHost); later
# suites of this boot (seq.sh) probe VFs without naming a driver
echo "8086 10ca" > /sys/bus/pci/drivers/vfio-pci/remove_id 2>/dev/null
tb_check "docker network rm vfnet" tb_net_rm vfnet
tb_check "docker network rm vf200" tb_net_rm vf200
# the next suite of this boot (seq.sh) starts its own: the state-dir lock refuses a second daemon
tb_stop_plugin
tb_check_eq "plugin stops on SIGTERM with exit status 0" 0 "$?"
tb_stop_dockerd
tb_fact "suite time" "$(($(date +%s) - T0)) s"
tb_summary || { echo "--- plugin log"; tail -60 "$TB_PLUGIN_LOG"; exit 1; }
