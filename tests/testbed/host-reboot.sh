#!/bin/bash
# Host side of the reboot test: two guests in a row share one folder (TESTBED_OUT) that holds the
# plugin's state dir and an ext4 image with dockerd's data root, like a host's disk across a power cut.
# Guest 1 runs containers on an SR-IOV network and loses power; guest 2 boots with VFs disabled and
# no network namespaces, and must find the networks, re-enable VFs, reclaim the stale endpoints and run
# new containers.
set -u
cd "$(dirname "$0")/../.."
OUT=$(mktemp -d "${TESTBED_DIR:-/var/tmp/sriov-testbed}/reboot.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
truncate -s 2G "$OUT/docker.img"
mkfs.ext4 -q -F "$OUT/docker.img" || { echo "reboot: mkfs.ext4 failed"; exit 1; }
rc=0
TESTBED_OUT=$OUT scripts/testbed/run tests/testbed/g-reboot.sh before || rc=1
TESTBED_OUT=$OUT scripts/testbed/run tests/testbed/g-reboot.sh after || rc=1
echo "reboot: $([ $rc = 0 ] && echo 2 || echo 1) passed, $rc failed"
exit $rc
