#!/bin/bash
# Guest suite: Kata's SR-IOV guide commands with a real dockerd, runc and the plugin (the Docker of
# TESTBED_DOCKER, 20.10 by default), then Compose v2, restart and reconnect with Docker 26
# (compose=28: with Docker 28). Args: [20] [compose=26|28].
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
tb_load_modules || { echo "cannot load modules"; exit 1; }
tb_like_new_boot || { echo "cannot undo an earlier suite of this boot"; exit 1; }
PF=$(tb_pfs | head -1)
tb_start_plugin --log-level debug || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || { echo "cannot import busybox"; exit 1; }

# container_pid NAME -> its PID, for nsenter
cpid() { $D inspect -f '{{.State.Pid}}' "$1"; }
# in_ct NAME CMD... : runs a host binary in the container's network namespace
in_ct() { local p; p=$(cpid "$1"); shift; nsenter -t "$p" -n "$@"; }
ct_mac() { in_ct "$1" ip -o link show eth0 | sed -n "s/.*link\/ether \([0-9a-f:]*\).*/\1/p"; }
docker_mac() { $D inspect -f '{{(index .NetworkSettings.Networks "vfnet").MacAddress}}' "$1"; }
# vf_of_mac MAC -> the VF index whose admin MAC it is
vf_of_mac() {
	ip -j link show "$PF" | "$TB_PY" -c 'import json,sys
m=sys.argv[1]
print(next((v["vf"] for v in json.load(sys.stdin)[0].get("vfinfo_list",[]) if v["address"]==m), ""))' "$1"
}

tb_check "docker network create (Kata guide command)" \
	$D network create -d sriov --internal --opt pf_iface="$PF" --opt vlanid=100 --subnet=192.168.0.0/24 vfnet
tb_check_eq "VFs enabled on $PF" 7 "$(cat /sys/class/net/$PF/device/sriov_numvfs)"
ORIG_MAC=()
for i in 0 1 2 3 4 5 6; do ORIG_MAC[$i]=$(tb_vf_get "$PF" $i mac); done

tb_check "docker run c1 --ip 192.168.0.10" $D run -d --name c1 --net=vfnet --ip=192.168.0.10 bb sleep 900
tb_check "docker run c2 --ip 192.168.0.11" $D run -d --name c2 --net=vfnet --ip=192.168.0.11 bb sleep 900

for c in c1 c2; do
	drv=$(in_ct $c ethtool -i eth0 | awk '/^driver:/{print $2}')
	bus=$(in_ct $c ethtool -i eth0 | awk '/^bus-info:/{print $2}')
	tb_check_eq "$c eth0 is an igbvf VF" igbvf "$drv"
	tb_check "$c eth0 bus-info is a PCI address ($bus)" grep -Eq '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$' <<<"$bus"
	mac=$(ct_mac $c)
	tb_check_eq "$c eth0 MAC = Docker's endpoint MAC" "$(docker_mac $c)" "$mac"
	vf=$(vf_of_mac "$mac")
	tb_check "$c MAC is the admin MAC of a VF of $PF (VF '$vf')" test -n "$vf"
	[ -n "$vf" ] && tb_check_eq "$c VF $vf is on VLAN 100" 100 "$(tb_vf_get "$PF" "$vf" vlan)"
done
tb_check "c1 eth0 has 192.168.0.10/24" sh -c "$D exec c1 ip -o addr show eth0 | grep -q 'inet 192.168.0.10/24'"
tb_check "c2 eth0 has 192.168.0.11/24" sh -c "$D exec c2 ip -o addr show eth0 | grep -q 'inet 192.168.0.11/24'"
tb_check "c1 pings c2 over the VFs (VLAN 100)" $D exec c1 ping -c 3 -W 3 192.168.0.11

for i in 3 4 5 6 7; do
	tb_check "docker run c$i" $D run -d --name c$i --net=vfnet bb sleep 900
done
out=$($D run -d --name c8 --net=vfnet bb sleep 900 2>&1)
tb_check_not "8th container fails" $D inspect -f '{{.State.Running}}' c8 --format '{{if .State.Running}}x{{else}}{{exit}}{{end}}'
tb_check "8th container's error says all 7 VFs are in use" grep -q "all 7 VFs in use" <<<"$out"
tb_log "8th container error: $out"
$D rm -f c8 >/dev/null 2>&1
tb_check_eq "the 7 others keep running" 7 "$($D ps -q --filter network=vfnet | wc -l)"
tb_check "c1 still pings c2" $D exec c1 ping -c 2 -W 3 192.168.0.11

