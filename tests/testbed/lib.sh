# tests/testbed/lib.sh: helpers shared by the guest suites (sourced, never run).
#
# A guest suite runs inside the test bed (scripts/testbed/run), as root, in a throw-away VM
# whose root is the host's / read-only with a tmpfs on top. These helpers promise:
#   - assertions printing `ok - ...` / `not ok - ...`, and tb_summary printing exactly
#     `<suite>: N passed, N failed` and returning non-zero if anything failed (or nothing ran);
#   - SR-IOV plumbing: modules, igb PF discovery, PF up, N VFs, VF <-> netdev/PCI lookups,
#     PF-side VF settings read back from `ip -j link show`;
#   - dockerd (no iptables, no bridge, tmpfs data root) and a busybox image `bb` built
#     without a registry;
#   - starting and stopping the plugin daemon ($TB_REPO/build/sriov-plugin).
# Every wait is bounded. Logs go to /scratch (guest tmpfs); /hostout outlives the guest.

# The Debian packages (dockerd 20.10 and its matching CLI, /usr/bin/python3) come first.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin
TB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TB_SUITE=${TB_SUITE:-$(basename "${0%.sh}")}
TB_DOCKER=/usr/bin/docker
TB_DOCKERD=/usr/sbin/dockerd
TB_PY=/usr/bin/python3
# The plugin's saved state (one file per record) has one reader, tests/lib/plugin_state.py:
# tb_state DIR [state|networks|endpoints|ipam|pools] [count] prints that part as JSON, or how
# many entries it has. In `sh -c` strings use "$TB_PY $TB_STATE_PY ..." (no shell functions there).
TB_STATE_PY=$TB_REPO/tests/lib/plugin_state.py
tb_state() { "$TB_PY" "$TB_STATE_PY" "$@"; }
TB_PLUGIN_SOCK=/run/docker/plugins/sriov.sock
TB_PLUGIN_LOG=/scratch/plugin.log
TB_DOCKERD_LOG=/scratch/dockerd.log
TB_PASS=0
TB_FAIL=0
TB_DOCKERD_PID=
TB_PLUGIN_PID=

# ---- assertions ---------------------------------------------------------------------------

tb_log() { echo "# $*"; }
tb_pass() { TB_PASS=$((TB_PASS + 1)); echo "ok - $*"; }
tb_fail() { TB_FAIL=$((TB_FAIL + 1)); echo "not ok - $*"; }

# tb_check DESC CMD...: passes if CMD exits 0; on failure shows the end of its output.
tb_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		tb_pass "$desc"
	else
		tb_fail "$desc  [\`$*\` exit $rc: $(printf '%s' "$out" | tail -c 300 | tr '\n' ' ')]"
		return 1
	fi
}

# tb_check_not DESC CMD...: passes if CMD fails.
tb_check_not() {
	local desc=$1
	shift
	if "$@" >/dev/null 2>&1; then
		tb_fail "$desc  [\`$*\` unexpectedly succeeded]"
		return 1
	fi
	tb_pass "$desc"
}

# tb_check_eq DESC EXPECTED ACTUAL
tb_check_eq() {
	if [ "$2" = "$3" ]; then
		tb_pass "$1"
	else
		tb_fail "$1  [expected '$2', got '$3']"
		return 1
	fi
}

# tb_fact KEY VALUE: records an observation (not an assertion); also kept in /hostout/facts.
tb_fact() {
	echo "fact: $1: $2"
	if [ -d /hostout ] && [ -w /hostout ]; then echo "$TB_SUITE: $1: $2" >> /hostout/facts; fi
}

# tb_summary: the suite's last word; its status is the suite's exit status.
tb_summary() {
	[ $((TB_PASS + TB_FAIL)) -gt 0 ] || tb_fail "no assertion ran"
	echo "$TB_SUITE: $TB_PASS passed, $TB_FAIL failed"
	[ "$TB_FAIL" -eq 0 ]
}

