#!/bin/bash
# scripts/promtool.sh: prints the path of a promtool, fetching it the first time.
#
# promtool comes with Debian's `prometheus` package, whose installation would start a
# Prometheus server on the host: the package is downloaded (apt-get download, through a private
# apt list of the host's own bookworm sources) and only promtool is unpacked (dpkg -x) into
# $TESTBED_DIR/promtool/, the way scripts/testbed/setup unpacks Docker 26. Nothing is installed.
# Idempotent: when promtool is there it prints its path at once, with no network access.
# Environment: PROMTOOL (a promtool to use instead), TESTBED_DIR (default /var/tmp/sriov-testbed).
set -euo pipefail
if [ -n "${PROMTOOL:-}" ]; then
	[ -x "$PROMTOOL" ] || { echo "promtool.sh: PROMTOOL=$PROMTOOL is not executable" >&2; exit 1; }
	echo "$PROMTOOL"; exit 0
fi
TB=${TESTBED_DIR:-/var/tmp/sriov-testbed}
DIR=$TB/promtool
if [ -x "$DIR/promtool" ] && "$DIR/promtool" --version >/dev/null 2>&1; then
	echo "$DIR/promtool"; exit 0
fi
[ "$(id -u)" = 0 ] || { echo "promtool.sh: must run as root to fetch promtool" >&2; exit 1; }
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9  # two suites fetching at once: one fetches, the other finds it
if [ -x "$DIR/promtool" ]; then echo "$DIR/promtool"; exit 0; fi
mkdir -p "$DIR/apt/lists/partial" "$DIR/apt/parts" "$DIR/deb"
cp /etc/apt/sources.list.d/debian.sources "$DIR/apt/parts/debian.sources" 2>/dev/null ||
	echo 'deb http://deb.debian.org/debian bookworm main' > "$DIR/apt/parts/bookworm.list"
APT=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$DIR/apt/parts"
     -o "Dir::State::Lists=$DIR/apt/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
echo "promtool.sh: fetching Debian's prometheus package (promtool only is unpacked into $DIR)" >&2
apt-get "${APT[@]}" update -qq >&2
rm -f "$DIR"/deb/*.deb
(cd "$DIR/deb" && apt-get "${APT[@]}" download prometheus 2>&1 | grep -v 'Download is performed unsandboxed' >&2 || true)
compgen -G "$DIR/deb/prometheus_*.deb" >/dev/null || { echo "promtool.sh: download of prometheus failed" >&2; exit 1; }
rm -rf "$DIR/x" && mkdir "$DIR/x"
dpkg -x "$DIR"/deb/prometheus_*.deb "$DIR/x"
install -m 0755 "$DIR/x/usr/bin/promtool" "$DIR/promtool.new"
mv "$DIR/promtool.new" "$DIR/promtool"
rm -rf "$DIR/x" "$DIR"/deb/*.deb "$DIR/apt/lists"
"$DIR/promtool" --version >/dev/null
echo "$DIR/promtool"
