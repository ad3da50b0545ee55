#!/bin/bash
# make demo: inside the emulated SR-IOV host, the plugin puts VFs into containers.
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
say() { echo; echo "### $*"; }
run() { echo "\$ $*"; "$@"; }
tb_load_modules || exit 1
PF=$(tb_pfs | head -1)
say "An Intel 82576 (igb) PF with SR-IOV: $PF, sriov_totalvfs=$(cat /sys/class/net/$PF/device/sriov_totalvfs)"
run ethtool -i "$PF" | head -5
say "Start the plugin and dockerd"
tb_start_plugin || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || exit 1
say "The commands of Kata's SR-IOV guide"
run $D network create -d sriov --internal --opt pf_iface="$PF" --opt vlanid=100 --subnet=192.168.0.0/24 vfnet || exit 1
run $D run -d --name demo1 --net=vfnet --ip=192.168.0.10 bb sleep 600 || exit 1
run $D run -d --name demo2 --net=vfnet --ip=192.168.0.11 bb sleep 600 || exit 1
say "Inside demo1: eth0 is a VF (igbvf), with the --ip address"
run $D exec demo1 ip addr show eth0
echo "\$ nsenter -t <demo1> -n ethtool -i eth0"
nsenter -t "$($D inspect -f '{{.State.Pid}}' demo1)" -n ethtool -i eth0 | head -5
say "On the PF: each VF's admin MAC (= the container's MAC, as Kata needs) and VLAN 100"
run ip link show "$PF"
say "demo1 pings demo2, VF to VF"
run $D exec demo1 ping -c 3 192.168.0.11
say "What the plugin says"
run "$TB_REPO/build/sriov-plugin" status 2>&1 | head -40
say "docker rm: the VFs are reset and back in the pool"
run $D rm -f demo1 demo2 >/dev/null
run ip link show "$PF"
run $D network rm vfnet
echo; echo "demo: done"
