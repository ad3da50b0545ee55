#!/bin/bash
# Runs each unit test binary, prints its own summary, then one total line.
set -u
passed=0; failed=0; broken=0
for bin in "$@"; do
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E 'FAIL|passed,' 
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -1)
	p=$(printf '%s' "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
	if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		echo "BROKEN $bin (exit $rc, no summary or crash)"; printf '%s\n' "$out" | tail -20; broken=$((broken+1))
	fi
	passed=$((passed+${p:-0})); failed=$((failed+${f:-0}))
done
echo "unit: $passed passed, $((failed+broken)) failed"
[ $failed -eq 0 ] && [ $broken -eq 0 ]
