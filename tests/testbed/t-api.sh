#!/bin/bash
# Guest suite: the plugin API against real igb VFs (run with TESTBED_NICS=2), then the endurance
# run (SRIOV_CYCLES create/delete cycles, default 1000).
source "$(dirname "$0")/lib.sh"
tb_load_modules || { echo "cannot load modules"; exit 1; }
BIN=${PLUGIN_BIN:-$TB_REPO/build/sriov-plugin}
tb_stop_leftovers # an earlier suite's plugin on the same socket (seq.sh)
rc=0
/usr/bin/python3 "$TB_REPO/tests/testbed/api_suite.py" "$BIN" || rc=1
/usr/bin/python3 "$TB_REPO/tests/testbed/cycles_suite.py" "$BIN" "${SRIOV_CYCLES:-1000}" || rc=1
exit $rc