mac1=$(ct_mac c1)
vf1=$(vf_of_mac "$mac1")
tb_check "docker rm c1" $D rm -f c1
tb_wait 10 sh -c "[ \"\$(tb_vf_get $PF $vf1 vlan 2>/dev/null)\" = 0 ]" 2>/dev/null
tb_check_eq "docker rm resets VF $vf1: VLAN 0" 0 "$(tb_vf_get "$PF" "$vf1" vlan)"
tb_check_eq "docker rm resets VF $vf1: MAC back" "${ORIG_MAC[$vf1]}" "$(tb_vf_get "$PF" "$vf1" mac)"
tb_check_eq "docker rm resets VF $vf1: spoofchk on" true "$(tb_vf_get "$PF" "$vf1" spoofchk)"
tb_check_eq "docker rm resets VF $vf1: trust off" false "$(tb_vf_get "$PF" "$vf1" trust)"
tb_check "a new container gets the freed VF" $D run -d --name c9 --net=vfnet --ip=192.168.0.12 bb sleep 900
tb_check "c9 pings c2" $D exec c9 ping -c 2 -W 3 192.168.0.11

out=$($D network create -d sriov --opt pf_iface="$PF" --opt vlanid=5000 --subnet=192.168.5.0/24 bad5000 2>&1)
tb_check "vlanid=5000 fails with a clear message" grep -q "vlanid 5000 out of range 0-4094" <<<"$out"
tb_log "vlanid=5000: $out"
ip link add sriovtv0 type veth peer name sriovtv1
out=$($D network create -d sriov --opt pf_iface=sriovtv0 --subnet=192.168.6.0/24 badpf 2>&1)
tb_check "non-SR-IOV pf_iface fails with a clear message" grep -q "sriovtv0 does not support SR-IOV" <<<"$out"
tb_log "non-SR-IOV pf_iface: $out"
tb_check_not "no half-created network" $D network inspect badpf

tb_rm_each $($D ps -aq)
tb_check "docker network rm vfnet" tb_net_rm vfnet
for i in 0 1 2 3 4 5 6; do
	[ "$(tb_vf_get "$PF" $i vlan)" = 0 ] || tb_fail "VF $i not reset after all containers left"
done
tb_check_eq "plugin state has no endpoints left" 0 \
	"$(tb_state /var/lib/sriov-plugin endpoints count)"

