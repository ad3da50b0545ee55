#!/bin/bash
# Host side of the reboot test: two guests in a row share one folder (TESTBED_OUT) that holds the
# plugin's state dir and an ext4 image with dockerd's data root, like a host's disk across a power cut.
# Guest 1 runs containers on an SR-IOV network and loses power; guest 2 boots with VFs disabled and
# no network namespaces, and must find the networks, re-enable VFs, reclaim the stale endpoints and run
# new containers.
set -u
cd "$(dirname "$0")/../.."
OUT=$(mktemp -d "${TESTBED_DIR:-/var/tmp/sriov-testbed}/reboot.XXXXXX")
# kept when something failed: the plugin's logs of both boots are in it
trap '[ "${failed:-1}" = 0 ] && rm -rf "$OUT" || echo "reboot: logs kept in $OUT"' EXIT
truncate -s 2G "$OUT/docker.img"
mkfs.ext4 -q -F "$OUT/docker.img" || { echo "reboot: mkfs.ext4 failed"; exit 1; }
# dockerd's disk is a virtio disk of the guest (a loop device over 9p is refused)
export TESTBED_QEMU_ARGS="-drive file=$OUT/docker.img,format=raw,if=virtio,cache=unsafe"
passed=0; failed=0
for phase in before after; do
	if TESTBED_OUT=$OUT scripts/testbed/run tests/testbed/g-reboot.sh $phase; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		[ $phase = before ] && { failed=2; break; }
	fi
done
echo "reboot: $passed passed, $failed failed"
[ $failed = 0 ]
