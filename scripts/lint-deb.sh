#!/bin/bash
# scripts/lint-deb.sh DEB_DIR: lintian on the newest .changes there (source and binary package).
# Errors and warnings fail; each override lives in debian/*lintian-overrides with its reason.
set -euo pipefail
dir=$1
changes=$(ls -t "$dir"/*.changes 2>/dev/null | grep -v _source.changes | head -1)
[ -n "$changes" ] || { echo "lint-deb: no .changes in $dir (make deb)" >&2; exit 1; }
echo "lint-deb: lintian $changes"
out=$(lintian --fail-on error,warning --display-level '>=warning' "$changes" 2>&1) && rc=0 || rc=$?
[ -z "$out" ] || echo "$out"
[ $rc = 0 ] && echo "lint-deb: no errors or warnings" || echo "lint-deb: FAILED (exit $rc)" >&2
exit $rc
