#!/usr/bin/env python3
"""Runs the host suites against the real daemon (needs root: network namespaces).
  PLUGIN_BIN=build/asan/sriov-plugin  another build     VALGRIND=1  the daemon under valgrind
  HOST_VERBOSE=1  print passing checks too               HOST_KEEP=1 keep the temp dirs
Usage: run.py [api] [hostile] [faults] [conc] [pass] [multipf] [store] [metrics] [journal]   (default: all). Last line: host-api: N passed, N failed"""
import os
import sys
import traceback

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_api  # noqa: E402
import test_concurrency  # noqa: E402
import test_faults  # noqa: E402
import test_hostile  # noqa: E402
import test_journal  # noqa: E402
import test_metrics  # noqa: E402
import test_multipf  # noqa: E402
import test_passthrough  # noqa: E402
import test_store  # noqa: E402
from hostlib import Results  # noqa: E402

SUITES = {"api": test_api.run_all, "hostile": test_hostile.run_all, "faults": test_faults.run_all,
          "conc": test_concurrency.run_all, "pass": test_passthrough.run_all,
          "multipf": test_multipf.run_all, "store": test_store.run_all, "metrics": test_metrics.run_all,
          "journal": test_journal.run_all}


def main():
    if os.geteuid() != 0:
        print("host-api: needs root (network namespaces)")
        print("host-api: 0 passed, 1 failed")
        return 1
    names = sys.argv[1:] or list(SUITES)
    total = Results("host-api")
    for name in names:
        r = Results(name)
        print("== %s" % name)
        sys.stdout.flush()
        try:
            SUITES[name](r)
        except Exception:  # a crash of the harness or the daemon is a failure, never a skip
            traceback.print_exc()
            r.failed += 1
        print("%s: %d passed, %d failed" % (name, r.passed, r.failed))
        total.passed += r.passed
        total.failed += r.failed
    print("host-api: %d passed, %d failed" % (total.passed, total.failed))
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main())
