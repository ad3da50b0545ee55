#!/bin/bash
# Guest suite: the plugin API against real igb VFs (run with TESTBED_NICS=2).
source "$(dirname "$0")/lib.sh"
tb_load_modules || { echo "cannot load modules"; exit 1; }
exec /usr/bin/python3 "$TB_REPO/tests/testbed/api_suite.py" "${PLUGIN_BIN:-$TB_REPO/build/sriov-plugin}"
