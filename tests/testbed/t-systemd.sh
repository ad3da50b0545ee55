#!/bin/bash
# tests/testbed/t-systemd.sh OLD_VERSION NEW_VERSION: a host that boots like production
# (TESTBED_INIT=systemd TESTBED_IOMMU=1 TESTBED_DEB=<the OLD .deb>): systemd as PID 1, journald and
# udev, the package installed with dpkg -i before the first boot and its units enabled the Debian
# way, Docker's own docker.service and containerd.service. No daemon is started by hand. This suite
# runs as a unit after multi-user.target, at each boot:
#   boot 1: the units are up (socket listening, service and Docker active, their main PIDs the
#     daemons'); the plugin started again by socket activation after a stop; the Kata guide's
#     commands; containers with --restart=always on VFs; priorities in the journal; kill -9 of the
#     plugin -> systemd restarts it, running containers keep their VFs; `systemctl stop` while a
#     CreateEndpoint is in flight -> it is answered, then the daemon exits 0; a VF left on vfio-pci
#     by a VM that died is taken home by the confined service (sysfs writes, /dev/vfio); the
#     service's exposure (systemd-analyze security) <= 4.0; then `systemctl reboot`
#   boot 2: with no step by hand the containers are back on VFs with their MAC and VLAN; the boot
#     order the units promise (the plugin serving before dockerd restores its containers) in the
#     journal; the package upgraded with dpkg -i while they run (the postinst restarts the service);
#     remove, purge
# Figures (facts): boot to `docker info`, the reboot round trip, the restart-after-kill time.
# Needs on the host: make deb (OLD) and make deb DEB_VERSION=NEW (mk/deb.mk, part guest-systemd).
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=$TB_DOCKER
OLD=${1:?old package version}
NEW=${2:?new package version}
ARCH=$(dpkg --print-architecture)
DEB_NEW=$TB_REPO/build/deb/sriov-plugin_${NEW}_${ARCH}.deb
STATE=/var/lib/sriov-plugin
KEEP=/var/lib/testbed-suite # on the guest's disk: what boot 2 needs from boot 1
BOOT=$(tb_boot_number)
T0=$(date +%s)
section() { tb_log "--- boot $BOOT: $* (t=$(($(date +%s) - T0))s)"; }
mkdir -p "$KEEP"
uptime_s() { cut -d' ' -f1 /proc/uptime; }

cpid() { $D inspect -f '{{.State.Pid}}' "$1"; }
in_ct() { local p; p=$(cpid "$1") || return 1; shift; nsenter -t "$p" -n "$@"; }
ct_mac() { in_ct "$1" ip -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ct_bus() { in_ct "$1" ethtool -i eth0 | awk '/^bus-info:/{print $2}'; }
# vf_field MAC FIELD: vf | vlan of the PF's VF whose admin MAC is MAC ("" when none)
vf_field() {
	ip -j -d link show "$PF" | "$TB_PY" -c 'import json,sys
m, f = sys.argv[1], sys.argv[2]
for v in json.load(sys.stdin)[0].get("vfinfo_list", []):
    if v["address"] == m:
        vl = v.get("vlan_list", [{}])[0]
        print({"vf": v["vf"], "vlan": vl.get("vlan", 0)}[f]); break' "$1" "$2"
}
configured_vfs() {
	ip -j -d link show "$PF" | "$TB_PY" -c 'import json,sys
print(sum(1 for v in json.load(sys.stdin)[0].get("vfinfo_list", []) if v.get("vlan_list", [{}])[0].get("vlan", 0)))'
}
pkg_status() { dpkg-query -W -f='${Status} ${Version}' sriov-plugin 2>/dev/null; }
plugin_pid() { tb_unit_pid sriov-plugin.service; }
# journal_json UNIT: the unit's journal of this boot, one JSON object a line
journal_json() { journalctl -b -u "$1" -o json --no-pager; }
# mono MESSAGE-REGEX UNIT: the monotonic time (us) of the first journal line of UNIT this boot that matches
mono() {
	journal_json "$2" | "$TB_PY" -c 'import json, re, sys
r = re.compile(sys.argv[1])
for l in sys.stdin:
    e = json.loads(l)
    m = e.get("MESSAGE")
    if isinstance(m, str) and r.search(m):
        print(e["__MONOTONIC_TIMESTAMP"]); break' "$1"
}
exposure() { systemd-analyze security --no-pager "$1" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a != "" && a + 0 <= b + 0)}'; }

