#!/bin/bash
# tests/testbed/t-managed.sh: the managed (v2) plugin built by `make managed-plugin`
# (build/managed-plugin, built on the host beforehand) in the test bed:
#   the folder (config.json, rootfs with exactly ldd's libraries), `docker plugin create`,
#   `docker plugin enable`, `docker network create -d` that plugin (its IPAM too), a container
#   on a VF, `status` through the plugin's socket, disable and remove.
# Run: make managed-plugin && scripts/testbed/run tests/testbed/t-managed.sh
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=$TB_DOCKER
BIN=$TB_REPO/build/sriov-plugin
MP=$TB_REPO/build/managed-plugin
NAME=sriov-managed:latest
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

section "the plugin folder"
if ! tb_check "build/managed-plugin exists (make managed-plugin)" test -f "$MP/config.json"; then tb_summary; exit 1; fi
tb_check "config.json: interface, socket, entrypoint, host network, capabilities, mounts" "$TB_PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))
def need(cond, what):
    if not cond:
        sys.exit("config.json: " + what)
need(c["interface"]["types"] == ["docker.networkdriver/1.0", "docker.ipamdriver/1.0"], "interface types")
need(c["interface"]["socket"] == "sriov.sock", "socket")
e = c["entrypoint"]
need(e[0] == "/sriov-plugin" and e[e.index("--socket") + 1] == "/run/docker/plugins/sriov.sock", "entrypoint")
need(c["network"]["type"] == "host", "host network")
need(sorted(c["linux"]["capabilities"]) == ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"], "capabilities")
m = {x["destination"]: x for x in c["mounts"]}
need(set(m) == {"/sys", "/run/docker/netns", "/var/lib/sriov-plugin", "/run/udev", "/dev"}, "mounts %s" % sorted(m))
need(c["linux"]["allowAllDevices"] is True, "device access for /dev/vfio/<group> (whether a VM holds a released VF)")
need("ro" in m["/run/udev"]["options"], "udev database mounted read-only")
need(all(x["source"] == d and "rbind" in x["options"] for d, x in m.items()), "mounts are rbinds of the same paths")
' "$MP/config.json"
tb_check_eq "rootfs files = the binary + exactly the libraries ldd names" \
	"$( (echo /sriov-plugin; ldd "$BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }') | sort -u | tr '\n' ' ')" \
	"$(cd "$MP/rootfs" && find . \( -type f -o -type l \) ! -name lib ! -name lib64 ! -name run | sed 's|^\.||' | sort | tr '\n' ' ')"
tb_check "the rootfs binary runs in a chroot with only those libraries" chroot "$MP/rootfs" /sriov-plugin --version

section "host and Docker"
tb_check "modules load" tb_load_modules
tb_check "as after a new boot (what earlier suites of this boot left is undone)" tb_like_new_boot
PF=$(tb_pfs | head -1)
if [ -z "$PF" ]; then tb_summary; exit 1; fi
tb_check "$PF up" tb_pf_up "$PF"
# What systemd does at boot (the guest's init does not): shared mounts, so that the
# namespaces Docker mounts under /run/docker/netns appear inside the plugin's mount namespace.
mount --make-rshared /
# The plugin's bind-mount sources must exist before it is enabled.
mkdir -p /run/docker/netns /var/lib/sriov-plugin
tb_check "dockerd starts" start_dockerd
tb_check "busybox image" tb_import_busybox

section "docker plugin create / enable"
tb_check "docker plugin create $NAME build/managed-plugin" "$D" plugin create "$NAME" "$MP"
tb_check "docker plugin enable $NAME" "$D" plugin enable "$NAME"
tb_check_eq "plugin enabled" true "$("$D" plugin inspect -f '{{.Enabled}}' "$NAME" 2>&1)"
ID=$("$D" plugin inspect -f '{{.Id}}' "$NAME")
tb_check "its socket appears under /run/docker/plugins/<id>/" tb_wait 20 test -S "/run/docker/plugins/$ID/sriov.sock"
tb_check_eq "the daemon runs as the plugin's process" sriov-plugin "$(pgrep -x sriov-plugin >/dev/null && echo sriov-plugin)"
# dockerd logs a managed plugin's stdout at level=info and its stderr at level=error (issue 25):
# the plugin's information lines must be on stdout, so that an operator filtering dockerd's
# errors sees only the plugin's errors.
tb_check "the plugin's 'serving on' line reaches dockerd's log at level=info" \
	tb_wait 10 grep -qE 'level=info .*sriov-plugin [^ ]+ serving on' "$TB_DOCKERD_LOG"
