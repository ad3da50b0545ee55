#!/bin/bash
# Guest suite (TESTBED_IOMMU=1): what Kata's runtime does to a VF handed to a container on vfnet,
# step by step: find the PCI-backed interface in the netns, check its IP and MAC, move the VF to
# vfio-pci, stop the container, rebind the VF to igbvf; then check the plugin resets and reuses it.
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
tb_load_modules || { echo "cannot load modules"; exit 1; }
tb_stop_leftovers # an earlier suite of this boot's daemons (the state-dir lock admits one)
PF=$(tb_pfs | head -1)
tb_start_plugin --log-level debug || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || exit 1
tb_check "IOMMU present (TESTBED_IOMMU=1)" test -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)"

cpid() { $D inspect -f '{{.State.Pid}}' "$1"; }
in_ct() { local p; p=$(cpid "$1"); shift; nsenter -t "$p" -n "$@"; }
# (nsenter -n keeps the host's /sys mount, so interface facts come from netlink, not sysfs)
ct_mac() { in_ct "$1" ip -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
admin_mac_of() { # VF-PCI -> admin MAC from the PF
	local i
	for i in 0 1 2 3 4 5 6; do
		[ "$(tb_vf_pci "$PF" $i)" = "$1" ] && { tb_vf_get "$PF" $i mac; return; }
	done
}
vf_index_of() { local i; for i in 0 1 2 3 4 5 6; do [ "$(tb_vf_pci "$PF" $i)" = "$1" ] && echo $i; done; }
driver_of() { basename "$(readlink -f /sys/bus/pci/devices/$1/driver 2>/dev/null)" 2>/dev/null; }
# Kata's find: the interface of the netns whose ethtool bus-info is a PCI address.
kata_find_pci_iface() {
	local c=$1 ifc bus
	for ifc in $(in_ct "$c" ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
		bus=$(in_ct "$c" ethtool -i "$ifc" 2>/dev/null | awk '/^bus-info:/{print $2}')
		if grep -Eq '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$' <<<"$bus"; then echo "$ifc $bus"; return 0; fi
	done
	return 1
}
to_vfio() { # PCI: unbind from its driver, bind to vfio-pci
	echo vfio-pci > /sys/bus/pci/devices/$1/driver_override || return 1
	if [ -e /sys/bus/pci/devices/$1/driver ]; then echo "$1" > /sys/bus/pci/devices/$1/driver/unbind || return 1; fi
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(driver_of "$1")" = vfio-pci ]
}
to_igbvf() { # PCI: back to its host driver, as Kata does when the container stops
	echo > /sys/bus/pci/devices/$1/driver_override || return 1
	if [ -e /sys/bus/pci/devices/$1/driver ]; then echo "$1" > /sys/bus/pci/devices/$1/driver/unbind || return 1; fi
	echo "$1" > /sys/bus/pci/drivers_probe
	tb_wait 10 sh -c "ls /sys/bus/pci/devices/$1/net/ | grep -q ."
}

tb_check "docker network create vfnet" \
	$D network create -d sriov --opt pf_iface="$PF" --opt vlanid=100 --subnet=192.168.0.0/24 vfnet
for i in 0 1 2 3 4 5 6; do ORIG[$i]=$(tb_vf_get "$PF" $i mac); done
tb_check "neighbour container n1" $D run -d --name n1 --net=vfnet --ip=192.168.0.20 bb sleep 900
tb_check "container k1 (the Kata one)" $D run -d --name k1 --net=vfnet --ip=192.168.0.10 bb sleep 900

read -r IFC PCI < <(kata_find_pci_iface k1)
tb_check "k1 netns has an interface whose bus-info is a PCI address ($IFC $PCI)" test -n "$PCI"
VF=$(vf_index_of "$PCI")
MAC=$(ct_mac k1 "$IFC")
tb_check "it has the --ip address" sh -c "nsenter -t $(cpid k1) -n ip -o addr show $IFC | grep -q 'inet 192.168.0.10/'"
tb_check_eq "its MAC is the VF's admin MAC" "$(admin_mac_of "$PCI")" "$MAC"

tb_check "unbind VF $VF ($PCI) and bind it to vfio-pci" to_vfio "$PCI"
GROUP=$(basename "$(readlink -f /sys/bus/pci/devices/$PCI/iommu_group)")
tb_check "/dev/vfio/$GROUP exists" test -c /dev/vfio/$GROUP
tb_check_eq "IOMMU group $GROUP holds only that VF" "$PCI" "$(ls /sys/kernel/iommu_groups/$GROUP/devices)"
tb_check_eq "admin MAC unchanged while on vfio-pci" "$MAC" "$(admin_mac_of "$PCI")"
tb_check "docker stop k1 (Docker cannot move eth0 back: it is on vfio-pci)" $D stop -t 2 k1
tb_check "Kata rebinds the VF to igbvf" to_igbvf "$PCI"
NEWDEV=$(ls /sys/bus/pci/devices/$PCI/net/)
tb_log "VF $VF netdev after rebind: $NEWDEV"
tb_check "docker rm k1" $D rm k1
tb_check_eq "after removal VF $VF is reset: VLAN 0" 0 "$(tb_vf_get "$PF" "$VF" vlan)"
tb_check_eq "after removal VF $VF is reset: MAC back" "${ORIG[$VF]}" "$(tb_vf_get "$PF" "$VF" mac)"
# Docker deleted the endpoint at `docker stop`, while the VF was still on vfio-pci: the plugin keeps
# only a 'released' record (proof the VF is ours to take back), no owner.
tb_check "after removal no endpoint owns VF $VF" "$TB_PY" -c "
import json,sys
sys.path.insert(0, '$TB_REPO/tests/lib'); import plugin_state
eps=plugin_state.load('/var/lib/sriov-plugin')['endpoints']
sys.exit(1 if any(e['vf_pci']=='$PCI' and e['phase']!='released' for e in eps) else 0)"

tb_check "next container k2 starts" $D run -d --name k2 --net=vfnet --ip=192.168.0.11 bb sleep 900
read -r IFC2 PCI2 < <(kata_find_pci_iface k2)
tb_check_eq "k2 gets the same (lowest free) VF" "$PCI" "$PCI2"
MAC2=$(ct_mac k2 eth0)
tb_check "k2 has a fresh MAC ($MAC2 != $MAC)" test "$MAC2" != "$MAC"
tb_check_eq "k2 MAC is the admin MAC" "$(admin_mac_of "$PCI2")" "$MAC2"
tb_check_eq "k2 VF on VLAN 100" 100 "$(tb_vf_get "$PF" "$(vf_index_of "$PCI2")" vlan)"
tb_check "k2 pings its neighbour" $D exec k2 ping -c 3 -W 3 192.168.0.20

# The admin MAC survives any number of rebinds.
for n in 1 2 3; do to_vfio "$PCI2" >/dev/null 2>&1; to_igbvf "$PCI2" >/dev/null 2>&1; done
tb_check_eq "admin MAC unchanged after 3 vfio-pci/igbvf rebinds" "$MAC2" "$(admin_mac_of "$PCI2")"
tb_check_eq "the rebound netdev carries the admin MAC" "$MAC2" \
	"$(cat /sys/bus/pci/devices/$PCI2/net/*/address 2>/dev/null)"
$D rm -f k2 >/dev/null

# Variant: DeleteEndpoint arrives while the VF is still on vfio-pci (a Kata VM that died).
tb_check "container k3" $D run -d --name k3 --net=vfnet --ip=192.168.0.12 bb sleep 900
read -r IFC3 PCI3 < <(kata_find_pci_iface k3)
tb_check "k3's VF to vfio-pci" to_vfio "$PCI3"
tb_check "docker rm -f k3 while its VF is on vfio-pci" $D rm -f k3
tb_check_eq "VF reset through the PF even on vfio-pci" 0 "$(tb_vf_get "$PF" "$(vf_index_of "$PCI3")" vlan)"
# nobody holds its VFIO group: the plugin takes it home at DeleteEndpoint (t-katavm.sh: with a VM)
tb_check_eq "DeleteEndpoint took it back to igbvf (its group free)" igbvf "$(driver_of "$PCI3")"
tb_check "container k4 starts" $D run -d --name k4 --net=vfnet --ip=192.168.0.13 bb sleep 900
read -r IFC4 PCI4 < <(kata_find_pci_iface k4)
tb_check_eq "k4 gets that VF again: no VF lost" "$PCI3" "$PCI4"
tb_check_eq "it is on igbvf again" igbvf "$(driver_of "$PCI4")"
tb_check "k4 pings its neighbour" $D exec k4 ping -c 3 -W 3 192.168.0.20
$D rm -f k4 n1 >/dev/null
tb_check "docker network rm vfnet" $D network rm vfnet
tb_summary || { echo "--- plugin log"; tail -60 "$TB_PLUGIN_LOG"; exit 1; }
