#!/bin/bash
# Guest side of the reboot test (see host-reboot.sh). $1 = before | after.
TB_SUITE=reboot-$1
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
export SRIOV_STATE_DIR=/hostout/plugin-state
TB_PLUGIN_LOG=/hostout/plugin-$1.log
tb_load_modules || { echo "cannot load modules"; exit 1; }
PF=$(tb_pfs | head -1)
mkdir -p /var/lib/docker
modprobe virtio_blk 2>/dev/null
tb_wait 10 test -b /dev/vda || { echo "no disk /dev/vda for dockerd"; exit 1; }
mount /dev/vda /var/lib/docker || { echo "cannot mount dockerd's disk"; exit 1; }
endpoints() { tb_state "$SRIOV_STATE_DIR" endpoints count; }
networks() { tb_state "$SRIOV_STATE_DIR" networks count; }

if [ "$1" = before ]; then
	tb_start_plugin --log-level debug --reclaim-interval 1 || exit 1
	tb_start_dockerd || exit 1
	tb_import_busybox || exit 1
	tb_check "network" $D network create -d sriov --opt pf_iface="$PF" --opt vlanid=100 --subnet=192.168.0.0/24 vfnet
	tb_check "container r1" $D run -d --name r1 --net=vfnet --ip=192.168.0.10 bb sleep 900
	tb_check "container r2" $D run -d --name r2 --net=vfnet --ip=192.168.0.11 bb sleep 900
	tb_check_eq "two endpoints in the saved state" 2 "$(endpoints)"
	tb_check "the plugin has seen both sandboxes" tb_wait 20 sh -c "[ \$($TB_PY $TB_STATE_PY $SRIOV_STATE_DIR endpoints | grep -c '\"sandbox_seen\": true') = 2 ]"
	sync
	echo "# power off with everything running"
	tb_summary
	exit
fi

tb_check_eq "after the reboot the PF has no VFs" 0 "$(cat /sys/class/net/$PF/device/sriov_numvfs)"
tb_start_plugin --log-level debug || exit 1
tb_check_eq "the network is still there" 1 "$(networks)"
tb_check_eq "VFs re-enabled for it" 7 "$(cat /sys/class/net/$PF/device/sriov_numvfs)"
tb_check_eq "stale endpoints reclaimed" 0 "$(endpoints)"
tb_check "the log says which" grep -q "stale endpoint .* reclaimed" "$TB_PLUGIN_LOG"
tb_start_dockerd || exit 1
tb_check "dockerd still has vfnet" $D network inspect vfnet
$D rm -f r1 r2 >/dev/null 2>&1
tb_check "new container n1 on vfnet" $D run -d --name n1 --net=vfnet --ip=192.168.0.10 bb sleep 900
tb_check "new container n2 on vfnet" $D run -d --name n2 --net=vfnet --ip=192.168.0.11 bb sleep 900
tb_check "they ping each other" $D exec n1 ping -c 2 -W 3 192.168.0.11
$D rm -f n1 n2 >/dev/null
tb_check "network rm" $D network rm vfnet
tb_stop_dockerd
tb_summary || { tail -40 "$TB_PLUGIN_LOG"; exit 1; }
