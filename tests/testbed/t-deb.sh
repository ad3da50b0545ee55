#!/bin/bash
# Guest suite: the Debian package as an operator meets it.
#   - `dpkg -i` of the package `make deb` built on the host: files in place, units enabled,
#     Docker's discovery file a conffile;
#   - the daemon started the way sriov-plugin.socket + sriov-plugin.service start it (the ExecStart
#     and ListenStream read from the installed units, through systemd-socket-activate);
#   - the Kata guide's commands against it (network on a PF with VLAN 100, containers with --ip
#     get VFs with the admin MAC and the VLAN, ping each other);
#   - upgrade to a rebuilt package with a higher version while the containers run: their VFs,
#     MACs and the state survive, the new daemon knows them, docker rm frees them;
#   - remove (state and conffile kept), purge (state, conffile and unit links gone).
# Needs on the host: `make deb` and `make deb DEB_VERSION=$DEB_UPGRADE_VERSION` (see check-all.sh).
# Run: scripts/testbed/run tests/testbed/t-deb.sh OLD_VERSION NEW_VERSION
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=$TB_DOCKER
OLD=${1:?old package version}
NEW=${2:?new package version}
ARCH=$(dpkg --print-architecture)
DEB_OLD=$TB_REPO/build/deb/sriov-plugin_${OLD}_${ARCH}.deb
DEB_NEW=$TB_REPO/build/deb/sriov-plugin_${NEW}_${ARCH}.deb
STATE=/var/lib/sriov-plugin
UNITS=/lib/systemd/system
T0=$(date +%s)
section() { tb_log "--- $* (t=$(($(date +%s) - T0))s)"; }

for f in "$DEB_OLD" "$DEB_NEW"; do
	[ -f "$f" ] || { tb_fail "package $f exists (run make deb first)"; tb_summary; exit 1; }
done
tb_load_modules || { tb_fail "modules load"; tb_summary; exit 1; }
PF=$(tb_pfs | head -1)