# ---- Docker 26 + Compose v2 in the same boot (skipped by SUITE_ARGS=20) --------------------
# compose up/down with driver_opts + ipam + ipv4_address, Docker's own com.docker.network.* option
# ignored, and the MAC of a container that comes back with its IP (restart, disconnect/connect)
# unchanged, so a peer holding its ARP entry reaches it at once.
# ifname_of NAME IP: the interface holding IP in the container (Docker 26 numbers a reconnected
# one eth1, eth2, ...); mac_of NAME IP: its MAC.
ifname_of() { nsenter -t "$(cpid "$1")" -n ip -o -4 addr show | awk -v ip="$2" 'index($4, ip "/") == 1 {print $2}'; }
mac_of() { nsenter -t "$(cpid "$1")" -n ip -j link show "$(ifname_of "$1" "$2")" | jq -r '.[0].address'; }
# peer_ping_1s FROM IP: one echo, answered within 1 s (the bound the issue names).
peer_ping_1s() { $D exec "$1" ping -c 1 -W 1 "$2"; }
# compose_flow V: Compose v2, restart and reconnect with Docker V (26: trixie's, 28: sid's), switched
# to when the suite's main part ran another Docker.
compose_flow() {
	local v=$1 Y=/scratch/c26/compose.yml mac1 mac2 t0
	tb_log "--- Docker $v + Compose v2"
	if [ "$TB_DOCKER" != "${TESTBED_DIR:-/var/tmp/sriov-testbed}/docker$v/usr/bin/docker" ]; then
		tb_stop_dockerd
		tb_use_docker "$v" || { tb_fail "Docker $v is unpacked (scripts/testbed/setup)"; return; }
		tb_start_dockerd # not through tb_check: it sets this shell's dockerd PID
		tb_check_eq "dockerd $v starts" 0 "$?" || return
	fi
	tb_check "Docker $v server" sh -c "$D version --format '{{.Server.Version}}' | grep -q '^$v\.'"
	tb_check "docker compose is v2" sh -c "$D compose version | grep -Eq 'version v?2\.'"
	tb_check "busybox image" tb_import_busybox
	tb_check "Docker's own option com.docker.network.driver.mtu is ignored, not refused" \
		$D network create -d sriov --opt pf_iface="$PF" --opt com.docker.network.driver.mtu=1500 \
		--subnet=192.168.8.0/24 dopts
	$D network rm dopts >/dev/null 2>&1
	mkdir -p /scratch/c26
	cat > "$Y" <<-EOF
	name: c26
	services:
	  p1:
	    image: bb
	    pull_policy: never
	    command: sleep 3600
	    networks:
	      vf:
	        ipv4_address: 192.168.7.10
	  p2:
	    image: bb
	    pull_policy: never
	    command: sleep 3600
	    networks:
	      vf:
	        ipv4_address: 192.168.7.11
	networks:
	  vf:
	    driver: sriov
	    internal: true
	    driver_opts:
	      pf_iface: $PF
	      vlanid: "300"
	    ipam:
	      config:
	        - subnet: 192.168.7.0/24
	EOF
	tb_check "compose up -d (driver: sriov, driver_opts, ipam, ipv4_address)" $D compose -f "$Y" up -d
	for c in p1 p2; do
		mac=$(ct_mac "c26-$c-1")
		vf=$(vf_of_mac "$mac")
		tb_check "compose $c sits on a VF of $PF (MAC $mac, VF '$vf')" test -n "$vf"
		[ -n "$vf" ] && tb_check_eq "compose $c VF $vf on VLAN 300" 300 "$(tb_vf_get "$PF" "$vf" vlan)"
	done
	tb_check "p2 has ipv4_address 192.168.7.11" test -n "$(ifname_of c26-p2-1 192.168.7.11)"
	tb_check "p1 pings p2 (VLAN 300)" $D exec c26-p1-1 ping -c 2 -W 3 192.168.7.11
	mac1=$(mac_of c26-p2-1 192.168.7.11)
	tb_check "docker restart p2" $D restart c26-p2-1
	mac2=$(mac_of c26-p2-1 192.168.7.11)
	tb_check_eq "docker restart keeps p2's MAC" "$mac1" "$mac2"
	tb_check "p1 (its ARP entry kept) pings the restarted p2 within 1 s" peer_ping_1s c26-p1-1 192.168.7.11
	tb_check "network disconnect p2" $D network disconnect c26_vf c26-p2-1
	tb_check "network connect p2 --ip 192.168.7.11" $D network connect --ip 192.168.7.11 c26_vf c26-p2-1
	mac2=$(mac_of c26-p2-1 192.168.7.11)
	tb_check_eq "disconnect/connect keeps p2's MAC" "$mac1" "$mac2"
	tb_check "p1 pings the reconnected p2 within 1 s" peer_ping_1s c26-p1-1 192.168.7.11
	tb_check "compose down" $D compose -f "$Y" down
	tb_check_not "compose down removed the network" $D network inspect c26_vf
	for i in 0 1 2 3 4 5 6; do
		[ "$(tb_vf_get "$PF" $i vlan)" = 0 ] || tb_fail "compose down: VF $i still on VLAN $(tb_vf_get "$PF" $i vlan)"
	done
	tb_check_eq "compose down: plugin state has no endpoints left" 0 \
		"$(tb_state /var/lib/sriov-plugin endpoints count)"
}
# args: 20 = the main part only; compose=28 = the Compose part with Docker 28 (default 26)
COMPOSE_V=26
for a in "$@"; do case "$a" in compose=*) COMPOSE_V=${a#compose=} ;; esac; done
case " $* " in *" 20 "*) ;; *) compose_flow "$COMPOSE_V" ;; esac
tb_summary || { echo "--- plugin log"; tail -50 "$TB_PLUGIN_LOG"; echo "--- dockerd errors"; grep -iE 'level=(error|warn)' "$TB_DOCKERD_LOG" | tail -20; exit 1; }
