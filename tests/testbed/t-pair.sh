#!/bin/bash
# tests/testbed/t-pair.sh: two SR-IOV hosts on one wire (scripts/testbed/run-pair runs this
# script in both guests; TESTBED_PAIR_ROLE says which side). Guest a drives, guest b obeys
# numbered commands sent over the control link. For each Docker version in SUITE_ARGS
# (default "20 26", switched inside the same boot):
#   1. Kata's two-machine test: VLAN 100 containers on a and b ping across the wire; a VLAN 200
#      container on b (given an address in the VLAN 100 subnet) reaches neither. With
#      TESTBED_IOMMU=1 (make check), a's container's VF then goes into a VM on a (kata-like), which
#      pings b's container across the wire; the VM dies, the container goes, the VF comes home.
#   2. Swarm: a --config-only network per node (its own PF and --ip-range), a --scope swarm
#      --config-from network on the manager, `docker service create --replicas 2`, then scale
#      down, node drain, `docker service rm`, `docker stack deploy`, a worker's dockerd restart
#      under the stack, `docker stack rm` (TESTBED_SWARM=basic, or 20:basic for one version,
#      stops after the first service rm):
#      tasks on both nodes hold VFs with the admin MAC and VLAN 100 and ping across the wire,
#      and every step leaves exactly as many VFs in use on a node as it runs tasks.
# Swarm only takes managed (v2) plugins ("legacy plugin ... is not supported in swarm mode"),
# so the plugin is build/managed-plugin. Its creation and the Swarm networks are made with the
# README's own commands (its "Several hosts, Docker Swarm" block, read from README.md and run as
# written but for the PF, each node's --ip-range and the plugin folder's path), so a README whose
# commands do not work fails here.
# Run: make managed-plugin && make check-guest-pair SUITE=tests/testbed/t-pair.sh [SUITE_ARGS=26]
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MP=$TB_REPO/build/managed-plugin
# The README's Swarm block, continuation lines joined, comments dropped.
README_SWARM=$(awk '/^## Several hosts, Docker Swarm/ {s = 1; next} s && /^```/ {n++; next} s && n == 1 {print}
	s && n >= 2 {exit}' "$TB_REPO/README.md" | sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' |
	sed -e 's/[[:space:]]*#.*$//' -e '/^$/d')
