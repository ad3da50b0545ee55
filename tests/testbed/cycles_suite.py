#!/usr/bin/env python3
"""Endurance, run inside the test bed: N endpoint create/delete cycles (default 1000) on real VFs.
At the end the pool is full again (every VF can be handed out), every VF is reset, and the daemon's
resident memory has not grown between the end of the warm-up and the end of the run.
Usage: cycles_suite.py PLUGIN_BINARY [CYCLES]"""
import json
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from plugin_client import (PluginClient, Results, docker_create_endpoint, docker_create_network,  # noqa: E402
                           sh, spawn_plugin)

BIN = sys.argv[1]
CYCLES = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
WARMUP = min(100, CYCLES // 10)
SOCK = "/run/docker/plugins/sriov.sock"
STATE = "/scratch/cycles-state"
LOG = "/scratch/plugin-cycles.log"
R = Results("cycles")
C = PluginClient(SOCK)
NET = "cycles" + "0" * 58


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def pf_name():
    for n in sorted(os.listdir("/sys/class/net")):
        if os.path.basename(os.path.realpath("/sys/class/net/%s/device/driver" % n)) == "igb":
            return n
    raise SystemExit("no igb PF")


def main():
    pf = pf_name()
    os.makedirs("/run/docker/plugins", exist_ok=True)
    proc, answered = spawn_plugin(BIN, SOCK, STATE, LOG, ("--log-level", "warn", "--reclaim-interval", "0"))
    R.check(answered, "plugin starts")
    s, b = C.call("NetworkDriver.CreateNetwork", docker_create_network(NET, {"pf_iface": pf, "vlanid": "55"}))
    R.check(s == 200, "network", b)
    failures = []
    rss_warm = None
    for i in range(CYCLES):
        ep = "cy%062d" % i
        s, b = C.call("NetworkDriver.CreateEndpoint", docker_create_endpoint(NET, ep, "192.168.0.%d/24" % (i % 200 + 2)))
        if s != 200:
            failures.append((i, "create", b))
        s, b = C.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET, "EndpointID": ep})
        if s != 200:
            failures.append((i, "delete", b))
        if i + 1 == WARMUP:
            rss_warm = rss_kib(proc.pid)
    rss_end = rss_kib(proc.pid)
    R.check(not failures, "%d create/delete cycles all succeed" % CYCLES, failures[:3])
    print("# RSS after %d cycles: %d KiB; after %d: %d KiB" % (WARMUP, rss_warm, CYCLES, rss_end))
    R.check(rss_end - rss_warm <= 256, "RSS does not grow (%d -> %d KiB)" % (rss_warm, rss_end))
    link = json.loads(sh("ip -j link show " + pf).stdout)[0]
    vlans = [(v.get("vlan_list") or [{}])[0].get("vlan", 0) for v in link.get("vfinfo_list", [])]
    R.check(vlans and all(v == 0 for v in vlans), "every VF reset at the end", vlans)
    got = [C.call("NetworkDriver.CreateEndpoint", docker_create_endpoint(NET, "full%060d" % i))[0] for i in range(8)]
    R.check(got == [200] * 7 + [409], "pool full at the end: 7 VFs handed out, the 8th refused", got)
    proc.send_signal(signal.SIGTERM)
    R.check(proc.wait(timeout=30) == 0, "clean exit")
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
