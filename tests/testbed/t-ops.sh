#!/bin/bash
# tests/testbed/t-ops.sh [doctor]: the operator's side, in the test bed.
#   - `doctor`: passes with TESTBED_IOMMU=1; without it passes with an IOMMU warning (runc only), and
#     `doctor --kata` fails on the IOMMU check and names the fix
#   - `make install` into a DESTDIR (the tree, modes, the discovery spec, the units, the man page),
#     then into the guest's own root and `systemd-analyze verify` on the units
#   - socket activation through systemd-socket-activate, Docker creating a network through it,
#     journald priority prefixes under JOURNAL_STREAM
#   - `status` (table and JSON) after two containers start; "not running" once it stops
# With the argument `doctor`, only the doctor part runs (for the run without an IOMMU).
# Run: [TESTBED_IOMMU=1] scripts/testbed/run tests/testbed/t-ops.sh [doctor]
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=$TB_DOCKER
BIN=$TB_REPO/build/sriov-plugin
ONLY=${1:-all}
SOCK=/run/docker/plugins/sriov.sock
T0=$(date +%s)
# dockerd under a loaded host (TCG on shared cores) may miss its containerd start timeout: once more.
start_dockerd() {
	tb_start_dockerd && return 0
	tb_log "dockerd did not start; retrying once"
	tb_stop_dockerd
	[ -f /var/run/docker/containerd/containerd.pid ] && kill "$(cat /var/run/docker/containerd/containerd.pid)" 2>/dev/null
	sleep 2
	tb_start_dockerd
}
section() { tb_log "--- $* (t=$(($(date +%s) - T0))s)"; }

tb_check "modules load" tb_load_modules
tb_check "as after a new boot (what earlier suites of this boot left is undone)" tb_like_new_boot
PF=$(tb_pfs | head -1)
if [ -z "$PF" ]; then tb_summary; exit 1; fi
PFPCI=$(tb_pf_pci "$PF")
tb_check "$PF up" tb_pf_up "$PF"
tb_check "$PF: 7 VFs with netdevs" tb_enable_vfs "$PF" 7

