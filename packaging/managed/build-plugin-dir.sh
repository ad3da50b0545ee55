#!/bin/bash
# build-plugin-dir.sh BINARY CONFIG OUTDIR: a Docker managed (v2) plugin folder for
# `docker plugin create NAME OUTDIR`:
#   OUTDIR/config.json    the plugin's config (interface types, host network, caps, mounts)
#   OUTDIR/rootfs/        the binary as /sriov-plugin, exactly the shared libraries ldd names
#                         for it (same paths, symlinks resolved), and the empty mount points
#   OUTDIR/libraries      the list of those libraries (what ldd said), for checks
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 BINARY CONFIG OUTDIR" >&2; exit 2; }
bin=$1 config=$2 out=$3
[ -x "$bin" ] || { echo "$0: $bin is not an executable" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/rootfs"
root=$out/rootfs
for d in dev proc sys tmp etc run/docker/plugins run/docker/netns var/lib/sriov-plugin; do
	mkdir -p "$root/$d"
done
# Docker's SandboxKey paths are /var/run/docker/netns/<id>.
ln -s ../run "$root/var/run"
install -m 0755 "$bin" "$root/sriov-plugin"
# Every path ldd resolves: "libx.so => /path (addr)" and the loader "/lib64/ld-linux... (addr)".
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u > "$out/libraries"
[ -s "$out/libraries" ] || { echo "$0: ldd found no libraries for $bin" >&2; exit 1; }
if ldd "$bin" | grep -q 'not found'; then
	echo "$0: $bin has unresolved libraries:" >&2
	ldd "$bin" | grep 'not found' >&2
	exit 1
fi
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done < "$out/libraries"
# Debian's /lib and /lib64 are symlinks into /usr: give the rootfs the same shape so the
# loader path baked into the binary resolves whichever spelling ldd printed.
for d in lib lib64; do
	if [ -L "/$d" ] && [ ! -e "$root/$d" ] && [ -d "$root/usr/$d" ]; then ln -s "usr/$d" "$root/$d"; fi
done
cp "$config" "$out/config.json"
echo "managed plugin folder: $out ($(wc -l < "$out/libraries") libraries)"