# tb_wait SECONDS CMD...: runs CMD every 0.2 s until it succeeds (0) or SECONDS pass (1).
tb_wait() {
	local end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# ---- SR-IOV --------------------------------------------------------------------------------

# tb_load_modules: igb (PFs, no VFs at load), igbvf, 8021q, vfio-pci, veth.
tb_load_modules() {
	local m rc=0
	modprobe igb max_vfs=0 || rc=1
	for m in igbvf 8021q vfio-pci veth; do modprobe "$m" || rc=1; done
	[ "${TESTBED_NICS:-1}" -gt 0 ] && { tb_wait 10 tb_has_pf || rc=1; }
	tb_udev_settle
	return $rc
}

tb_has_pf() { [ -n "$(tb_pfs)" ]; }

# tb_pfs: the igb PF netdevs of the root namespace, in PCI address order, one a line.
tb_pfs() {
	local d
	for d in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$d/device/driver" 2>/dev/null)")" = igb ] || continue
		echo "$(basename "$(readlink -f "$d/device")") $(basename "$d")"
	done | sort | cut -d' ' -f2
}

# tb_pf_pci PF: its PCI address.
tb_pf_pci() { basename "$(readlink -f "/sys/class/net/$1/device")"; }

# tb_pf_up PF: sets it up and waits (10 s) for carrier. igb refuses to hand the admin MAC
# to a (re)probed VF while the PF is down.
tb_pf_up() {
	ip link set "$1" up || return 1
	tb_wait 10 grep -qx 1 "/sys/class/net/$1/carrier"
}

# tb_enable_vfs PF N: sets sriov_numvfs to N (through 0 if it was another non-zero value)
# and waits (20 s) until each VF has its igbvf netdev.
tb_enable_vfs() {
	local pf=$1 n=$2 dev=/sys/class/net/$1/device cur i
	cur=$(cat "$dev/sriov_numvfs") || return 1
	if [ "$cur" != "$n" ]; then
		if [ "$cur" != 0 ]; then echo 0 > "$dev/sriov_numvfs" || return 1; fi
		echo "$n" > "$dev/sriov_numvfs" || return 1
	fi
	for ((i = 0; i < n; i++)); do
		tb_wait 20 tb_vf_netdev "$pf" "$i" || { echo "tb_enable_vfs: $pf VF $i has no netdev" >&2; return 1; }
	done
	tb_udev_settle # the names read next are the ones udev gave
}

# tb_udev_running: the guest's systemd-udevd is up (TESTBED_UDEV is not 0).
tb_udev_running() { [ -S /run/udev/control ]; }

# tb_udev_settle: waits (60 s) until udev has handled every event so far (renames included);
# nothing to wait for without udev.
tb_udev_settle() { ! tb_udev_running || udevadm settle --timeout=60; }

# tb_vf_pci PF VF: the VF's PCI address.
tb_vf_pci() {
	local l
	l=$(readlink -f "/sys/class/net/$1/device/virtfn$2") || return 1
	[ -e "$l" ] && basename "$l"
}

# tb_vf_netdev PF VF: the VF's netdev name (only while it is in the root namespace).
tb_vf_netdev() {
	local n
	n=$(ls "/sys/class/net/$1/device/virtfn$2/net" 2>/dev/null | head -1)
	[ -n "$n" ] && echo "$n"
}

# tb_vf_driver PF VF: the driver the VF is bound to (empty if none).
tb_vf_driver() {
	local d
	d=$(readlink -f "/sys/class/net/$1/device/virtfn$2/driver") || return 0
	[ -e "$d" ] && basename "$d"
	return 0
}

# tb_vf_rebind PF VF: unbinds and rebinds the VF from igbvf (makes it take the admin MAC and
# VLAN) and prints the new netdev name.
tb_vf_rebind() {
	local pci
	pci=$(tb_vf_pci "$1" "$2") || return 1
	echo "$pci" > /sys/bus/pci/drivers/igbvf/unbind || return 1
	echo "$pci" > /sys/bus/pci/drivers/igbvf/bind || return 1
	tb_wait 10 tb_vf_netdev "$1" "$2" || return 1
	tb_udev_settle
	tb_vf_netdev "$1" "$2"
}