# readme_cmd REGEX: the README's Swarm command matching REGEX (one line).
readme_cmd() { grep -E -m1 -- "$1" <<<"$README_SWARM"; }
# readme_run REGEX [FROM TO]...: runs that command as written, with Docker as $D and each FROM
# text replaced by TO (what this test bed has instead of the README's example values).
readme_run() {
	local cmd
	cmd=$(readme_cmd "$1") || { echo "README.md has no Swarm command matching '$1'" >&2; return 2; }
	shift
	while [ $# -ge 2 ]; do cmd=${cmd//"$1"/"$2"}; shift 2; done
	echo "+ $cmd" >&2
	eval "\"\$D\" ${cmd#docker }"
}
# The driver name the README's swarm network uses (a managed plugin's full name, tag included).
DRV=$(readme_cmd '^docker network create -d' | sed -E 's/.* -d ([^ ]+) .*/\1/')
PLUGIN=$(readme_cmd '^docker plugin enable' | awk '{print $4}')
D=$TB_DOCKER
VERSIONS=${*:-20 26}
T0=$(date +%s)
NET=192.168.100
section() { tb_log "--- $* (t=$(($(date +%s) - T0))s)"; }

# ---- what both nodes do -------------------------------------------------------------------

PF=
# in_use: VFs of PF that the plugin has configured (a port VLAN set); freed VFs are back on 0.
in_use() {
	ip -j link show "$PF" | jq '[.[0].vfinfo_list[] | select((.vlan_list[0].vlan // 0) != 0)] | length'
}
# ct_ip / ct_mac NAME: a container's eth0 IPv4 and MAC (read in its netns, as the kernel has it).
ct_pid() { "$D" inspect -f '{{.State.Pid}}' "$1"; }
ct_ip() { nsenter -t "$(ct_pid "$1")" -n ip -o -4 addr show eth0 | awk '{print $4}' | cut -d/ -f1 | head -1; }
# (ip, not /sys/class/net: sysfs shows the namespace it was mounted in, not nsenter's)
ct_mac() { nsenter -t "$(ct_pid "$1")" -n ip -j link show eth0 | jq -r '.[0].address'; }
ct_ping() { nsenter -t "$(ct_pid "$1")" -n /bin/busybox ping -c "${3:-2}" -W 2 "$2"; }
# vf_of_mac MAC: the VF whose admin MAC it is; "" if none.
vf_of_mac() { ip -j link show "$PF" | jq -r --arg m "$1" '.[0].vfinfo_list[] | select(.address == $m) | .vf'; }
# vf_ok NAME [VLAN]: the container's eth0 is a VF of PF whose admin MAC it carries, on VLAN
# (default 100).
vf_ok() {
	local mac vf
	mac=$(ct_mac "$1") && vf=$(vf_of_mac "$mac") && [ -n "$vf" ] &&
		[ "$(tb_vf_get "$PF" "$vf" vlan)" = "${2:-100}" ] &&
		[ "$(nsenter -t "$(ct_pid "$1")" -n ethtool -i eth0 | awk '/^driver:/{print $2}')" = igbvf ]
}
# the task containers of a swarm service running here
tasks_of() { "$D" ps -q --filter "label=com.docker.swarm.service.name=$1"; }

# node_up VERSION: dockerd of that version, the busybox image, the managed plugin as `sriov`.
node_up() {
	tb_use_docker "$1" || return 1
	tb_start_dockerd || { tb_log "dockerd did not start; once more"; tb_stop_dockerd; tb_start_dockerd; } || return 1
	tb_import_busybox || return 1
	readme_run '^docker plugin create' build/managed-plugin "$MP" >/dev/null &&
		readme_run '^docker plugin enable' >/dev/null
}
# node_down: nothing of ours left, dockerd stopped (the managed plugin stops with it).
node_down() {
	"$D" swarm leave --force >/dev/null 2>&1
	# shellcheck disable=SC2046 # one argument per container ID
	"$D" rm -f $("$D" ps -aq) >/dev/null 2>&1
	"$D" network prune -f >/dev/null 2>&1
	"$D" plugin disable -f "$PLUGIN" >/dev/null 2>&1
	"$D" plugin rm -f "$PLUGIN" >/dev/null 2>&1
	tb_stop_dockerd
}
kata_net() { # NAME VLAN SUBNET
	"$D" network create -d "$DRV" --internal --opt pf_iface="$PF" --opt vlanid="$2" --subnet="$3" "$1" >/dev/null
}
kata_run() { "$D" run -d --name "$1" --net="$2" --ip="$3" bb sleep 3600 >/dev/null && vf_ok "$1" "$4"; }
ct_addr_add() { nsenter -t "$(ct_pid "$1")" -n ip addr add "$2" dev eth0; }
config_only() { # RANGE: the README's --config-only line on this node's PF and range
	readme_run '--config-only' enp1s0f0 "$PF" 192.168.100.64/27 "$1" >/dev/null
}
# keep_logs VERSION: dockerd's log (with the managed plugin's) to TESTBED_OUT for a look later.
keep_logs() { [ -w /hostout ] && cp "$TB_DOCKERD_LOG" "/hostout/dockerd-$1.log"; }
# restart_dockerd: a plain stop and start (no live-restore): the node's tasks die and come back.
restart_dockerd() { tb_stop_dockerd && tb_start_dockerd; }
# tasks_hold_vfs SERVICE: every task here sits on a VF (admin MAC, VLAN 100); prints their IPs.
tasks_hold_vfs() {
	local c
	for c in $(tasks_of "$1"); do vf_ok "$c" || return 1; ct_ip "$c"; done
}
# ping_from_task SERVICE IP: some task of SERVICE here reaches IP.
ping_from_task() {
	local c
	c=$(tasks_of "$1" | head -1)
	[ -n "$c" ] && ct_ping "$c" "$2" 3
}

# serve_vfs: guest b answers "how many VFs in use" when a asks (a CGI of the pair's file server,
# run per request), instead of a loop publishing it: a loop would burn the CPU both guests share.
serve_vfs() {
	mkdir -p /scratch/pair/cgi-bin
	cat > /scratch/pair/cgi-bin/vfs <<-EOF
	#!/bin/sh
	PATH=/usr/sbin:/usr/bin:/sbin:/bin
	printf 'Content-Type: text/plain\r\n\r\n'
	ip -j link show "$PF" | jq '[.[0].vfinfo_list[] | select((.vlan_list[0].vlan // 0) != 0)] | length'
	EOF
	chmod +x /scratch/pair/cgi-bin/vfs
}

# ---- guest b: numbered commands from a -------------------------------------------------------

obey() {
	local n=1 cmd rc
	while :; do
		cmd=$(tb_pair_await "cmd-$n" 1200) || { echo "b: no command $n from a"; return 1; }
		[ "$cmd" = end ] && return 0
		# Only this script's own functions and docker: the command text comes from guest a.
		case "${cmd%% *}" in
			node_up|node_down|keep_logs|kata_net|kata_run|ct_addr_add|config_only|restart_dockerd|tasks_hold_vfs|ping_from_task|docker|ct_ping) ;;
			*) tb_pair_signal "done-$n" "rc=2 refused: $cmd"; n=$((n + 1)); continue ;;
		esac
		# In this shell, not a $(...) subshell: node_up / restart_dockerd change its variables.
		eval "${cmd/#docker /\"\$D\" }" > /scratch/cmd.out 2>&1
		rc=$?
		tb_pair_signal "done-$n" "rc=$rc $(cat /scratch/cmd.out)"
		n=$((n + 1))
	done
}

