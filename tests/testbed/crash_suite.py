#!/usr/bin/env python3
"""Crash consistency, run inside the test bed. Rounds of endpoint create/join/leave/delete while the
plugin is killed, either by its fault-injection switch (--fault-after-step N: _exit after the Nth kernel
or state step of an endpoint operation) or by SIGKILL from a timer. After every restart the interrupted
call is retried as dockerd retries transport errors, and the invariants are checked:
state loads; no VF owned twice; no half-done endpoint left; every VF the kernel shows configured by us
belongs to a live endpoint; Docker's view (the endpoints it still has) and ours agree and keep working.
Also a crash in Join's trusted moment (an untrusted network's VF trusted while its netdev takes the
admin MAC, which no record covers): the next start finds the VF trusted and repairs it.
Usage: crash_suite.py PLUGIN_BINARY [ROUNDS]"""
import json
import os
import random
import signal
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import plugin_state  # noqa: E402  (the one reader of the state dir's layout)
from plugin_client import (PluginClient, Results, docker_create_endpoint, docker_create_network,  # noqa: E402
                           sh, spawn_plugin)

BIN = sys.argv[1]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 24
SOCK = "/run/docker/plugins/sriov.sock"
STATE = "/scratch/crash-state"
LOG = "/scratch/plugin-crash.log"
VLAN = 777
SEED = int(os.environ.get("SRIOV_CRASH_SEED", "4242"))
rnd = random.Random(SEED)
R = Results("crash")
C = PluginClient(SOCK, timeout=30)
NET = "crashnet" + "0" * 56
proc = None


def start(*extra):
    global proc
    proc, answered = spawn_plugin(BIN, SOCK, STATE, LOG, ("--reclaim-interval", "0", *extra))
    return answered


def alive():
    return proc is not None and proc.poll() is None


def pf_name():
    for n in sorted(os.listdir("/sys/class/net")):
        if os.path.basename(os.path.realpath("/sys/class/net/%s/device/driver" % n)) == "igb":
            return n
    raise SystemExit("no igb PF")


PF = pf_name()


def vfs_kernel():
    link = json.loads(sh("ip -j link show " + PF).stdout)[0]
    out = {}
    for v in link.get("vfinfo_list", []):
        vl = (v.get("vlan_list") or [{}])[0]
        out[v["vf"]] = (v["address"], vl.get("vlan", 0))
    return out


def mac_for(n):
    return "02:cc:00:00:%02x:%02x" % (n >> 8 & 0xff, n & 0xff)


class Model:
    """What dockerd believes: endpoint id -> {"joined": bool, "mac": str}."""

    def __init__(self):
        self.eps = {}
        self.n = 0


def call_retrying(method, body):
    """Like dockerd: a transport error is retried (after the plugin is back); HTTP errors are not."""
    try:
        return C.call(method, body), False
    except OSError:
        pass
    # the plugin died during the call: restart it without faults and retry once
    if proc is not None:
        proc.wait(timeout=10)
    R.check(start(), "plugin restarts after a crash (state loads)", open(LOG).read()[-600:])
    return C.call(method, body), True