# tb_vf_get PF VF FIELD: one PF-side VF setting read back from `ip -j link show PF`.
# FIELD: mac | vlan (0 = none) | qos | spoofchk | trust (true/false) | max_tx_rate |
#        min_tx_rate | link_state
tb_vf_get() {
	local expr
	case "$3" in
		mac) expr=.address ;;
		vlan) expr='(.vlan_list[0].vlan // 0)' ;;
		qos) expr='(.vlan_list[0].qos // 0)' ;;
		spoofchk | trust | link_state) expr=.$3 ;;
		max_tx_rate) expr=.rate.max_tx ;;
		min_tx_rate) expr=.rate.min_tx ;;
		*) echo "tb_vf_get: unknown field $3" >&2; return 2 ;;
	esac
	ip -j link show "$1" | jq -er --argjson vf "$2" ".[0].vfinfo_list[] | select(.vf == \$vf) | $expr"
}

# tb_netns_vf NS NETDEV [ADDR/PREFIX]: moves NETDEV into namespace NS (created if needed) as
# eth0, with ADDR, up.
tb_netns_vf() {
	[ -e "/run/netns/$1" ] || ip netns add "$1" || return 1
	ip link set "$2" down && ip link set "$2" netns "$1" || return 1
	ip -n "$1" link set "$2" name eth0 || return 1
	if [ -n "${3:-}" ]; then ip -n "$1" addr add "$3" dev eth0 || return 1; fi
	ip -n "$1" link set lo up && ip -n "$1" link set eth0 up
}

# tb_ping NS ADDR [COUNT]: ping from namespace NS (2 s per reply at most).
tb_ping() { ip netns exec "$1" /bin/busybox ping -c "${3:-2}" -W 2 "$2"; }

# ---- Docker --------------------------------------------------------------------------------

# tb_start_dockerd [EXTRA_ARGS...]: dockerd without iptables or bridge, data on a tmpfs (kept
# across restarts within the guest); waits (60 s) until it answers.
tb_start_dockerd() {
	mkdir -p /var/lib/docker
	mountpoint -q /var/lib/docker || mount -t tmpfs tmpfs /var/lib/docker || return 1
	# containerd of our own, started once and waited for: dockerd's built-in start gives up
	# after a few seconds, too short for an emulated CPU on a busy host.
	if [ ! -S /run/containerd/containerd.sock ] || ! tb_wait 2 ctr version; then
		containerd >> /scratch/containerd.log 2>&1 &
		tb_wait 90 ctr version || { echo "tb_start_dockerd: containerd not ready" >&2; return 1; }
	fi
	"$TB_DOCKERD" --containerd=/run/containerd/containerd.sock --bridge=none --iptables=false \
		--ip6tables=false --ip-forward=false \
		--ip-masq=false --data-root /var/lib/docker "$@" >> "$TB_DOCKERD_LOG" 2>&1 &
	TB_DOCKERD_PID=$!
	if ! tb_wait 120 tb_dockerd_ready || tb_gone "$TB_DOCKERD_PID"; then
		echo "tb_start_dockerd: dockerd not ready (or exited); end of $TB_DOCKERD_LOG:" >&2
		tail -20 "$TB_DOCKERD_LOG" >&2
		return 1
	fi
}

