#!/bin/bash
# Installs the Debian packages needed to build and test the plugin, only if missing.
set -euo pipefail
PKGS="gcc make pkg-config libmicrohttpd-dev libjansson-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
      clang libclang-rt-14-dev cppcheck clang-tidy valgrind iproute2 ethtool python3 systemd
      debhelper dpkg-dev lintian"
missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