# ---- guest a: drives ---------------------------------------------------------------------------

# on_b CMD...: runs CMD on guest b (bounded: 600 s); prints its output; its status is CMD's.
# The command number lives in a file: on_b mostly runs in tb_check's $(...) subshell.
# on_b_send CMD... / on_b_result: the same in two halves, so that a works meanwhile.
on_b_send() {
	local n
	n=$(($(cat /scratch/cmd_n 2>/dev/null || echo 0) + 1))
	echo "$n" > /scratch/cmd_n
	tb_pair_signal "cmd-$n" "$*"
}
on_b() { on_b_send "$@" && on_b_result; }
on_b_result() {
	local got n
	n=$(cat /scratch/cmd_n)
	got=$(tb_pair_await "done-$n" 600) || return 124
	printf '%s\n' "${got#rc=* }" | sed '/^$/d'
	[ "${got%% *}" = rc=0 ]
}
b_in_use() { tb_pair_await cgi-bin/vfs 10; }
# converge DESC SERVICE N_A N_B: waits (240 s) until the service runs N_A tasks here and N_B on
# b (per `docker service ps`) and each node has exactly that many VFs in use.
converge() {
	local desc=$1 svc=$2 na=$3 nb=$4
	check_counts() {
		[ "$("$D" service ps --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' "$svc" 2>/dev/null |
			grep -c '^tb-a Running')" = "$na" ] &&
		[ "$("$D" service ps --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' "$svc" 2>/dev/null |
			grep -c '^tb-b Running')" = "$nb" ] &&
		[ "$(in_use)" = "$na" ] && [ "$(b_in_use)" = "$nb" ]
	}
	if tb_wait 240 check_counts; then
		tb_pass "$desc: $na task(s) + VF(s) on a, $nb on b"
	else
		tb_fail "$desc: wanted $na/$nb; tasks: $("$D" service ps --no-trunc --format '{{.Node}}={{.CurrentState}} {{.Error}}' "$svc" 2>&1 | head -4 | tr '\n' ' ') VFs a=$(in_use) b=$(b_in_use)"
	fi
}
# no_vfs DESC: no VF in use on either node (60 s).
no_vfs() {
	both_zero() { [ "$(in_use)" = 0 ] && [ "$(b_in_use)" = 0 ]; }
	if tb_wait 60 both_zero; then tb_pass "$1: no VF in use on a or b"
	else tb_fail "$1: VFs still in use: a=$(in_use) b=$(b_in_use)"; fi
}