def one_op(model):
    """One random dockerd-like operation. Returns True if the plugin crashed during it."""
    choice = rnd.random()
    live = list(model.eps)
    if not live or (choice < 0.45 and len(live) < 7):
        model.n += 1
        ep = "ep%062d" % model.n
        mac = mac_for(model.n)
        (s, b), crashed = call_retrying("NetworkDriver.CreateEndpoint",
                                        docker_create_endpoint(NET, ep, "10.7.0.%d/24" % (model.n % 250 + 2), mac))
        if s == 200:
            model.eps[ep] = {"joined": False, "mac": mac}
        else:
            R.check("in use" in (b or {}).get("Err", ""), "a refused CreateEndpoint only says the pool is full", b)
        return crashed
    ep = rnd.choice(live)
    st = model.eps[ep]
    if not st["joined"] and choice < 0.7:
        ns = "crash" + ep[-6:]
        sh("ip netns add " + ns)
        (s, b), crashed = call_retrying("NetworkDriver.Join", {"NetworkID": NET, "EndpointID": ep,
                                                               "SandboxKey": "/run/netns/" + ns, "Options": {}})
        R.check(s == 200, "Join of a live endpoint works", b)
        st["joined"] = s == 200
        return crashed
    if st["joined"]:
        (s, b), crashed = call_retrying("NetworkDriver.Leave", {"NetworkID": NET, "EndpointID": ep})
        R.check(s == 200, "Leave works", b)
        st["joined"] = False
        sh("ip netns del crash" + ep[-6:])
        return crashed
    (s, b), crashed = call_retrying("NetworkDriver.DeleteEndpoint", {"NetworkID": NET, "EndpointID": ep})
    R.check(s == 200, "DeleteEndpoint works", b)
    del model.eps[ep]
    return crashed


def vf_driver(vf_pci):
    link = "/sys/bus/pci/devices/%s/driver" % vf_pci
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else ""


def check_invariants(model, where):
    state = plugin_state.load(STATE)
    records = [e for e in state["endpoints"] if e["network_id"] == NET]
    vfs = [e["vf"] for e in records]
    R.check(len(vfs) == len(set(vfs)), where + ": no VF owned twice", vfs)
    # `released`: Docker is done with the endpoint, but its VF was left off its host driver (a crash
    # between unbind and bind); the record is the plugin's proof that the VF is its own, and the pool
    # takes it back. It must hold a VF that is reset and not on its host driver.
    released = [e for e in records if e["phase"] == "released"]
    R.check(all(vf_driver(e["vf_pci"]) != "igbvf" for e in released),
            where + ": a released record holds a VF off its host driver",
            [(e["vf"], vf_driver(e["vf_pci"])) for e in released])
    eps = [e for e in records if e["phase"] != "released"]
    R.check(all(e["phase"] == "ready" for e in eps), where + ": no half-done endpoint left",
            [e["phase"] for e in eps])
    R.check(sorted(e["id"] for e in eps) == sorted(model.eps), where + ": plugin and dockerd agree on endpoints",
            (sorted(e["id"][-4:] for e in eps), sorted(k[-4:] for k in model.eps)))
    owner = {e["vf"]: e["mac"] for e in eps}
    bad = []
    for vf, (mac, vlan) in vfs_kernel().items():
        ours = mac.startswith("02:cc:") or vlan == VLAN
        if ours and owner.get(vf) != mac:
            bad.append((vf, mac, vlan))
    R.check(not bad, where + ": every VF configured by us belongs to a live endpoint", bad)


def retry_after_crash_mid_rebind():
    """A crash between the unbind and the bind of a VF during CreateEndpoint: the next start keeps
    the VF as released (it is off its driver), and dockerd's retry of the same CreateEndpoint must
    get an endpoint, not 'already exists'."""
    ep = "retry" + "0" * 59
    body = docker_create_endpoint(NET, ep, "10.7.0.250/24", mac_for(4000))
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    start("--fault-after-step", "1")  # step 1 of CreateEndpoint: the record is written, the VF not yet set
    try:
        s, b = C.call("NetworkDriver.CreateEndpoint", body)
        R.check(False, "fault injection stops the plugin during CreateEndpoint", (s, b))
        return
    except OSError:
        pass
    proc.wait(timeout=10)
    rec = [e for e in plugin_state.load(STATE)["endpoints"] if e["id"] == ep]
    R.check(len(rec) == 1 and rec[0]["phase"] == "creating", "the crash left a 'creating' record", rec)
    if len(rec) != 1:
        return
    vf_pci = rec[0]["vf_pci"]
    with open("/sys/bus/pci/devices/%s/driver/unbind" % vf_pci, "w") as f:
        f.write(vf_pci)  # as if the crash came between unbind and bind
    R.check(start(), "plugin restarts after a crash mid-rebind")
    s, b = C.call("NetworkDriver.CreateEndpoint", body)
    R.check(s == 200, "dockerd's retry of that CreateEndpoint gets an endpoint", b)
    records = plugin_state.load(STATE)["endpoints"]
    R.check(any(e["id"] == ep and e["phase"] == "ready" for e in records), "the retried endpoint is ready",
            [(e["id"][:12], e["phase"]) for e in records])
    R.check(any(e["vf_pci"] == vf_pci and e["phase"] == "released" for e in records) or vf_driver(vf_pci) == "igbvf",
            "the VF left unbound is still recorded as ours (released) or back home",
            [(e["id"][:12], e["phase"], e["vf_pci"]) for e in records])
    s, b = C.call("NetworkDriver.Join", {"NetworkID": NET, "EndpointID": ep + ".released0",
                                         "SandboxKey": "/run/netns/x", "Options": {}})
    R.check(s == 404, "a released record is not an endpoint Docker can join", (s, b))
    s, b = C.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET, "EndpointID": ep})
    R.check(s == 200, "the retried endpoint is deleted", b)