# The daemon exactly as the units start it: ListenStream from the socket unit, ExecStart from the
# service unit, the state directory as StateDirectory=/StateDirectoryMode= make it.
SA_PID=
start_as_unit() {
	local listen exec_start
	listen=$(sed -n 's/^ListenStream=//p' "$UNITS/sriov-plugin.socket")
	exec_start=$(sed -n 's/^ExecStart=//p' "$UNITS/sriov-plugin.service")
	[ "$listen" = "$TB_PLUGIN_SOCK" ] || { echo "socket unit listens on '$listen'"; return 1; }
	install -d -m 0700 "$STATE"
	mkdir -p "$(dirname "$listen")"
	rm -f "$listen"
	# shellcheck disable=SC2086 # ExecStart is a command line, split as systemd splits it
	systemd-socket-activate -l "$listen" $exec_start >> "$TB_PLUGIN_LOG" 2>&1 &
	SA_PID=$!
	tb_wait 10 test -S "$listen"
}
# The service's stop: SIGTERM to the daemon (it drains), as systemctl stop/restart does.
stop_unit() {
	[ -n "$SA_PID" ] || return 0
	kill -TERM "$SA_PID" 2>/dev/null
	tb_wait 30 tb_gone "$SA_PID" || { kill -KILL "$SA_PID"; return 1; }
	wait "$SA_PID" 2>/dev/null
	SA_PID=
}
daemon_running() { [ -n "$SA_PID" ] && [ "$(cat /proc/$SA_PID/comm 2>/dev/null)" = sriov-plugin ]; }
cpid() { $D inspect -f '{{.State.Pid}}' "$1"; }
in_ct() { local p; p=$(cpid "$1"); shift; nsenter -t "$p" -n "$@"; }
ct_mac() { in_ct "$1" ip -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
# vf_field MAC FIELD: FIELD of the PF's VF whose admin MAC is MAC ("" when none)
vf_field() {
	ip -j -d link show "$PF" | "$TB_PY" -c 'import json,sys
m, f = sys.argv[1], sys.argv[2]
for v in json.load(sys.stdin)[0].get("vfinfo_list", []):
    if v["address"] == m:
        vl = v.get("vlan_list", [{}])[0]
        print({"vf": v["vf"], "vlan": vl.get("vlan", 0)}[f]); break' "$1" "$2"
}
# VFs with a non-zero VLAN on the PF: what the plugin configured and did not reset.
configured_vfs() {
	ip -j -d link show "$PF" | "$TB_PY" -c 'import json,sys
print(sum(1 for v in json.load(sys.stdin)[0].get("vfinfo_list", []) if v.get("vlan_list", [{}])[0].get("vlan", 0)))'
}
pkg_status() { dpkg-query -W -f='${Status} ${Version}' sriov-plugin 2>/dev/null; }

section "install $OLD"
tb_check "dpkg -i sriov-plugin_$OLD" dpkg -i "$DEB_OLD"
tb_check_eq "installed, version $OLD" "install ok installed $OLD" "$(pkg_status)"
tb_check "the daemon is /usr/sbin/sriov-plugin and runs" /usr/sbin/sriov-plugin --version
tb_check "Docker's discovery file is in place" grep -q 'unix:///run/docker/plugins/sriov.sock' \
	/etc/docker/plugins/sriov.json
tb_check "the discovery file is a conffile" grep -qx /etc/docker/plugins/sriov.json \
	/var/lib/dpkg/info/sriov-plugin.conffiles
tb_check "the man page is installed" test -f /usr/share/man/man8/sriov-plugin.8.gz
tb_check "sriov-plugin.socket is enabled (sockets.target wants it)" \
	test -L /etc/systemd/system/sockets.target.wants/sriov-plugin.socket
tb_check "sriov-plugin.service is enabled (multi-user.target wants it)" \
	test -L /etc/systemd/system/multi-user.target.wants/sriov-plugin.service
tb_check "the units pass systemd-analyze verify" systemd-analyze verify "$UNITS/sriov-plugin.socket" \
	"$UNITS/sriov-plugin.service"

section "socket activation as the units do it, the Kata guide's commands"
# Not under tb_check: that runs its command in a subshell, and SA_PID must reach this shell.
start_as_unit; tb_check "the socket is there before the daemon" test -S "$TB_PLUGIN_SOCK"
tb_check_eq "no daemon yet: systemd-socket-activate waits for a connection" systemd-socket- \
	"$(cat /proc/$SA_PID/comm)"
tb_check "dockerd starts" tb_start_dockerd
tb_check "busybox image" tb_import_busybox
tb_check "docker network create (Kata guide)" $D network create -d sriov --internal --opt pf_iface="$PF" \
	--opt vlanid=100 --subnet=192.168.0.0/24 vfnet
tb_check "the packaged daemon took over the socket" daemon_running
tb_check "docker run c1 --ip 192.168.0.10" $D run -d --name c1 --net=vfnet --ip=192.168.0.10 bb sleep 900
tb_check "docker run c2 --ip 192.168.0.11" $D run -d --name c2 --net=vfnet --ip=192.168.0.11 bb sleep 900
declare -A MAC
for c in c1 c2; do
	MAC[$c]=$(ct_mac $c)
	tb_check_eq "$c eth0 is an igbvf VF" igbvf "$(in_ct $c ethtool -i eth0 | awk '/^driver:/{print $2}')"
	tb_check "$c eth0 MAC ${MAC[$c]} is a VF's admin MAC" test -n "$(vf_field "${MAC[$c]}" vf)"
	tb_check_eq "$c VF has VLAN 100" 100 "$(vf_field "${MAC[$c]}" vlan)"
done
tb_check "c1 pings c2 over the VFs" in_ct c1 /bin/busybox ping -c 2 -W 2 192.168.0.11
tb_check "the state directory is 0700" test "$(stat -c %a "$STATE")" = 700

section "upgrade to $NEW while the containers run"
OLD_PID=$SA_PID
tb_check "the old daemon runs" daemon_running
tb_check "dpkg -i sriov-plugin_$NEW" dpkg -i "$DEB_NEW"
tb_check_eq "installed, version $NEW" "install ok installed $NEW" "$(pkg_status)"
# Under systemd the postinst restarts the service (dh_installsystemd --restart-after-upgrade); here
# the restart is done by hand, the same way: stop, start through the socket.
stop_unit; tb_check "old daemon stopped on SIGTERM" tb_gone "$OLD_PID"
tb_check "the state survives the upgrade" test -n "$(ls -A "$STATE")"
start_as_unit; tb_check "new daemon's socket is there" test -S "$TB_PLUGIN_SOCK"
tb_check "the new daemon knows both endpoints" bash -c \
	"/usr/sbin/sriov-plugin status --json | grep -c '${MAC[c1]}\\|${MAC[c2]}' | grep -qx 2"
tb_check "the packaged daemon took over the socket again" daemon_running
tb_check_eq "it is the upgraded binary" "$(readlink -f /usr/sbin/sriov-plugin)" \
	"$(readlink -f /proc/$SA_PID/exe)"
for c in c1 c2; do
	tb_check_eq "$c keeps its MAC" "${MAC[$c]}" "$(ct_mac $c)"
	tb_check_eq "$c keeps VLAN 100 on its VF" 100 "$(vf_field "${MAC[$c]}" vlan)"
done
tb_check "c2 still pings c1" in_ct c2 /bin/busybox ping -c 2 -W 2 192.168.0.10
tb_check "docker run c3 after the upgrade" $D run -d --name c3 --net=vfnet --ip=192.168.0.12 bb sleep 900
tb_check_eq "c3 VF has VLAN 100" 100 "$(vf_field "$(ct_mac c3)" vlan)"
tb_check "docker rm -f c1 c2 c3" $D rm -f c1 c2 c3
tb_check "every VF is reset (no VLAN left on $PF)" tb_wait 30 test "$(configured_vfs)" = 0
tb_check "docker network rm vfnet" $D network rm vfnet
tb_check "dockerd stops" tb_stop_dockerd

section "remove, then purge"
LAST_PID=$SA_PID
stop_unit; tb_check "the daemon stopped (prerm does it under systemd)" tb_gone "$LAST_PID"
tb_check "dpkg -r sriov-plugin" dpkg -r sriov-plugin
tb_check_not "the binary is gone" test -e /usr/sbin/sriov-plugin
tb_check_not "the units are gone" test -e "$UNITS/sriov-plugin.service"
tb_check "remove keeps the state directory" test -d "$STATE"
tb_check "remove keeps the conffile" test -f /etc/docker/plugins/sriov.json
tb_check "dpkg -P sriov-plugin" dpkg -P sriov-plugin
tb_check_eq "the package is gone" "" "$(pkg_status | grep -v '^unknown ok not-installed')"
tb_check_not "purge deletes the state directory" test -e "$STATE"
tb_check_not "purge deletes the conffile" test -e /etc/docker/plugins/sriov.json
tb_check_not "purge removes the unit links" test -e /etc/systemd/system/sockets.target.wants/sriov-plugin.socket

section "done"
tb_summary