tb_wait 120 "$D" info || tb_fail "docker info answers within 120 s of the suite's start"
READY=$(uptime_s)
PF=$(tb_pfs | head -1)

if [ "$BOOT" = 1 ]; then
	section "first boot"
	tb_fact "boot to docker info (kernel start to the first answer of docker info)" "$READY s"
	tb_check_eq "systemd is PID 1" systemd "$(cat /proc/1/comm)"
	tb_check_eq "installed by dpkg -i before the boot, version $OLD" "install ok installed $OLD" "$(pkg_status)"
	tb_check_eq "sriov-plugin.socket listening" active "$(systemctl is-active sriov-plugin.socket)"
	tb_check_eq "sriov-plugin.service active" active "$(systemctl is-active sriov-plugin.service)"
	tb_check_eq "docker.service active" active "$(systemctl is-active docker.service)"
	tb_check_eq "containerd.service active" active "$(systemctl is-active containerd.service)"
	tb_check "Docker's discovery file is a conffile" grep -qx /etc/docker/plugins/sriov.json \
		/var/lib/dpkg/info/sriov-plugin.conffiles
	tb_check "the man page is installed" test -f /usr/share/man/man8/sriov-plugin.8.gz
	tb_check "the installed units pass systemd-analyze verify" systemd-analyze verify \
		/lib/systemd/system/sriov-plugin.socket /lib/systemd/system/sriov-plugin.service
	tb_check_eq "both units enabled the Debian way" "enabled enabled" \
		"$(systemctl is-enabled sriov-plugin.socket sriov-plugin.service | paste -sd' ')"
	tb_check_eq "the one sriov-plugin process is the service's main process" "$(pgrep -x sriov-plugin)" "$(plugin_pid)"
	tb_check_eq "the one dockerd is docker.service's" "$(pgrep -x dockerd)" "$(tb_unit_pid docker.service)"
	tb_check "systemd-udevd runs (renamed PF: $PF)" sh -c "systemctl is-active -q systemd-udevd && echo $PF | grep -q '^en'"
	X=$(exposure sriov-plugin.service)
	tb_fact "systemd-analyze security sriov-plugin.service (live)" "$X"
	tb_check "its exposure is 4.0 or less" le "$X" 4.0
	tb_check "the state directory is 0700" test "$(stat -c %a "$STATE")" = 700

	section "socket activation"
	tb_check "systemctl stop sriov-plugin.service" systemctl stop sriov-plugin.service
	STOPPED_AT=$(systemctl show -p InactiveEnterTimestampMonotonic --value sriov-plugin.service)
	tb_check_eq "the socket still listens" active "$(systemctl is-active sriov-plugin.socket)"
	tb_check_eq "no daemon" "" "$(pgrep -x sriov-plugin)"
	tb_import_busybox || tb_fail "busybox image"
	tb_check "docker network create (Kata guide), which the socket hands to a new daemon" \
		$D network create -d sriov --opt pf_iface="$PF" --opt vlanid=100 --subnet=192.168.0.0/24 vfnet
	tb_check_eq "the socket started the service again" active "$(systemctl is-active sriov-plugin.service)"
	tb_check "... by that request: nothing else started it since the stop" test \
		"$(systemctl show -p ActiveEnterTimestampMonotonic --value sriov-plugin.service)" -gt "$STOPPED_AT"
	tb_check "journal: it serves the socket systemd passed" sh -c \
		"journalctl -b -u sriov-plugin.service --no-pager -o cat | grep -q 'serving on a socket from systemd'"

	section "containers with --restart=always on VFs"
	tb_check "r1 --ip 192.168.0.10 --restart=always" timeout 300 $D run -d --name r1 --restart=always --net=vfnet --ip=192.168.0.10 bb sleep 100000
	tb_check "r2 --ip 192.168.0.11 --restart=always" timeout 300 $D run -d --name r2 --restart=always --net=vfnet --ip=192.168.0.11 bb sleep 100000
	for c in r1 r2; do
		m=$(ct_mac $c)
		echo "$m" > "$KEEP/$c.mac"
		tb_check "$c eth0 ($m) is a VF with that admin MAC" test -n "$(vf_field "$m" vf)"
		tb_check_eq "$c VF in VLAN 100" 100 "$(vf_field "$m" vlan)"
	done
	tb_check "r1 pings r2 over the VFs" in_ct r1 /bin/busybox ping -c 5 -W 2 192.168.0.11
	# the confined daemon reads each container's VF counters in its netns (rtnetlink by namespace id)
	if ! tb_check "status: both endpoints' VF counters read in their sandboxes, 5 packets or more" sh -c \
		"/usr/sbin/sriov-plugin status --json | $TB_PY -c 'import json, sys