def vf_info(vf):
    link = json.loads(sh("ip -j link show " + PF).stdout)[0]
    return next((v for v in link.get("vfinfo_list", []) if v["vf"] == vf), {})


def netdev_mac(vf_pci):
    folder = "/sys/bus/pci/devices/%s/net" % vf_pci
    names = os.listdir(folder) if os.path.isdir(folder) else []
    if not names:
        return None, None
    with open("%s/%s/address" % (folder, names[0])) as f:
        return names[0], f.read().strip()


def crash_in_join_trust_window():
    """A VF netdev that does not carry the admin MAC at Join (a trusted moment earlier set another
    one, then the PF's was set back): Join trusts the VF (its network does not) while the netdev
    asks for the admin MAC. A crash at each of the two fault points inside that moment leaves the
    VF trusted; the next start finds it so and repairs it, and dockerd's retry of the Join works."""
    for step in (1, 2):
        ep = "trustwin%d" % step + "0" * 55
        mac = mac_for(4100 + step)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        R.check(start(), "plugin starts (trust window, step %d)" % step)
        body = docker_create_endpoint(NET, ep, "10.7.0.%d/24" % (240 + step), mac)
        s, b = C.call("NetworkDriver.CreateEndpoint", body)
        R.check(s == 200, "endpoint created", b)
        rec = [e for e in plugin_state.load(STATE)["endpoints"] if e["id"] == ep]
        if s != 200 or len(rec) != 1:
            return
        vf, vf_pci = rec[0]["vf"], rec[0]["vf_pci"]
        netdev, _ = netdev_mac(vf_pci)
        other = "02:dd:00:00:00:%02x" % step
        sh("ip link set %s vf %d trust on" % (PF, vf))
        sh("ip link set dev %s address %s" % (netdev, other))
        sh("ip link set %s vf %d mac %s" % (PF, vf, mac))
        sh("ip link set %s vf %d trust off" % (PF, vf))
        R.check(netdev_mac(vf_pci)[1] == other and vf_info(vf).get("address") == mac and
                vf_info(vf).get("trust") is False,
                "step %d: the VF netdev has another MAC than the admin MAC, VF untrusted" % step,
                (netdev_mac(vf_pci), vf_info(vf)))
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        start("--fault-after-step", str(step))
        join = {"NetworkID": NET, "EndpointID": ep, "SandboxKey": "/run/netns/trustwin%d" % step, "Options": {}}
        try:
            s, b = C.call("NetworkDriver.Join", join)
            R.check(False, "fault injection stops the plugin inside Join's trusted moment (step %d)" % step, (s, b))
        except OSError:
            pass
        proc.wait(timeout=10)
        R.check(vf_info(vf).get("trust") is True, "step %d: the crash left the VF trusted" % step, vf_info(vf))
        mark = os.path.getsize(LOG)
        R.check(start(), "plugin restarts after a crash in Join's trusted moment (step %d)" % step)
        R.check(vf_info(vf).get("trust") is False, "step %d: start-up repaired the VF: trust off" % step,
                vf_info(vf))
        with open(LOG) as f:
            f.seek(mark)
            log = f.read()
        R.check("VF %d (%s) of %s found with trust on (should be off)" % (vf, vf_pci, PF) in log and
                "repaired" in log, "step %d: the repair is logged" % step, log[-600:])
        s, b = C.call("NetworkDriver.Join", join)
        R.check(s == 200, "step %d: dockerd's retry of the Join works" % step, b)
        R.check(netdev_mac(vf_pci)[1] == mac and vf_info(vf).get("trust") is False and
                vf_info(vf).get("address") == mac,
                "step %d: the VF netdev carries the admin MAC, the VF untrusted" % step,
                (netdev_mac(vf_pci), vf_info(vf)))
        C.call("NetworkDriver.Leave", {"NetworkID": NET, "EndpointID": ep})
        s, b = C.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET, "EndpointID": ep})
        R.check(s == 200, "step %d: endpoint deleted" % step, b)


