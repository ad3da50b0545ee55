#!/bin/bash
# Guest suite (issue 6): the sriov IPAM driver under a real dockerd: --ip-range, --gateway,
# exclusions, --ip, and no address handed out twice across plugin and dockerd restarts.
source "$(dirname "$0")/lib.sh"
D=$TB_DOCKER
tb_load_modules || { echo "cannot load modules"; exit 1; }
tb_like_new_boot || { echo "cannot undo an earlier suite of this boot"; exit 1; }
PF=$(tb_pfs | head -1)
tb_start_plugin --log-level debug --reclaim-interval 2 || exit 1
tb_start_dockerd || exit 1
tb_import_busybox || exit 1
ct_ip() { $D inspect -f '{{(index .NetworkSettings.Networks "ipnet").IPAddress}}' "$1"; }
in_range() { # 192.168.0.128/28 = .128-.143
	local last=${1##*.}
	[ "${1%.*}" = 192.168.0 ] && [ "$last" -ge 128 ] && [ "$last" -le 143 ]
}
declare -A SEEN
check_new_ip() { # NAME: its address is in the range, not .130, and never seen before
	local ip; ip=$(ct_ip "$1")
	tb_check "$1 got $ip inside 192.168.0.128/28" in_range "$ip"
	tb_check "$1 did not get the excluded .130" test "$ip" != 192.168.0.130
	tb_check "$1's $ip was not handed out before" test -z "${SEEN[$ip]:-}"
	SEEN[$ip]=$1
}

tb_check "network with --ipam-driver sriov" $D network create -d sriov --ipam-driver sriov \
	--subnet 192.168.0.0/24 --ip-range 192.168.0.128/28 --gateway 192.168.0.1 \
	--ipam-opt exclude=192.168.0.130 --opt pf_iface="$PF" --opt vlanid=100 ipnet
tb_check_eq "gateway as given" 192.168.0.1 "$($D network inspect -f '{{(index .IPAM.Config 0).Gateway}}' ipnet)"
for c in a1 a2 a3; do
	tb_check "container $c" $D run -d --name $c --net ipnet bb sleep 900 && check_new_ip $c
done
tb_check "--ip 192.168.0.141 honoured" $D run -d --name s1 --net ipnet --ip 192.168.0.141 bb sleep 900
tb_check_eq "s1 has .141" 192.168.0.141 "$(ct_ip s1)"; SEEN[192.168.0.141]=s1
out=$($D run -d --name s2 --net ipnet --ip 192.168.0.130 bb sleep 900 2>&1)
tb_check "--ip of an excluded address fails, naming it" grep -q "192.168.0.130 is excluded" <<<"$out"
$D rm -f s2 >/dev/null 2>&1
tb_check "a1 pings s1" $D exec a1 ping -c 2 -W 3 192.168.0.141

echo "# plugin restart (kill -9)"
tb_kill_plugin
tb_start_plugin --log-level debug --reclaim-interval 2 || exit 1
tb_check "container b1 after the plugin restart" $D run -d --name b1 --net ipnet bb sleep 900 && check_new_ip b1

echo "# dockerd restart"
tb_stop_dockerd
tb_start_dockerd || exit 1
$D rm -f a1 a2 a3 b1 s1 >/dev/null 2>&1
unset SEEN; declare -A SEEN
for c in c1 c2 c3; do
	tb_check "container $c after the dockerd restart" $D run -d --name $c --net ipnet bb sleep 900 && check_new_ip $c
done
tb_check "--ip still honoured after the restarts" $D run -d --name s3 --net ipnet --ip 192.168.0.142 bb sleep 900
tb_check_eq "s3 has .142" 192.168.0.142 "$(ct_ip s3)"
tb_check "c1 pings s3" $D exec c1 ping -c 2 -W 3 192.168.0.142
$D rm -f c1 c2 c3 s3 >/dev/null
tb_check "network rm" $D network rm ipnet
tb_check "the pool is released" sh -c '[ "$('"$TB_PY $TB_STATE_PY"' /var/lib/sriov-plugin pools count)" = 0 ]'
tb_summary || { tail -40 "$TB_PLUGIN_LOG"; exit 1; }