eps = [e for n in json.load(sys.stdin)[\"networks\"] for e in n[\"endpoint_list\"]]
ok = [e for e in eps if ((e.get(\"counters\") or {}).get(\"rx_packets\") or 0) >= 5]
sys.exit(0 if len(eps) == 2 and len(ok) == 2 else \"counters: %s\" % [e.get(\"counters\") for e in eps])'"; then
		tb_log "the service's view of the sandboxes (its mount namespace):"
		nsenter -t "$(plugin_pid)" -m sh -c 'findmnt -R /run/docker/netns; stat -f -c "%n %T" /run/docker/netns/*' 2>&1 | sed 's/^/#   /'
		findmnt -R /run/docker/netns 2>&1 | sed 's/^/#   host: /'
		journalctl -b -u sriov-plugin.service --no-pager -o cat | tail -15 | sed 's/^/#   /'
	fi

	section "the journal has the daemon's lines with their priorities"
	tb_check_not "a bad request is refused" $D network create -d sriov --opt pf_iface="$PF" --opt vlanid=5000 --subnet=192.168.9.0/24 bad
	tb_check "its refusal is in the journal at priority warning or higher" sh -c \
		"journalctl -b -u sriov-plugin.service -p warning --no-pager -o cat | grep -q 'vlanid'"
	tb_check "the endpoints' lines are at priority 6 (info), below warning" sh -c \
		"journalctl -b -u sriov-plugin.service -p info --no-pager -o cat | grep -q 'PF $PF VF' &&
		 ! journalctl -b -u sriov-plugin.service -p warning --no-pager -o cat | grep -q 'PF $PF VF'"

	section "kill -9 of the plugin"
	OLDPID=$(plugin_pid)
	t=$(date +%s.%N)
	kill -KILL "$OLDPID"
	if tb_wait 60 sh -c "p=\$(systemctl show -p MainPID --value sriov-plugin.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $OLDPID ] && systemctl is-active -q sriov-plugin.service && $TB_PY -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect(\"$TB_PLUGIN_SOCK\")'"; then
		tb_pass "systemd restarted it (Restart=on-failure): new PID $(plugin_pid)"
		tb_fact "restart after kill -9 (kill to a new daemon answering)" "$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s"
	else
		tb_fail "no new daemon 60 s after kill -9 (state $(systemctl is-active sriov-plugin.service))"
	fi
	tb_check "journal: the kill and the restart" sh -c \
		"journalctl -b -u sriov-plugin.service --no-pager -o cat | grep -q 'status=9/KILL'"
	for c in r1 r2; do
		m=$(cat "$KEEP/$c.mac")
		tb_check_eq "$c keeps its MAC" "$m" "$(ct_mac $c)"
		tb_check_eq "$c keeps VLAN 100" 100 "$(vf_field "$m" vlan)"
	done
	tb_check "r2 still pings r1" in_ct r2 /bin/busybox ping -c 2 -W 2 192.168.0.10
	tb_check "the restarted daemon knows both endpoints" sh -c \
		"/usr/sbin/sriov-plugin status --json | grep -c '$(cat "$KEEP/r1.mac")\\|$(cat "$KEEP/r2.mac")' | grep -qx 2"

	section "systemctl stop drains a request in flight"
	# a drop-in holding CreateEndpoints at a test hold point; SIGTERM lets a held one go on
	mkdir -p /run/systemd/system/sriov-plugin.service.d /run/sriov-hold
	printf '[Service]\nExecStart=\nExecStart=/usr/sbin/sriov-plugin --state-dir %s --test-hold-step create-recorded --test-hold-dir /run/sriov-hold\nReadWritePaths=/run/sriov-hold\n' \
		"$STATE" > /run/systemd/system/sriov-plugin.service.d/hold.conf
	systemctl daemon-reload
	tb_check "restart with the hold drop-in" systemctl restart sriov-plugin.service
	timeout 300 $D run -d --name s1 --net=vfnet --ip=192.168.0.12 bb sleep 100000 > /scratch/s1.out 2>&1 &
	RUNPID=$!
	tb_check "a CreateEndpoint is held in flight" tb_wait 120 sh -c 'ls /run/sriov-hold | grep -q "^create-recorded\."'
	STOPPED_PID=$(plugin_pid)
	tb_check "systemctl stop sriov-plugin (SIGTERM with the request in flight)" systemctl stop sriov-plugin.service
	wait "$RUNPID"
	tb_check_eq "the held request was answered: docker run s1 succeeded" 0 "$?"
	tb_check_eq "the daemon exited 0 (Result=success)" success "$(systemctl show -p Result --value sriov-plugin.service)"
	tb_check "journal: it finished the request after SIGTERM" sh -c \
		"journalctl -b _PID=$STOPPED_PID --no-pager -o cat | grep -A50 'finishing in-flight' | grep -q 'PF $PF VF'"
	# Docker's next call may have started a daemon with the drop-in already: release its holds and
	# restart it without the drop-in
	: > /run/sriov-hold/release
	rm -rf /run/systemd/system/sriov-plugin.service.d
	systemctl daemon-reload
	tb_check "without the drop-in again" systemctl try-restart sriov-plugin.service
	tb_check_not "no hold left in the daemon's command line" grep -q test-hold "/proc/$(plugin_pid)/cmdline"
	rm -rf /run/sriov-hold
	S1MAC=$(ct_mac s1)
	tb_check_eq "s1's VF is set up (VLAN 100)" 100 "$(vf_field "$S1MAC" vlan)"
	tb_check "docker rm -f s1 (the socket starts the daemon again)" $D rm -f s1
	tb_check_eq "s1's VF is reset" "" "$(vf_field "$S1MAC" vf)"

	section "a VM's VF taken home by the confined service"
	tb_check "vfio-pci loaded, as on a Kata host" modprobe vfio-pci
	tb_check "v1 on vfnet" timeout 300 $D run -d --name v1 --net=vfnet --ip=192.168.0.13 bb sleep 100000
	V1PCI=$(ct_bus v1)
	V1DEV=/sys/bus/pci/devices/$V1PCI
	echo vfio-pci > "$V1DEV/driver_override" && echo "$V1PCI" > "$V1DEV/driver/unbind" &&
		echo "$V1PCI" > /sys/bus/pci/drivers_probe
	echo > "$V1DEV/driver_override"
	tb_check_eq "its VF ($V1PCI) is on vfio-pci (a Kata VM that died)" vfio-pci "$(basename "$(readlink -f "$V1DEV/driver")")"
	tb_check "its VFIO group node exists" test -c "/dev/vfio/$(basename "$(readlink -f "$V1DEV/iommu_group")")"
	tb_check "docker rm -f v1" $D rm -f v1
	tb_check "the service took it home to igbvf (sysfs writes, /dev/vfio under its confinement)" \
		tb_wait 30 sh -c "[ \"\$(basename \"\$(readlink -f $V1DEV/driver)\")\" = igbvf ] && ls $V1DEV/net | grep -q ." ||
		/usr/sbin/sriov-plugin status --json | grep -i -A3 '"released"' | sed 's/^/#   /'
	tb_check_eq "no error in the plugin's journal" "" \
		"$(journalctl -b -u sriov-plugin.service -p err --no-pager -o cat | grep -v vlanid)"

	section "reboot"
	tb_check_eq "the units' main PIDs are the daemons before the reboot" "$(pgrep -x sriov-plugin)" "$(plugin_pid)"
	date +%s.%N > "$KEEP/reboot-at"
	echo "$TB_PASS $TB_FAIL" > "$KEEP/counts"
	tb_log "systemctl reboot"
	tb_reboot
fi

read -r p f < "$KEEP/counts" 2>/dev/null && { TB_PASS=$p; TB_FAIL=$f; }
section "after systemctl reboot"
tb_fact "reboot round trip (systemctl reboot to docker info answering)" \
	"$(awk -v a="$(cat "$KEEP/reboot-at")" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s"
tb_fact "boot to docker info, second boot" "$READY s"
systemd-analyze 2>/dev/null | sed 's/^/# /'
systemd-analyze blame --no-pager 2>/dev/null | head -8 | sed 's/^/#   /'
tb_check_eq "this is the second boot of the disk" 2 "$BOOT"
tb_check "r1 and r2 are running again (restart=always), no step by hand" \
	tb_wait 180 sh -c "[ \"\$($D inspect -f '{{.State.Running}}' r1 r2 | sort -u)\" = true ]"
for c in r1 r2; do
	m=$(cat "$KEEP/$c.mac")
	tb_check_eq "$c is back with its MAC" "$m" "$(ct_mac $c)"
	tb_check_eq "$c eth0 is a VF again (igbvf)" igbvf "$(in_ct $c ethtool -i eth0 | awk '/^driver:/{print $2}')"
	tb_check_eq "its VF has that admin MAC and VLAN 100" 100 "$(vf_field "$m" vlan)"
done
tb_check "r1 pings r2 again" in_ct r1 /bin/busybox ping -c 2 -W 2 192.168.0.11
SERVE=$(mono 'serving on' sriov-plugin.service)
RESTORE=$(mono 'Loading containers: done|Daemon has completed initialization' docker.service)
tb_log "journal (monotonic us): plugin serving $SERVE, dockerd's containers loaded $RESTORE"
tb_check "boot order in the journal: the plugin served before dockerd restored its containers" \
	test -n "$SERVE" -a -n "$RESTORE" -a "${SERVE:-0}" -lt "${RESTORE:-0}"
tb_check "systemd's order: sriov-plugin.service active before docker.service started" test \
	"$(systemctl show -p ActiveEnterTimestampMonotonic --value sriov-plugin.service)" -le \
	"$(systemctl show -p ExecMainStartTimestampMonotonic --value docker.service)"
tb_check "the plugin reclaimed the endpoints of the previous boot: two endpoints recorded" sh -c \
	"tb_n=\$(/usr/sbin/sriov-plugin status --json | $TB_PY -c 'import json,sys; print(sum(len(n[\"endpoint_list\"]) for n in json.load(sys.stdin)[\"networks\"]))'); [ \"\$tb_n\" = 2 ]"

section "upgrade to $NEW under systemd while the containers run"
OLDPID=$(plugin_pid)
tb_check "dpkg -i sriov-plugin_$NEW" dpkg -i "$DEB_NEW"
tb_check_eq "installed, version $NEW" "install ok installed $NEW" "$(pkg_status)"
tb_check "the postinst restarted the service (a new main PID)" tb_wait 30 sh -c \
	"p=\$(systemctl show -p MainPID --value sriov-plugin.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $OLDPID ]"
tb_check_eq "it runs the upgraded binary" "$(readlink -f /usr/sbin/sriov-plugin)" "$(readlink -f /proc/"$(plugin_pid)"/exe)"
for c in r1 r2; do
	m=$(cat "$KEEP/$c.mac")
	tb_check_eq "$c keeps its MAC" "$m" "$(ct_mac $c)"
	tb_check_eq "$c keeps VLAN 100" 100 "$(vf_field "$m" vlan)"
done
tb_check "docker rm -f r1 r2" $D rm -f r1 r2
tb_check "every VF is reset (no VLAN left on $PF)" tb_wait 30 test "$(configured_vfs)" = 0
tb_check "docker network rm vfnet" tb_net_rm vfnet

section "remove, then purge"
tb_check "dpkg -r sriov-plugin" dpkg -r sriov-plugin
tb_check_eq "the service is stopped (prerm)" inactive "$(systemctl is-active sriov-plugin.service)"
tb_check_eq "the socket is stopped" inactive "$(systemctl is-active sriov-plugin.socket)"
tb_check_not "the binary is gone" test -e /usr/sbin/sriov-plugin
tb_check "remove keeps the state directory" test -d "$STATE"
tb_check "remove keeps the conffile" test -f /etc/docker/plugins/sriov.json
tb_check "dpkg -P sriov-plugin" dpkg -P sriov-plugin
tb_check_not "purge deletes the state directory" test -e "$STATE"
tb_check_not "purge deletes the conffile" test -e /etc/docker/plugins/sriov.json
tb_check_not "purge removes the unit links" test -e /etc/systemd/system/sockets.target.wants/sriov-plugin.socket
tb_fact "suite time, second boot" "$(($(date +%s) - T0)) s"
tb_summary || { journalctl -b -u sriov-plugin.service --no-pager | tail -40; exit 1; }