def main():
    os.makedirs("/run/docker/plugins", exist_ok=True)
    R.check(start(), "plugin starts")
    s, b = C.call("NetworkDriver.CreateNetwork", docker_create_network(NET, {"pf_iface": PF, "vlanid": str(VLAN)},
                                                                       pool="10.7.0.0/24", gateway="10.7.0.1/24"))
    R.check(s == 200, "network created", b)
    retry_after_crash_mid_rebind()
    crash_in_join_trust_window()
    model = Model()
    crashes = 0
    for rnd_no in range(ROUNDS):
        # even rounds: fault injection at a random step; odd rounds: SIGKILL from a timer
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        if rnd_no % 2 == 0:
            step = rnd.randint(1, 12)
            start("--fault-after-step", str(step))
            how = "fault after step %d" % step
            timer = None
        else:
            start()
            delay = rnd.uniform(0.05, 1.5)
            timer = threading.Timer(delay, lambda p=proc: p.poll() is None and p.send_signal(signal.SIGKILL))
            timer.start()
            how = "SIGKILL after %.2fs" % delay
        crashed = False
        for _ in range(14):
            crashed = one_op(model) or crashed
            if crashed:
                break
        if timer:
            timer.cancel()
        if not alive():
            proc.wait(timeout=10)
            R.check(start(), "plugin restarts after " + how)
            crashed = True
        crashes += crashed
        check_invariants(model, "round %d (%s%s)" % (rnd_no, how, ", crashed" if crashed else ""))
    R.check(crashes >= ROUNDS // 3, "crashes really happened (%d of %d rounds)" % (crashes, ROUNDS))
    # wind down: everything Docker still has leaves and is deleted; the pool is whole again
    for ep, st in list(model.eps.items()):
        if st["joined"]:
            C.call("NetworkDriver.Leave", {"NetworkID": NET, "EndpointID": ep})
            sh("ip netns del crash" + ep[-6:])
        C.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET, "EndpointID": ep})
    model.eps.clear()
    check_invariants(model, "end")
    got = [C.call("NetworkDriver.CreateEndpoint", docker_create_endpoint(NET, "full%060d" % i))[0] for i in range(7)]
    R.check(got == [200] * 7, "pool full at the end: 7 VFs handed out again", got)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    print("# seed %d" % SEED)
    return R.summary()


if __name__ == "__main__":
    try:
        code = main()
    except Exception as e:
        import traceback
        traceback.print_exc()
        R.check(False, "suite crashed: %r" % e)
        code = R.summary()
    if proc is not None and proc.poll() is None:
        proc.kill()
    if code:
        print("--- end of plugin log")
        print(open(LOG).read()[-3000:])
    sys.exit(code)