section "doctor (TESTBED_IOMMU=${TESTBED_IOMMU:-0})"
out=$("$BIN" doctor 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/#   /'
if [ "${TESTBED_IOMMU:-0}" = 1 ]; then
	tb_check_eq "doctor exits 0 with an IOMMU" 0 "$rc"
	tb_check "doctor: [pass] IOMMU: on" grep -q '^\[pass\] IOMMU: on' <<<"$out"
	tb_check "doctor: each VF alone in its IOMMU group" grep -q "^\[pass\] $PF IOMMU groups: each of the 7 VFs" <<<"$out"
	tb_check_not "doctor: no FAIL line" grep -q '^\[FAIL\]' <<<"$out"
else
	# runc only (no Kata, nothing on vfio-pci): IOMMU problems are warnings and the run passes
	tb_check_eq "doctor exits 0 without an IOMMU on a runc-only host" 0 "$rc"
	tb_check "doctor: [warn] IOMMU: off" grep -q '^\[warn\] IOMMU: off' <<<"$out"
	tb_check "doctor says Kata/VFIO is not in use" grep -q '^\[pass\] Kata/VFIO: not in use' <<<"$out"
	# with --kata (as on a Kata host) they fail
	kout=$("$BIN" doctor --kata 2>&1)
	krc=$?
	printf '%s\n' "$kout" | sed 's/^/#   /'
	tb_check_eq "doctor --kata exits 1 without an IOMMU" 1 "$krc"
	tb_check "doctor --kata: [FAIL] IOMMU: off" grep -q '^\[FAIL\] IOMMU: off' <<<"$kout"
	out=$kout
	tb_check "doctor: the IOMMU fix names the kernel parameter and GRUB" grep -Eq \
		'^ +fix: add (intel|amd)_iommu=on to the kernel command line \(GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot\)' \
		<<<"$out"
	tb_check "doctor: VFs without IOMMU groups fail" grep -q "^\[FAIL\] $PF IOMMU groups: 7 of 7 VFs have no IOMMU group" <<<"$out"
fi
tb_check "doctor: [pass] VFIO (vfio-pci loaded)" grep -q '^\[pass\] VFIO: vfio-pci is loaded' <<<"$out"
tb_check "doctor: [pass] $PF SR-IOV 7 of 7" grep -qF "[pass] $PF SR-IOV: $PF ($PFPCI): 7 of 7 VFs enabled" <<<"$out"
tb_check "doctor: [pass] $PF link" grep -q "^\[pass\] $PF link: up" <<<"$out"
tb_check "doctor: [pass] $PF VF drivers (igbvf)" grep -qF "[pass] $PF VF drivers: all 7 VFs bound (igbvf)" <<<"$out"
tb_check "doctor: VF MACs checked through netlink" grep -Eq "^\[(pass|warn)\] $PF VF MACs: (all 7 VF admin MACs|[0-9] of 7 VFs have)" <<<"$out"
tb_check "doctor: hugepages is a warning" grep -q '^\[warn\] hugepages' <<<"$out"
"$BIN" doctor "$PF" > /scratch/doctor-pf.txt 2>&1
tb_check_eq "doctor $PF: same verdict" "$rc" "$?"
tb_check_not "doctor $PF: no other NIC checked" grep -q 'SR-IOV NICs' /scratch/doctor-pf.txt
ip link set "$PF" down
"$BIN" doctor "$PF" > /scratch/doctor-down.txt 2>&1
tb_check_eq "doctor with the PF down exits 1" 1 "$?"
tb_check "doctor with the PF down: fix is 'ip link set $PF up'" grep -q "^ *fix: ip link set $PF up$" /scratch/doctor-down.txt
tb_pf_up "$PF"
"$BIN" doctor nosuchnic0 > /scratch/doctor-bad.txt 2>&1
tb_check_eq "doctor nosuchnic0 exits 2" 2 "$?"
if [ "$ONLY" = doctor ]; then tb_summary; exit; fi

section "make install into a DESTDIR"
DEST=/scratch/dest
make -s -C "$TB_REPO" install DESTDIR="$DEST" PREFIX=/usr > /scratch/install.log 2>&1
tb_check_eq "make install DESTDIR=$DEST PREFIX=/usr" 0 "$?"
mode() { stat -c %a "$1" 2>&1; }
tb_check_eq "daemon installed 0755 in /usr/sbin" 755 "$(mode "$DEST/usr/sbin/sriov-plugin")"
tb_check_eq "discovery spec /etc/docker/plugins/sriov.json 0644" 644 "$(mode "$DEST/etc/docker/plugins/sriov.json")"
tb_check_eq "discovery spec content" "sriov unix:///run/docker/plugins/sriov.sock" \
	"$("$TB_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["Name"], d["Addr"])' "$DEST/etc/docker/plugins/sriov.json" 2>&1)"
U=$DEST/usr/lib/systemd/system
tb_check_eq "sriov-plugin.socket installed 0644" 644 "$(mode "$U/sriov-plugin.socket")"
tb_check_eq "sriov-plugin.service installed 0644" 644 "$(mode "$U/sriov-plugin.service")"
tb_check "socket: ListenStream=$SOCK" grep -qx "ListenStream=$SOCK" "$U/sriov-plugin.socket"
tb_check "socket: SocketMode=0660" grep -qx "SocketMode=0660" "$U/sriov-plugin.socket"
tb_check "service: ExecStart is the installed daemon" grep -q "^ExecStart=/usr/sbin/sriov-plugin " "$U/sriov-plugin.service"
tb_check "service: ordered before docker.service" grep -qx "Before=docker.service" "$U/sriov-plugin.service"
tb_check_eq "man page installed 0644" 644 "$(mode "$DEST/usr/share/man/man8/sriov-plugin.8")"
tb_check "man page renders" sh -c "MANWIDTH=100 man -l '$DEST/usr/share/man/man8/sriov-plugin.8' 2>/dev/null | grep -q 'sriov-plugin - SR-IOV network and IPAM plugin for Docker'"
tb_check_eq "nothing else installed" 5 "$(find "$DEST" -type f | wc -l)"