kata_test() {
	section "Docker $1: Kata guide two-machine test"
	tb_check "a: network vf100 (VLAN 100)" kata_net vf100 100 "$NET.0/24"
	tb_check "b: network vf100 (VLAN 100)" on_b kata_net vf100 100 "$NET.0/24"
	tb_check "b: network vf200 (VLAN 200)" on_b kata_net vf200 200 192.168.200.0/24
	tb_check "a: container ka on a VF, VLAN 100, $NET.10" kata_run ka vf100 "$NET.10" 100
	tb_check "b: container kb on a VF, VLAN 100, $NET.20" on_b kata_run kb vf100 "$NET.20" 100
	tb_check "b: container k200 on a VF, VLAN 200" on_b kata_run k200 vf200 192.168.200.30 200
	# The VLAN 200 container is given an address in VLAN 100's subnet: only the VLAN keeps it out.
	tb_check "b: k200 also gets $NET.30/24" on_b ct_addr_add k200 "$NET.30/24"
	tb_check "a -> b across the wire: ka pings kb ($NET.20)" ct_ping ka "$NET.20" 3
	tb_check "b -> a across the wire: kb pings ka ($NET.10)" on_b ct_ping kb "$NET.10" 3
	tb_check_not "VLAN 200 on b does not reach ka on a" on_b ct_ping k200 "$NET.10" 2
	tb_check_not "VLAN 200 on b does not reach kb on b" on_b ct_ping k200 "$NET.20" 2
	tb_check_not "ka on a does not reach the VLAN 200 container" ct_ping ka "$NET.30" 2
	[ "${TESTBED_IOMMU:-0}" = 1 ] && kata_vm_test
	tb_check "a: removed" "$D" rm -f ka
	tb_check "b: removed" on_b 'docker rm -f kb k200'
	tb_check "a: network rm" "$D" network rm vf100
	tb_check "b: networks rm" on_b docker network rm vf100 vf200
	no_vfs "after the Kata test"
}

# kata_vm_test: ka's VF passed into a VM on a (tests/testbed/kata-like, as kata-runtime does it);
# the VM pings kb on b across the wire, kb pings it; the VM dies and ka goes: the VF is home.
kata_vm_test() {
	local kl=$TB_REPO/tests/testbed/kata-like pci mac
	section "a VM on a receives ka's VF (the managed plugin's)"
	mac=$(ct_mac ka)
	pci=$(KATA_LIKE_DOCKER=$D "$kl" start ka) || { tb_fail "kata-like start ka"; return; }
	tb_pass "ka's VF $pci on vfio-pci, a VM started with it"
	if ! KATA_LIKE_DOCKER=$D "$kl" wait ka "${TESTBED_L2_WAIT:-1500}" | sed 's/^/#   /' ||
	   ! grep -q '^AGENT-READY' /scratch/kata-like/ka.console; then
		tb_fail "the VM's agent is ready"
		"$kl" kill ka
		return
	fi
	tb_fact "L2 boot with a guest b running beside" "$("$kl" get ka boot_s) s"
	tb_check_eq "the VM's NIC has ka's MAC (the admin MAC)" "$mac" \
		"$(sed -n 's/^AGENT nic: .* mac=\([0-9a-f:]*\) .*/\1/p' /scratch/kata-like/ka.console | head -1)"
	tb_check "a's VM pings kb on b across the wire ($NET.20)" "$kl" exec ka 300 ping -c 3 -W 3 "$NET.20"
	tb_check "kb on b pings a's VM ($NET.10)" on_b ct_ping kb "$NET.10" 3
	tb_check "the VM dies (kill -9 of its QEMU)" "$kl" kill ka
	tb_check "docker rm -f ka" "$D" rm -f ka
	tb_check "within 30 s ka's VF is back on igbvf with a netdev" tb_wait 30 sh -c \
		"[ \"\$(basename \"\$(readlink -f /sys/bus/pci/devices/$pci/driver)\")\" = igbvf ] && ls /sys/bus/pci/devices/$pci/net | grep -q ."
	# Kata's new_id stays on vfio-pci when nothing ran its BindDevicetoHost
	echo "8086 10ca" > /sys/bus/pci/drivers/vfio-pci/remove_id 2>/dev/null
}

