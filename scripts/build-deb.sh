#!/bin/bash
# scripts/build-deb.sh OUT_DIR [VERSION]: builds the source and binary packages in OUT_DIR from a
# copy of the files git tracks (plus untracked, unignored ones), so the checkout stays clean.
# VERSION, when given, adds a changelog entry of that version on top of debian/changelog.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1 version=${2:-}
command -v dpkg-buildpackage >/dev/null || { echo "build-deb: dpkg-buildpackage missing (make deps)" >&2; exit 1; }
name=$(dpkg-parsechangelog -S Source)
[ -n "$version" ] || version=$(dpkg-parsechangelog -S Version)
# The binary reports the Makefile's VERSION: the package must not claim another upstream version.
upstream=$(sed -n 's/^VERSION *:= *//p' Makefile)
case "$version" in "$upstream" | "$upstream"[+~-]*) ;;
*) echo "build-deb: version $version does not start with the Makefile's VERSION $upstream" >&2; exit 1 ;;
esac
work=$out/work-$version
rm -rf "$work"
mkdir -p "$work/$name-$version"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf - | tar -C "$work/$name-$version" -xf -
else
	tar --exclude=./build -cf - . | tar -C "$work/$name-$version" -xf -
fi
if [ "$version" != "$(dpkg-parsechangelog -S Version)" ]; then
	cl=$work/$name-$version/debian/changelog
	{
		printf '%s (%s) unstable; urgency=medium\n\n  * Rebuild as %s.\n\n' "$name" "$version" "$version"
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
		cat "$cl"
	} > "$cl.new"
	mv "$cl.new" "$cl"
fi
( cd "$work/$name-$version" && dpkg-buildpackage -us -uc >../build.log 2>&1 ) ||
	{ tail -40 "$work/build.log" >&2; echo "build-deb: dpkg-buildpackage failed (log: $work/build.log)" >&2; exit 1; }
arch=$(dpkg --print-architecture)
mv "$work"/*_"${version}"[._]* "$out/"
rm -rf "$work"
echo "build-deb: $out/${name}_${version}_${arch}.deb"