# tb_use_docker 20|26|28: which Docker the tb_*dockerd helpers and $TB_DOCKER run: bookworm's 20.10
# (installed), trixie's 26 + Compose v2 (unpacked by scripts/testbed/setup into
# $TESTBED_DIR/docker26; containerd and runc stay bookworm's), or sid's 28 + Compose v2 with its own
# containerd 2.1 and runc 1.3 ($TESTBED_DIR/docker28). A dockerd still running (an earlier suite's) is
# stopped and the data root emptied when the version changes (they do not share one); a containerd of the other
# kind is stopped (its state emptied too) so that tb_start_dockerd starts the right one. Suites
# start with $TESTBED_DOCKER (default 20).
tb_use_docker() {
	local tb=${TESTBED_DIR:-/var/tmp/sriov-testbed} dir= want ctrd=/usr/bin/containerd p
	case "$1" in
		20) want=/usr/bin/docker ;;
		26 | 28) dir=$tb/docker$1; want=$dir/usr/bin/docker
		    [ -x "$want" ] && [ -x "$dir/usr/sbin/dockerd" ] ||
			{ echo "tb_use_docker: no Docker $1 in $dir: run scripts/testbed/setup" >&2; return 1; }
		    [ "$1" = 28 ] && ctrd=$dir/usr/bin/containerd ;;
		*) echo "tb_use_docker: '$1' is not 20, 26 or 28" >&2; return 2 ;;
	esac
	if [ "$want" != "$TB_DOCKER" ]; then
		# a dockerd of another version left by an earlier suite of the same boot (seq.sh)
		for p in $(pgrep -x dockerd); do
			kill -TERM "$p"
			tb_wait 30 tb_gone "$p" || { kill -KILL "$p"; tb_wait 5 tb_gone "$p"; }
		done
		if mountpoint -q /var/lib/docker; then umount /var/lib/docker || umount -l /var/lib/docker || return 1; fi
	fi
	for p in $(pgrep -x containerd); do
		[ "$(readlink -f "/proc/$p/exe")" = "$(readlink -f "$ctrd")" ] && continue
		kill -TERM "$p"
		tb_wait 30 tb_gone "$p" || { kill -KILL "$p"; tb_wait 5 tb_gone "$p"; }
		if mountpoint -q /var/lib/containerd; then
			umount /var/lib/containerd && mount -t tmpfs tmpfs /var/lib/containerd || return 1
		fi
	done
	TB_DOCKER=$want
	if [ -n "$dir" ]; then
		TB_DOCKERD=$dir/usr/sbin/dockerd
		# docker-proxy, docker-init (and for 28 containerd, its shim and runc) beside it; the
		# Compose CLI plugin where the CLI looks.
		export PATH=$dir/usr/sbin:$dir/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin
		mkdir -p /root/.docker/cli-plugins
		ln -sf "$dir/usr/libexec/docker/cli-plugins/docker-compose" /root/.docker/cli-plugins/docker-compose
	else
		TB_DOCKERD=/usr/sbin/dockerd
		export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin
	fi
	D=$TB_DOCKER
}

# tb_dockerd_ready: it answers, or it died (then tb_start_dockerd fails at once).
tb_dockerd_ready() { tb_gone "$TB_DOCKERD_PID" || "$TB_DOCKER" info; }

# tb_stop_dockerd: SIGTERM, wait (30 s), then SIGKILL. Returns 1 if it had to be killed.
tb_stop_dockerd() {
	local pid=${TB_DOCKERD_PID:-$(cat /run/docker.pid 2>/dev/null)}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	if ! tb_wait 30 tb_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		tb_wait 5 tb_gone "$pid"
		TB_DOCKERD_PID=
		return 1
	fi
	TB_DOCKERD_PID=
}

# tb_gone PID: the process has exited (a zombie child counts as gone).
tb_gone() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "${st%% *}" = Z ]
}

# tb_import_busybox: the image `bb` (busybox-static, applets as symlinks), no registry.
tb_import_busybox() {
	local r=/scratch/bbroot d
	"$TB_DOCKER" image inspect bb >/dev/null 2>&1 && return 0
	rm -rf "$r"
	for d in bin sbin usr/bin usr/sbin etc proc sys dev tmp root; do mkdir -p "$r/$d"; done
	cp /bin/busybox "$r/bin/busybox" || return 1
	chroot "$r" /bin/busybox --install -s || return 1
	echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
	echo 'root:x:0:' > "$r/etc/group"
	tar -C "$r" -c . | "$TB_DOCKER" import - bb >/dev/null
}

# ---- the plugin daemon ---------------------------------------------------------------------

# tb_plugin_answers: its socket accepts a connection.
tb_plugin_answers() {
	"$TB_PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])' "$TB_PLUGIN_SOCK" 2>/dev/null
}