swarm_test() {
	local token ips_a ips_b
	section "Docker $1: Swarm ($2)"
	tb_check "swarm init on a (manager)" "$D" swarm init --advertise-addr "$TB_SELF" --listen-addr "$TB_SELF:2377"
	token=$("$D" swarm join-token -q worker)
	tb_check "b joins as a worker" on_b docker swarm join --token "$token" "$TB_SELF:2377"
	tb_check "two nodes ready" tb_wait 120 sh -c "[ \$('$D' node ls --format '{{.Status}}' | grep -c Ready) = 2 ]"
	tb_check "a: config-only vfcfg ($NET.64/27)" config_only "$NET.64/27"
	tb_check "b: config-only vfcfg ($NET.96/27)" on_b config_only "$NET.96/27"
	tb_check "manager: the README's --scope swarm --config-from vfcfg vfnet (-d $DRV)" \
		readme_run '^docker network create -d .*--scope swarm'
	tb_check_eq "vfnet is swarm-scoped" swarm "$("$D" network inspect -f '{{.Scope}}' vfnet 2>&1)"
	tb_check "docker service create --network vfnet --replicas 2" \
		"$D" service create --detach --no-resolve-image --name s1 --network vfnet --replicas 2 \
		--replicas-max-per-node 1 bb sleep 3600
	converge "service s1 up" s1 1 1
	ips_a=$(tasks_hold_vfs s1)
	tb_check "a: its task sits on a VF (admin MAC, VLAN 100) with an address of a's range" \
		grep -Eq "^$NET\.(6[4-9]|[7-8][0-9]|9[0-5])$" <<<"$ips_a"
	ips_b=$(on_b tasks_hold_vfs s1)
	tb_check "b: its task sits on a VF (admin MAC, VLAN 100) with an address of b's range" \
		grep -Eq "^$NET\.(9[6-9]|1[01][0-9]|12[0-7])$" <<<"$ips_b"
	tb_log "task addresses: a=$ips_a b=$ips_b"
	[ -n "$ips_b" ] && tb_check "a's task pings b's task across the wire" ping_from_task s1 "$(head -1 <<<"$ips_b")"
	[ -n "$ips_a" ] && tb_check "b's task pings a's task across the wire" on_b ping_from_task s1 "$(head -1 <<<"$ips_a")"

	if [ "$2" = full ]; then
		tb_check "docker service scale s1=1" "$D" service scale --detach s1=1
		both_one() { [ $(($(in_use) + $(b_in_use))) = 1 ] && [ "$("$D" service ps -q --filter desired-state=running s1 | wc -l)" = 1 ]; }
		if tb_wait 240 both_one; then tb_pass "scaled down: 1 VF in use over both nodes"
		else tb_fail "scaled down: VFs a=$(in_use) b=$(b_in_use)"; fi
		tb_check "docker service scale s1=2" "$D" service scale --detach s1=2
		converge "scaled up again" s1 1 1
		tb_check "drain b" "$D" node update --availability drain tb-b
		tb_check "max one per node: lift it so a takes both" "$D" service update --detach --replicas-max-per-node 0 s1
		converge "b drained: its VF freed, both tasks on a" s1 2 0
		tb_check "b active again" "$D" node update --availability active tb-b
	fi
	tb_check "docker service rm s1" "$D" service rm s1
	no_vfs "after docker service rm"
	[ "$2" = full ] || { swarm_leave; return; }

	cat > /scratch/stack.yml <<-EOF
	version: "3.8"
	services:
	  web:
	    image: bb
	    command: sleep 3600
	    networks: [vfnet]
	    deploy:
	      replicas: 2
	      placement:
	        max_replicas_per_node: 1
	networks:
	  vfnet:
	    external: true
	EOF
	tb_check "docker stack deploy" "$D" stack deploy --resolve-image never -c /scratch/stack.yml st
	converge "stack st up" st_web 1 1
	ips_b=$(on_b tasks_hold_vfs st_web)
	[ -n "$ips_b" ] && tb_check "stack: a's task pings b's task" ping_from_task st_web "$(head -1 <<<"$ips_b")"
	# Last, as it is the step that can leave b's side of vfnet behind.
	tb_check "b: dockerd restart (no live-restore: its task dies)" on_b restart_dockerd
	converge "after b's dockerd restart: the task back on b, one VF each" st_web 1 1
	tb_check "docker stack rm" "$D" stack rm st
	no_vfs "after docker stack rm"
	swarm_leave
}