section "make install into the guest's root; systemd-analyze verify"
make -s -C "$TB_REPO" install PREFIX=/usr/local > /scratch/install2.log 2>&1
tb_check_eq "make install PREFIX=/usr/local" 0 "$?"
out=$(systemd-analyze verify /usr/local/lib/systemd/system/sriov-plugin.socket \
	/usr/local/lib/systemd/system/sriov-plugin.service 2>&1)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
tb_check_eq "systemd-analyze verify sriov-plugin.socket sriov-plugin.service" 0 "$rc"
tb_check_eq "systemd-analyze verify: no warning" "" "$out"

section "journald priority prefixes under JOURNAL_STREAM"
JOURNAL_STREAM=8:12345 /usr/local/sbin/sriov-plugin --socket /scratch/j.sock --state-dir /scratch/jstate \
	--reclaim-interval 0 > /scratch/j.log 2>&1 &
JPID=$!
tb_wait 10 test -S /scratch/j.sock
kill -TERM $JPID
wait $JPID
tb_check "log lines start with <6> (info) under JOURNAL_STREAM" grep -q '^<6>sriov-plugin .* serving on /scratch/j.sock' /scratch/j.log

section "socket activation (systemd-socket-activate) and Docker"
mkdir -p /run/docker/plugins /var/lib/sriov-plugin /scratch
systemd-socket-activate -l "$SOCK" /usr/local/sbin/sriov-plugin --state-dir /var/lib/sriov-plugin \
	--log-level debug >> "$TB_PLUGIN_LOG" 2>&1 &
SA_PID=$!
tb_check "the socket is there before the daemon" tb_wait 10 test -S "$SOCK"
tb_check_eq "no daemon yet: systemd-socket-activate waits for a connection" systemd-socket- "$(cat /proc/$SA_PID/comm)"
tb_check "dockerd starts" start_dockerd
tb_check "busybox image" tb_import_busybox
tb_check "docker network create -d sriov through the activated socket" \
	"$D" network create -d sriov -o pf_iface="$PF" -o vlanid=100 --subnet 10.50.0.0/24 net1
tb_check_eq "the daemon now runs in place of systemd-socket-activate" sriov-plugin "$(cat /proc/$SA_PID/comm)"
tb_check "the daemon says it serves a socket from systemd" grep -q "serving on a socket from systemd" "$TB_PLUGIN_LOG"

section "status after two containers"
tb_check "docker run c1" "$D" run -d --name c1 --net net1 bb sleep 900
tb_check "docker run c2" "$D" run -d --name c2 --net net1 bb sleep 900
NETID=$("$D" network inspect -f '{{.Id}}' net1)
SK1=$("$D" inspect -f '{{.NetworkSettings.SandboxKey}}' c1)
SK2=$("$D" inspect -f '{{.NetworkSettings.SandboxKey}}' c2)
"$BIN" status --json > /scratch/status.json 2>&1
tb_check_eq "status --json exits 0" 0 "$?"
sed 's/^/#   /' /scratch/status.json | head -40
tb_check "status --json: PF, VFs, owners and network as Docker sees them" "$TB_PY" -c '
import json, sys
path, pf, pf_pci, netid, sk1, sk2 = sys.argv[1:]
v = json.load(open(path))
def need(cond, what):
    if not cond:
        sys.exit("status --json: " + what)
