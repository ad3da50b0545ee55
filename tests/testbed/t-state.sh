#!/bin/bash
# Guest suite for state and faults (issue 5):
#  1. crash consistency: random kills and fault injection during endpoint operations (crash_suite.py);
#  2. stale endpoints: dockerd SIGKILLed with containers running, their netns files removed as a reboot
#     would, dockerd restarted without live-restore: the plugin reclaims the VFs (at start and periodically);
#  3. live-restore: running containers keep their VFs across a dockerd restart.
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
tb_load_modules || { echo "cannot load modules"; exit 1; }
PF=$(tb_pfs | head -1)
tb_pf_up "$PF"

echo "# 1. crash consistency"
"$TB_PY" "$TB_REPO/tests/testbed/crash_suite.py" "$TB_REPO/build/sriov-plugin" "${SRIOV_CRASH_ROUNDS:-24}"
tb_check_eq "crash-consistency suite passed" 0 $?

echo "# 2. stale endpoints after dockerd dies"
tb_start_plugin --log-level debug --reclaim-interval 2 || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || exit 1
tb_check "network" $D network create -d sriov --opt pf_iface="$PF" --opt vlanid=100 --subnet=192.168.0.0/24 vfnet
tb_check "container s1" $D run -d --name s1 --net=vfnet --ip=192.168.0.10 bb sleep 900
tb_check "container s2" $D run -d --name s2 --net=vfnet --ip=192.168.0.11 bb sleep 900
endpoints() { tb_state /var/lib/sriov-plugin endpoints count; }
tb_check_eq "two endpoints owned" 2 "$(endpoints)"
kill -KILL "$TB_DOCKERD_PID"; tb_wait 10 tb_gone "$TB_DOCKERD_PID"; TB_DOCKERD_PID=
# a reboot: the containers' processes and their namespaces are gone
pkill -KILL -f 'containerd-shim' ; pkill -KILL -x sleep
for f in /var/run/docker/netns/*; do umount "$f" 2>/dev/null; rm -f "$f"; done
tb_check "VFs back in the root namespace" tb_wait 20 sh -c '[ $(ls /sys/class/net/'"$PF"'/device/virtfn*/net 2>/dev/null | grep -c .) -ge 7 ]'
tb_check "plugin reclaims both VFs by itself (periodic sweep)" tb_wait 20 sh -c '[ "$('"$TB_PY $TB_STATE_PY"' /var/lib/sriov-plugin endpoints count)" = 0 ]'
for i in 0 1; do tb_check_eq "VF $i reset (VLAN 0)" 0 "$(tb_vf_get "$PF" $i vlan)"; done
tb_check "plugin log names the reclaimed endpoints" grep -q "stale endpoint .* reclaimed" "$TB_PLUGIN_LOG"
tb_start_dockerd || exit 1
$D rm -f s1 s2 >/dev/null 2>&1
tb_check "a new container gets a VF after the restart" $D run -d --name s3 --net=vfnet --ip=192.168.0.12 bb sleep 900
tb_check "... and the next one too" $D run -d --name s4 --net=vfnet --ip=192.168.0.13 bb sleep 900
tb_check "they ping each other" $D exec s3 ping -c 2 -W 3 192.168.0.13
$D rm -f s3 s4 >/dev/null
tb_stop_dockerd

echo "# 2b. reclaim at plugin start-up (plugin down while the sandbox vanished)"
tb_start_dockerd || exit 1
tb_check "container s5" $D run -d --name s5 --net=vfnet --ip=192.168.0.14 bb sleep 900
S5_EP=$(tb_state /var/lib/sriov-plugin endpoints | "$TB_PY" -c 'import json,sys;print(json.load(sys.stdin)[0]["id"])')
S5_NET=$(tb_state /var/lib/sriov-plugin endpoints | "$TB_PY" -c 'import json,sys;print(json.load(sys.stdin)[0]["network_id"])')
tb_stop_plugin
kill -KILL "$TB_DOCKERD_PID"; tb_wait 10 tb_gone "$TB_DOCKERD_PID"; TB_DOCKERD_PID=
pkill -KILL -f 'containerd-shim'; pkill -KILL -x sleep
for f in /var/run/docker/netns/*; do umount "$f" 2>/dev/null; rm -f "$f"; done
tb_wait 20 sh -c '[ $(ls /sys/class/net/'"$PF"'/device/virtfn*/net 2>/dev/null | grep -c .) -ge 7 ]'
tb_start_plugin --log-level debug --reclaim-interval 0 || exit 1
tb_check_eq "reclaimed at start-up" 0 "$(endpoints)"
tb_start_dockerd || exit 1
$D rm -f s5 >/dev/null 2>&1
tb_check_eq "a later DeleteEndpoint for the reclaimed endpoint answers {}" "200 {}" "$("$TB_PY" -c '
import sys; sys.path.insert(0, "'"$TB_REPO"'/tests/lib")
from plugin_client import PluginClient
s, b = PluginClient("'"$TB_PLUGIN_SOCK"'").call("NetworkDriver.DeleteEndpoint", {"NetworkID": sys.argv[1], "EndpointID": sys.argv[2]})
print(s, b)' "$S5_NET" "$S5_EP")"

echo "# 3. live-restore keeps running containers' VFs"
tb_stop_dockerd
tb_start_dockerd --live-restore || exit 1
tb_check "container l1" $D run -d --name l1 --net=vfnet --ip=192.168.0.20 bb sleep 900
tb_check "container l2" $D run -d --name l2 --net=vfnet --ip=192.168.0.21 bb sleep 900
tb_stop_dockerd
tb_check "containers still run with dockerd down" pgrep -x sleep
sleep 5
tb_check_eq "no endpoint reclaimed while their sandboxes live" 2 "$(endpoints)"
tb_start_dockerd --live-restore || exit 1
tb_check "l1 still pings l2 over its VF after the dockerd restart" $D exec l1 ping -c 2 -W 3 192.168.0.21
tb_check "docker rm -f l1 l2" $D rm -f l1 l2
tb_check_eq "endpoints released" 0 "$(endpoints)"
tb_check "network rm" $D network rm vfnet
tb_summary || { echo "--- plugin log"; tail -60 "$TB_PLUGIN_LOG"; exit 1; }
