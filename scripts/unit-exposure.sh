#!/bin/bash
# scripts/unit-exposure.sh DEB [MAX]: systemd-analyze security --offline=true of sriov-plugin.service
# exactly as the .deb installs it; prints the exposure and fails above MAX (default 4.0, "OK").
set -euo pipefail
deb=${1:?the .deb}
max=${2:-4.0}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
unit=$(find "$root" -path '*/systemd/system/sriov-plugin.service' | head -1)
[ -n "$unit" ] || { echo "unit-exposure: no sriov-plugin.service in $deb" >&2; exit 1; }
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
x=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
[ -n "$x" ] || { echo "$out" >&2; echo "unit-exposure: no exposure level in systemd-analyze's output" >&2; exit 1; }
grep '✗' <<<"$out" || true
echo "unit-exposure: systemd-analyze security of sriov-plugin.service as installed by $(basename "$deb"): $x (limit $max)"
awk -v x="$x" -v m="$max" 'BEGIN{exit !(x + 0 <= m + 0)}' || { echo "unit-exposure: FAILED: $x > $max" >&2; exit 1; }