tb_check_not "no information line of the plugin in dockerd's log at level=error" \
	grep -qE 'level=error msg="[^"]*Z (info|debug) ' "$TB_DOCKERD_LOG"

section "network and container through the managed plugin"
tb_check "docker network create -d $NAME --ipam-driver $NAME" \
	"$D" network create -d "$NAME" --ipam-driver "$NAME" -o pf_iface="$PF" -o vlanid=200 --subnet 10.60.0.0/24 mnet
tb_check_eq "the plugin enabled the VFs" 7 "$(cat "/sys/class/net/$PF/device/sriov_numvfs")"
tb_check "docker run m1 on a VF" "$D" run -d --name m1 --net mnet bb sleep 900
tb_check "docker run m2 on a VF" "$D" run -d --name m2 --net mnet bb sleep 900
for c in m1 m2; do
	pid=$("$D" inspect -f '{{.State.Pid}}' "$c")
	drv=$(nsenter -t "$pid" -n ethtool -i eth0 2>/dev/null | awk '/^driver:/{print $2}')
	tb_check_eq "$c eth0 is an igbvf VF" igbvf "$drv"
	tb_check "$c eth0 has an address from the plugin's IPAM (10.60.0.x)" \
		sh -c "'$D' exec $c ip -o -4 addr show eth0 | grep -q 'inet 10.60.0.'"
done
m2ip=$("$D" exec m2 ip -o -4 addr show eth0 | awk '{print $4}' | cut -d/ -f1)
tb_check "m1 pings m2 over the VFs (VLAN 200)" "$D" exec m1 ping -c 2 -W 3 "$m2ip"
"$BIN" status --json --socket "/run/docker/plugins/$ID/sriov.sock" > /scratch/mstatus.json 2>&1
tb_check_eq "status through the managed plugin's socket" 0 "$?"
tb_check "status: two VFs owned, with existing netns paths seen by the plugin" "$TB_PY" -c '
import json, sys
v = json.load(open(sys.argv[1]))
owned = [f for f in v["pfs"][0]["vfs"] if f["owner"]]
if len(owned) != 2 or any(f["vlan"] != 200 for f in owned):
    sys.exit("owned VFs: %s" % owned)
' /scratch/mstatus.json
# The containers' namespaces must be visible inside the plugin (its /run/docker/netns mount,
# /var/run -> /run in its rootfs): its stale-endpoint sweep reclaims VFs whose SandboxKey is gone.
P=$(pgrep -x sriov-plugin | head -1)
for c in m1 m2; do
	sk=$("$D" inspect -f '{{.NetworkSettings.SandboxKey}}' "$c")
	tb_check "$c's SandboxKey $sk exists inside the plugin's mount namespace" test -e "/proc/$P/root$sk"
done
# The plugin's stale-endpoint sweep (every 30 s) must see the containers' namespaces through
# the /run/docker/netns mount, or it would reclaim their VFs.
sleep 35
tb_check_eq "after a reclaim sweep both containers still hold their VFs" 2 \
	"$("$BIN" status --json --socket "/run/docker/plugins/$ID/sriov.sock" | "$TB_PY" -c '
import json, sys
print(sum(1 for f in json.load(sys.stdin)["pfs"][0]["vfs"] if f["owner"]))')"
tb_check "m1 still pings m2" "$D" exec m1 ping -c 1 -W 3 "$m2ip"

section "teardown"
tb_check "docker rm -f m1 m2" "$D" rm -f m1 m2
tb_check "docker network rm mnet" "$D" network rm mnet
tb_check "docker plugin disable" "$D" plugin disable "$NAME"
tb_check "docker plugin rm" "$D" plugin rm "$NAME"
if [ "$TB_FAIL" -gt 0 ]; then
	tb_log "end of dockerd's log:"
	tail -40 "$TB_DOCKERD_LOG" | sed 's/^/#   /'
fi
tb_stop_dockerd
section "end"
tb_summary
