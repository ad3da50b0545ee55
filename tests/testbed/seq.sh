#!/bin/bash
# tests/testbed/seq.sh "[NAME=VALUE ...] SUITE [ARGS]" ...: several guest suites in one boot, one after another
# (each in its own bash, from this folder); exit 0 only if every one passed. Saves a boot per
# suite in make check; suites put together here must not need a fresh guest (the first one's
# leftovers are the next one's starting point: order them so that holds).
set -u
HERE=$(dirname "${BASH_SOURCE[0]}")
rc=0
for suite in "$@"; do
	read -ra words <<<"$suite"
	# leading NAME=VALUE words are the suite's environment (TESTBED_DOCKER=28 t-docker.sh ...)
	envs=()
	while [ ${#words[@]} -gt 0 ] && [[ "${words[0]}" =~ ^[A-Z_][A-Z0-9_]*= ]]; do
		envs+=("${words[0]}")
		words=("${words[@]:1}")
	done
	echo "# === seq: ${envs[*]} ${words[*]}"
	started=$SECONDS
	env "${envs[@]}" bash "$HERE/${words[0]}" "${words[@]:1}"
	r=$?
	# what each suite of a shared boot costs, kept with the run's facts (make check's part table)
	echo "# === seq: ${words[*]}: exit $r ($((SECONDS - started)) s)"
	[ -n "${TESTBED_OUT:-}" ] && echo "seq: ${envs[*]} ${words[*]}: exit $r, $((SECONDS - started)) s" >>"$TESTBED_OUT/facts"
	[ "$r" = 0 ] || rc=1
done
exit $rc