need(len(v["pfs"]) == 1, "one PF")
p = v["pfs"][0]
need(p["name"] == pf and p["pci"] == pf_pci, "PF name/pci %s %s" % (p["name"], p["pci"]))
need(p["driver"] == "igb" and p["link"] == "up", "PF driver igb, link up")
need(p["numvfs"] == 7 and p["totalvfs"] == 7 and len(p["vfs"]) == 7, "7/7 VFs")
owned = [f for f in p["vfs"] if f["owner"]]
free = [f for f in p["vfs"] if f["owner"] is None]
need(len(owned) == 2 and len(free) == 5, "2 owned, 5 free")
need(sorted(f["owner"]["sandbox"] for f in owned) == sorted([sk1, sk2]), "owners netns are c1 and c2")
for f in owned:
    need(f["owner"]["network"] == netid and f["owner"]["joined"], "owner network/joined")
    need(f["vlan"] == 100 and f["driver"] == "igbvf" and f["netdev"] == "", "owned VF: vlan 100, igbvf, netdev moved away")
    need(f["mac"] not in ("", "00:00:00:00:00:00"), "owned VF has an admin MAC")
    need(f["spoofchk"] is True and f["trust"] is False, "owned VF: spoofchk on, trust off")
    need(f["owner"]["address4"].startswith("10.50.0."), "owner address in the subnet")
for f in free:
    need(f["driver"] == "igbvf" and f["netdev"] != "" and f["pci"] != "", "free VF has its netdev")
need(len(v["networks"]) == 1, "one network")
n = v["networks"][0]
need(n["id"] == netid and n["pf"] == pf and n["endpoints"] == 2, "network id/pf/endpoints")
need(n["options"]["vlan"] == 100 and n["options"]["spoofchk"] is True, "network options")
need(n["pool4"] == "10.50.0.0/24", "network pool")
' /scratch/status.json "$PF" "$PFPCI" "$NETID" "$SK1" "$SK2"
"$BIN" status > /scratch/status.txt 2>&1
tb_check_eq "status (table) exits 0" 0 "$?"
sed 's/^/#   /' /scratch/status.txt
tb_check "table: PF line with driver, link and VF counts" \
	grep -qxF "PF $PF ($PFPCI)  driver igb  link up  VFs 7/7" /scratch/status.txt
tb_check "table: VF header" grep -q "^  VF  PCI  *DRIVER  *NETDEV  *MAC  *VLAN SPOOFCHK TRUST OWNER$" /scratch/status.txt
tb_check_eq "table: two VFs owned by net1, with their netns" 2 \
	"$(grep -c "network ${NETID:0:12} endpoint [0-9a-f]\{12\} netns /var/run/docker/netns/" /scratch/status.txt)"
tb_check_eq "table: five VFs free" 5 "$(grep -c ' free$' /scratch/status.txt)"
tb_check "table: the network with its options" \
	grep -q "^  ${NETID:0:12} $PF .* 100 *2 *10.50.0.0/24 .*vlan=100.*spoofchk=on" /scratch/status.txt
tb_check "status --socket $SOCK" "$BIN" status --socket "$SOCK"
"$BIN" status --bogus > /dev/null 2>&1
tb_check_eq "status --bogus exits 2" 2 "$?"

section "teardown; status when the daemon is gone"
tb_check "docker rm -f c1 c2" "$D" rm -f c1 c2
tb_check "docker network rm net1" "$D" network rm net1
tb_check "dockerd stops" tb_stop_dockerd
kill -TERM "$SA_PID"
tb_check "the daemon stops on SIGTERM" tb_wait 20 tb_gone "$SA_PID"
wait "$SA_PID" 2>/dev/null
out=$("$BIN" status 2>&1)
tb_check_eq "status exits 1 when the daemon is not running" 1 "$?"
tb_check_eq "status says so" "sriov-plugin is not running (no answer on $SOCK)" "$out"
section "end"
tb_summary