# tb_start_plugin [ARGS...]: starts the plugin (log appended to /scratch/plugin.log) and
# waits (60 s: start-up re-enables VFs and waits for them first) until its socket accepts connections. A stale socket file left by a killed
# plugin does not count: the process must be alive and answering.
tb_start_plugin() {
	local bin=$TB_REPO/build/sriov-plugin state=${SRIOV_STATE_DIR:-/var/lib/sriov-plugin} end
	[ -x "$bin" ] || { echo "tb_start_plugin: $bin is not built" >&2; return 1; }
	mkdir -p /run/docker/plugins "$state" /scratch
	"$bin" --socket "$TB_PLUGIN_SOCK" --state-dir "$state" "$@" >> "$TB_PLUGIN_LOG" 2>&1 &
	TB_PLUGIN_PID=$!
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt "$end" ]; do
		if tb_gone "$TB_PLUGIN_PID"; then
			echo "tb_start_plugin: plugin exited; end of $TB_PLUGIN_LOG:" >&2
			tail -20 "$TB_PLUGIN_LOG" >&2
			wait "$TB_PLUGIN_PID" 2>/dev/null
			TB_PLUGIN_PID=
			return 1
		fi
		[ -S "$TB_PLUGIN_SOCK" ] && tb_plugin_answers && return 0
		sleep 0.2
	done
	echo "tb_start_plugin: $TB_PLUGIN_SOCK not answering after 60 s" >&2
	return 1
}

# tb_stop_plugin: SIGTERM, wait (20 s); returns the plugin's exit status (1 and SIGKILL if it
# did not stop).
tb_stop_plugin() {
	local pid=$TB_PLUGIN_PID rc
	[ -n "$pid" ] || { echo "tb_stop_plugin: no plugin started" >&2; return 1; }
	kill -TERM "$pid" 2>/dev/null
	if ! tb_wait 20 tb_gone "$pid"; then
		echo "tb_stop_plugin: plugin ignored SIGTERM for 20 s, killing it" >&2
		tb_kill_plugin
		return 1
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	TB_PLUGIN_PID=
	return $rc
}

# tb_kill_plugin: SIGKILL (a crash), waits until it is gone.
tb_kill_plugin() {
	local pid=$TB_PLUGIN_PID
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	tb_wait 10 tb_gone "$pid"
	wait "$pid" 2>/dev/null
	TB_PLUGIN_PID=
	return 0
}

# tb_stop_leftovers: a plugin or dockerd that an earlier suite of the same boot (seq.sh) left
# running is stopped (TERM, then KILL after 30 s), so this suite starts its own.
tb_stop_leftovers() {
	local p
	for p in $(pgrep -x dockerd) $(pgrep -x sriov-plugin); do
		kill -TERM "$p" 2>/dev/null
		tb_wait 30 tb_gone "$p" || { kill -KILL "$p" 2>/dev/null; tb_wait 5 tb_gone "$p"; }
	done
	rm -f "$TB_PLUGIN_SOCK"
}

# tb_rm_each NAME...: docker rm -f one container at a time: dockerd's own endpoint count can go
# wrong when it removes many at once (moby/moby#42119), and a later `network rm` then fails with
# "has active endpoints" although every DeleteEndpoint was answered.
tb_rm_each() { local c rc=0; for c in "$@"; do "$TB_DOCKER" rm -f "$c" >/dev/null || rc=1; done; return $rc; }
# tb_net_rm NET: docker network rm, retried for up to 30 s (dockerd counts an endpoint out only
# after the plugin answered its DeleteEndpoint); on failure, the containers dockerd still sees on it.
tb_net_rm() {
	tb_wait 30 "$TB_DOCKER" network rm "$1" && return 0
	"$TB_DOCKER" network inspect -f '{{json .Containers}}' "$1" >&2
	return 1
}

# tb_like_new_boot: what a suite that used to have a guest of its own finds when it shares a boot
# (seq.sh): no plugin or dockerd running, Docker's data root and the plugin's state empty, no VFs
# enabled (igb loads with max_vfs=0).
tb_like_new_boot() {
	local pf
	tb_stop_leftovers
	if mountpoint -q /var/lib/docker; then umount /var/lib/docker 2>/dev/null || umount -l /var/lib/docker; fi
	rm -rf "${SRIOV_STATE_DIR:-/var/lib/sriov-plugin}"
	for pf in $(tb_pfs); do echo 0 > "/sys/class/net/$pf/device/sriov_numvfs" || return 1; done
	tb_udev_settle
}

# The Docker a suite starts with (TESTBED_DOCKER=26 for trixie's, 28 for sid's).
if [ -n "${TESTBED_DOCKER:-}" ] && [ "$TESTBED_DOCKER" != 20 ]; then
	tb_use_docker "$TESTBED_DOCKER" || exit 1