swarm_leave() {
	tb_check "b leaves the swarm" on_b docker swarm leave --force
	tb_check "a leaves the swarm" "$D" swarm leave --force
}

# ---- main --------------------------------------------------------------------------------------

section "two hosts, role $TB_ROLE"
tb_check "the README's Swarm commands are found (plugin create, enable, config-only, swarm network)" \
	sh -c "[ -n \"$(readme_cmd '^docker plugin create')\" ] && [ -n \"$(readme_cmd '^docker plugin enable')\" ] &&
	[ -n \"$(readme_cmd '--config-only')\" ] && [ -n \"$DRV\" ] && [ -n \"$PLUGIN\" ]"
tb_log "README's Swarm commands: $(tr '\n' '|' <<<"$README_SWARM")"
if ! tb_check "build/managed-plugin exists (make managed-plugin)" test -f "$MP/config.json"; then tb_summary; exit 1; fi
tb_check "modules" tb_load_modules
PF=$(tb_pfs | head -1)
[ -n "$PF" ] || { tb_summary; exit 1; }
tb_check "$PF up" tb_pf_up "$PF"
tb_check "control link to the other guest" tb_pair_up || { tb_summary; exit 1; }
# What systemd does at boot: shared mounts, so the plugin sees Docker's netns mounts.
mount --make-rshared /
mkdir -p /run/docker/netns /var/lib/sriov-plugin

if [ "$TB_ROLE" = b ]; then
	serve_vfs
	tb_pair_signal ready # starts the file server
	tb_check "b: obeyed a's commands to the end" obey
	tb_summary
	exit
fi

# swarm_mode VERSION: full or basic (service on both nodes, its VFs, the ping across the wire,
# service rm). TESTBED_SWARM is one mode for every version, or VERSION:MODE words ("20:basic":
# the whole flow only with 26, as make check runs it); a version not named gets full.
swarm_mode() {
	local w
	for w in ${TESTBED_SWARM:-full}; do
		case "$w" in
			"$1":*) echo "${w#*:}"; return ;;
			*:*) ;;
			*) echo "$w"; return ;;
		esac
	done
	echo full
}

for v in $VERSIONS; do
	section "Docker $v"
	on_b_send node_up "$v" # both nodes at once
	node_up "$v" # not in tb_check's subshell: it sets this shell's D and dockerd PID
	tb_check_eq "a: node up with Docker $v" 0 "$?" || break
	tb_check "b: node up with Docker $v" on_b_result || break
	tb_log "$("$D" version --format 'client {{.Client.Version}} server {{.Server.Version}}' 2>&1)"
	kata_test "$v"
	swarm_test "$v" "$(swarm_mode "$v")"
	if [ "$TB_FAIL" -gt 0 ]; then
		tb_log "end of a's dockerd log (the managed plugin logs there too):"
		tail -30 "$TB_DOCKERD_LOG" | sed 's/^/#   /'
		on_b keep_logs "$v" >/dev/null
		keep_logs "$v"
	fi
	tb_check "b: node down" on_b node_down
	node_down
	tb_log "Docker $v done at t=$(($(date +%s) - T0))s"
done
# Not awaited: b powers off as soon as it has the word, and a wait for its answer could outlast it.
on_b_send end
section "end"
tb_summary