fi

# ---- a guest that boots with systemd (TESTBED_INIT=systemd, scripts/testbed/guest/boot-systemd) --

# tb_boot_number: which boot of the guest's disk this is (1 = the first; the suite runs at each).
tb_boot_number() { cat /run/testbed-boot 2>/dev/null || echo 0; }

# tb_reboot: `systemctl reboot`; the suite is stopped by it and runs again from its start once
# the guest is up (tb_boot_number tells the boots apart; keep what must carry over on disk).
tb_reboot() {
	: > /run/testbed-rebooting
	sync
	systemctl reboot
	sleep 900
	echo "tb_reboot: still running 900 s after systemctl reboot" >&2
	exit 1
}

# tb_unit_pid UNIT: its main PID (0 when not running).
tb_unit_pid() { systemctl show -p MainPID --value "$1"; }

# ---- two guests on one wire (scripts/testbed/run-pair) -------------------------------------

TB_ROLE=${TESTBED_PAIR_ROLE:-}
TB_SELF=${TESTBED_PAIR_SELF:-}
TB_PEER=${TESTBED_PAIR_PEER:-}

# tb_ctl_netdev: the control link's netdev (the virtio-net NIC).
tb_ctl_netdev() {
	local d
	for d in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$d/device/driver" 2>/dev/null)")" = virtio_net ] && basename "$d" && return 0
	done
	return 1
}

# tb_pair_up: hostname tb-a / tb-b (Swarm names nodes by it), the control link up with
# TB_SELF/24, and waits (300 s: the other guest may boot later) until TB_PEER answers on it.
tb_pair_up() {
	local ctl
	[ -n "$TB_ROLE" ] || { echo "tb_pair_up: not in a guest pair (scripts/testbed/run-pair)" >&2; return 1; }
	hostname "tb-$TB_ROLE" && echo "tb-$TB_ROLE" > /etc/hostname
	grep -q "tb-$TB_ROLE" /etc/hosts 2>/dev/null || echo "127.0.1.1 tb-$TB_ROLE" >> /etc/hosts
	modprobe virtio_net || return 1
	tb_wait 10 tb_ctl_netdev || { echo "tb_pair_up: no virtio-net control NIC" >&2; return 1; }
	ctl=$(tb_ctl_netdev)
	ip addr add "$TB_SELF/24" dev "$ctl" && ip link set "$ctl" up || return 1
	# 300 s: on a loaded host one TCG guest can finish booting minutes after the other
	tb_wait 300 /bin/busybox ping -c 1 -W 1 "$TB_PEER" || { echo "tb_pair_up: peer $TB_PEER silent for 300 s" >&2; return 1; }
}

# tb_pair_signal NAME: tells the other guest NAME happened (a marker file it can fetch over the
# control link: busybox httpd serving /scratch/pair on port 8099 of TB_SELF).
tb_pair_signal() {
	mkdir -p /scratch/pair
	if [ ! -e /scratch/pair/.httpd ]; then
		/bin/busybox httpd -p "$TB_SELF:8099" -h /scratch/pair || return 1
		: > /scratch/pair/.httpd
	fi
	printf '%s\n' "${2:-}" > "/scratch/pair/$1.tmp" && mv "/scratch/pair/$1.tmp" "/scratch/pair/$1"
}

# tb_pair_await NAME SECONDS: waits (bounded) until the other guest signalled NAME; prints the
# value it signalled with it.
# One python3 polls (every 0.2 s) rather than one started per try: under TCG an interpreter
# start costs a good part of a second of CPU, which the other guest on this host needs.
# (python3, not busybox wget: the static busybox's wget crashes resolving on glibc)
tb_pair_await() {
	"$TB_PY" -c 'import sys, time, urllib.request
end = time.monotonic() + float(sys.argv[2])
while True:
    try:
        sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=2).read())
        sys.exit(0)
    except OSError:
        if time.monotonic() >= end:
            sys.exit(1)
        time.sleep(0.2)' "http://$TB_PEER:8099/$1" "$2" || {
		echo "tb_pair_await: no '$1' from $TB_PEER after $2 s" >&2; return 1; }
}
