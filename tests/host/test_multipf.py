"""Host suite for networks over several PFs (pf_iface=mpf0,mpf1): the PF list checked at
CreateNetwork, the PF each endpoint's VF comes from (spread, fill, per-PF vfs), a PF that is
gone or unbound, status, restarts and state files.

Two fake PFs with 7 VFs each (veths in the namespace). CreateEndpoint cannot succeed on veths
(reading VF settings fails, naming the PF and VF it chose), so the PF the daemon chose is read
from that error; endpoints that exist are seeded into the state of a stopped daemon, as
test_api.py does. The choice itself, with real takes, is unit-tested (test_pf_choose.c)."""

import json
import os
import re
import shutil
import time

from hostlib import FAKESYS, PF, PLAIN, Env, endpoint_body, hexid, network_body, run, wait_compacted

MPF = ["mpf0", "mpf1"]
MPF_PCI = ["0000:05:00.0", "0000:06:00.0"]
NVF = 7
NET_A, NET_B, NET_C, NET_F, NET_V, NET_O = (hexid(c) for c in "abcdef")
EP_PROBE = hexid("9")


def mvf_pci(p, i):
    return "0000:%s:%02x.%d" % (MPF_PCI[p][5:7], 0x10 + i // 8, i % 8)


def make_pfs(env):
    for p in range(2):
        env.ns_run("ip", "link", "add", MPF[p], "type", "veth", "peer", "name", MPF[p] + "p")
        for i in range(NVF):
            env.ns_run("ip", "link", "add", "%sv%d" % (MPF[p], i), "type", "veth", "peer", "name",
                       "%sp%d" % (MPF[p], i))
        run([FAKESYS, "-r", env.sysfs, "-p", MPF[p], "-a", MPF_PCI[p], "-t", str(NVF), "-n", "0"])


def pf_dir(env, p):
    return os.path.join(env.sysfs, "bus", "pci", "devices", MPF_PCI[p])


def net_file(env, net_id):
    """The network's record file, once the journal's commits are in the record files."""
    wait_compacted(env.state_dir)
    with open(os.path.join(env.state_dir, "networks", net_id + ".json"), "rb") as f:
        return f.read()


def ep_id(n):
    return "%064x" % (0x1000 + n)


def seed(env, placements):
    """Stops the daemon, records endpoints [(net, pf index, vf), ...] (replacing every endpoint
    recorded before), starts it again."""
    env.stop()
    st = env.state()
    st["endpoints"] = []
    for n, (net, p, vf) in enumerate(placements):
        st["endpoints"].append({
            "id": ep_id(n), "network_id": net, "pf_pci": MPF_PCI[p], "vf": vf, "vf_pci": mvf_pci(p, vf),
            "mac": "02:42:0a:09:%02x:%02x" % (p, vf), "address4": "10.9.%d.%d/16" % (p, vf + 10), "address6": "",
            "joined": False, "sandbox_key": "", "phase": "ready", "joined_at": 0,
            "saved": {"mac": "00:00:00:00:00:00", "vlan": 0, "qos": 0, "vlan_proto": 33024, "spoofchk": True,
                      "trust": False, "link_state": 0, "min_tx_rate": 0, "max_tx_rate": 0, "has_spoofchk": True,
                      "has_trust": True, "has_link_state": True, "has_rate": True}})
    env.save_state(st)
    env.start()


def probe(env, net):
    """The (pf index, vf) CreateEndpoint chose, read from the error naming them; (None, reply) when
    it refused before choosing."""
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(net, EP_PROBE))
    m = re.search(r"read VF (\d+) of (\w+)", x.err or "")
    if x.status == 500 and m and m.group(2) in MPF:
        return MPF.index(m.group(2)), int(m.group(1))
    return None, x


def status_net(env, net):
    x = env.call("SriovPlugin.Status")
    for n in (x.json or {}).get("networks", []):
        if n["id"] == net:
            return x.json, n
    return x.json, None


def test_create(env, r):
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": "mpf0,mpf1", "vlanid": "10"}))
    r.check(x.status == 200 and x.json == {}, "CreateNetwork pf_iface=mpf0,mpf1 vlanid=10", x)
    r.check(env.numvfs(MPF_PCI[0]) == "7" and env.numvfs(MPF_PCI[1]) == "7", "VFs enabled on both PFs",
            (env.numvfs(MPF_PCI[0]), env.numvfs(MPF_PCI[1])))
    rec = json.loads(net_file(env, NET_A))
    r.check(rec["pf_pci"] == MPF_PCI[0] and rec["pf_spec"] == "mpf0" and
            rec.get("pfs") == [{"pci": MPF_PCI[0], "spec": "mpf0"}, {"pci": MPF_PCI[1], "spec": "mpf1"}] and
            rec["config"].get("pf_policy") == "spread", "the record lists both PFs, first as pf_pci", rec)
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": "mpf0,mpf1", "vlanid": "10"}))
    r.check(x.status == 200, "CreateNetwork replayed -> answered as the first time", x)
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": "mpf1,mpf0", "vlanid": "10"}))
    r.check(x.status == 409 and "already exists with other options" in (x.err or ""),
            "same ID, PFs in another order -> other options", x)
    nine = ",".join("e%d" % i for i in range(9))
    cases = [
        ({"pf_iface": "mpf0,mpf0"}, 400, "mpf0 is listed twice"),
        ({"pf_iface": "mpf0," + MPF_PCI[0]}, 400, "mpf0 and 0000:05:00.0 are the same PF (0000:05:00.0)"),
        ({"pf_iface": "mpf0,nosuch0"}, 400, "nosuch0: no such network interface"),
        ({"pf_iface": "mpf0," + PLAIN}, 400, "plain0 does not support SR-IOV"),
        ({"pf_iface": nine}, 400, "at most 8 PFs per network"),
        ({"pf_iface": "mpf0,,mpf1"}, 400, "empty item in the list"),
        ({"pf_iface": "mpf0,mpf1", "pf_policy": "round"}, 400, "pf_policy 'round' is not spread or fill"),
        ({"pf_iface": "mpf0,mpf1", "vfs": "mpf9#0"}, 400, "PF 'mpf9' is not in pf_iface"),
        ({"pf_iface": "mpf0,mpf1", "vfs": "mpf1#0-7"}, 400, "vfs: VF 7 is beyond mpf1's sriov_totalvfs"),
        ({"pf_iface": "mpf0,mpf1", "vlanid": "11", "numvfs": "8"}, 400, "numvfs 8 out of range 1-7"),
        ({"pf_iface": "mpf0,mpf1", "mode": "passthrough"}, 400, "mode=passthrough gives one NIC"),
        ({"pf_iface": "mpf0", "mode": "passthrough", "pf_policy": "fill"}, 400,
         "pf_policy: a VF option, refused in mode=passthrough"),
        ({"pf_iface": "mpf1", "vlanid": "10"}, 409, "PF mpf1 (0000:06:00.0) VLAN 10 is already used by network " +
         NET_A),
        ({"pf_iface": PF + ",mpf1", "vlanid": "10"}, 409, "PF mpf1 (0000:06:00.0) VLAN 10 is already used by network "
         + NET_A),
        ({"pf_iface": "mpf0", "mode": "passthrough"}, 409, "NIC mpf0 (0000:05:00.0) is already used by network " +
         NET_A),
    ]
    for generic, status, want in cases:
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, generic))
        r.check(x.status == status and want in (x.err or ""), "CreateNetwork %s -> %d %s" % (generic, status, want),
                x)
    r.check([n["id"] for n in env.state()["networks"]] == [NET_A], "refused creates left no network",
            env.state()["networks"])
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": "mpf1", "vlanid": "11"}))
    r.check(x.status == 200, "the same PF on another VLAN: accepted", x)
    rec = json.loads(net_file(env, NET_B))
    r.check("pfs" not in rec and "pf_policy" not in rec["config"], "a one-PF network's file has no new keys", rec)
    x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_B})
    r.check(x.status == 200, "DeleteNetwork of the one-PF network", x)


def test_spread(env, r):
    """14 endpoints, one at a time: alternating PFs, 7 on each; the 15th refused naming both."""
    placed, order = [], []
    for n in range(2 * NVF):
        got = probe(env, NET_A)
        if got[0] is None:
            r.check(False, "CreateEndpoint %d chose a VF" % n, got[1])
            return
        order.append(got)
        placed.append((NET_A, got[0], got[1]))
        seed(env, placed)
    r.check([p for p, _ in order] == [0, 1] * NVF, "spread: PFs alternate", order)
    r.check(sorted(order) == [(p, v) for p in range(2) for v in range(NVF)], "spread: 7 VFs of each PF, each once",
            order)
    p, x = probe(env, NET_A)
    r.check(p is None and x.status != 200 and x.err and x.err.startswith("no PF of this network can give a VF: ") and
            "PF mpf0: all 7 VFs in use" in x.err and "PF mpf1: all 7 VFs in use" in x.err,
            "the 15th is refused, each PF saying why", x)
    view, n = status_net(env, NET_A)
    r.check(n is not None and n["pf"] == "mpf0" and n["pf_pci"] == MPF_PCI[0] and n["endpoints"] == 14 and
            [(q["pf"], q["pci"], q["name"], q["state"], q["endpoints"]) for q in n["pfs"]] ==
            [("mpf0", MPF_PCI[0], "mpf0", "ok", 7), ("mpf1", MPF_PCI[1], "mpf1", "ok", 7)] and
            n["pf_policy"] == "spread", "status: the network's PFs, 7 endpoints each", n)
    eps = n["endpoint_list"] if n else []
    r.check(len(eps) == 14 and all(e["pf"] == MPF[MPF_PCI.index(e["pf_pci"])] and e["pf_state"] == "ok" and
                                   e["vf_pci"] == mvf_pci(MPF_PCI.index(e["pf_pci"]), e["vf"]) for e in eps),
            "status: each endpoint's PF (netdev and PCI address) and VF", eps)
    pcis = [q["pci"] for q in (view or {}).get("pfs", [])]
    r.check(MPF_PCI[0] in pcis and MPF_PCI[1] in pcis, "status: both PFs listed with their VFs", pcis)
    owners = [vf["owner"]["endpoint"] for q in (view or {}).get("pfs", []) if q["pci"] in MPF_PCI
              for vf in q["vfs"] if vf["owner"]]
    r.check(len(owners) == 14, "status: 14 VFs owned", owners)


def test_spread_burst(env, r):
    """Two CreateEndpoints at once on a spread network with no endpoint yet: each counts the PFs'
    load and enters its choice in one hold of the state lock, so the second sees the first's
    choice and takes the other PF (counted in one hold and claimed in another, a burst piles onto
    one PF). Both are held at create-chosen, right after choosing, then released together."""
    from test_concurrency import Background, Hold
    seed(env, [])
    env.stop()
    hold = Hold(env, "create-chosen")
    env.start(extra=hold.args())
    calls = [Background(env, "NetworkDriver.CreateEndpoint",
                        endpoint_body(NET_A, ep_id(40 + i), address="10.9.0.%d/16" % (40 + i))) for i in range(2)]
    both = hold.wait_inside(2)
    r.check(both, "both CreateEndpoints chose a PF and are held", (hold.inside(), env.log()[-600:]))
    hold.release()
    pfs = []
    for c in calls:
        x = c.wait()
        m = re.search(r"read VF (\d+) of (\w+)", (x.err or "") if x else "")
        pfs.append(m.group(2) if m else x)
    r.check(sorted(str(p) for p in pfs) == MPF, "a burst of two spreads over both PFs", pfs)
    hold.rearm()
    env.stop()
    env.start()


def test_fill(env, r):
    x = env.call("NetworkDriver.CreateNetwork",
                 network_body(NET_F, {"pf_iface": "mpf0,mpf1", "vlanid": "20", "pf_policy": "fill"}))
    r.check(x.status == 200, "CreateNetwork pf_policy=fill", x)
    seed(env, [])
    r.check(probe(env, NET_F) == (0, 0), "fill: the first endpoint from mpf0")
    seed(env, [(NET_F, 0, v) for v in range(3)] + [(NET_F, 1, 0)])
    r.check(probe(env, NET_F) == (0, 3), "fill: mpf0 first while it has a free VF (3 there, 1 on mpf1)")
    seed(env, [(NET_F, 0, v) for v in range(NVF)])
    r.check(probe(env, NET_F) == (1, 0), "fill: mpf1 once mpf0 is full")
    _, n = status_net(env, NET_F)
    r.check(n and n["pf_policy"] == "fill", "status: pf_policy fill", n)


def test_vfs_per_pf(env, r):
    x = env.call("NetworkDriver.CreateNetwork",
                 network_body(NET_V, {"pf_iface": "mpf0,mpf1", "vlanid": "30", "vfs": "mpf1#0-1"}))
    r.check(x.status == 200, "CreateNetwork vfs=mpf1#0-1", x)
    rec = json.loads(net_file(env, NET_V))
    r.check(rec.get("pfs") == [{"pci": MPF_PCI[0], "spec": "mpf0"}, {"pci": MPF_PCI[1], "spec": "mpf1", "vfs": "0-1"}]
            and rec["config"]["vfs_set"] is False, "the record keeps mpf1's own vfs", rec)
    seed(env, [(NET_V, 0, v) for v in range(3)])
    r.check(probe(env, NET_V) == (1, 0), "spread: mpf1 (fewer endpoints) from its VFs 0-1")
    seed(env, [(NET_V, 0, v) for v in range(3)] + [(NET_V, 1, 0), (NET_V, 1, 1)])
    r.check(probe(env, NET_V) == (0, 3), "mpf1's VFs 0-1 taken: mpf0, though it has more endpoints")
    seed(env, [(NET_V, 0, v) for v in range(NVF)] + [(NET_V, 1, 0), (NET_V, 1, 1)])
    p, x = probe(env, NET_V)
    r.check(p is None and "PF mpf1: all 2 VFs in use" in (x.err or "") and "PF mpf0: all 7 VFs in use" in (x.err or ""),
            "7 + 2: refused, mpf1 counting its 2 VFs", x)
    _, n = status_net(env, NET_V)
    r.check(n and n["pfs"][1].get("vfs") == "0-1" and "vfs" not in n["pfs"][0], "status: mpf1's own vfs", n)


def test_pf_gone(env, r):
    """One PF gone, then unbound: its endpoints reported, the other PF keeps serving."""
    seed(env, [(NET_A, 0, 0), (NET_A, 1, 0), (NET_A, 1, 1), (NET_A, 1, 2)])
    env.stop()
    os.rename(pf_dir(env, 0), pf_dir(env, 0) + ".away")
    env.start()  # start-up with a PF gone: the network stays
    r.check(probe(env, NET_A) == (1, 3), "mpf0 gone: the endpoint comes from mpf1")
    view, n = status_net(env, NET_A)
    r.check(n and [q["state"] for q in n["pfs"]] == ["gone", "ok"], "status: mpf0 gone, mpf1 ok", n)
    states = {(e["pf_pci"], e["vf"]): e["pf_state"] for e in (n["endpoint_list"] if n else [])}
    r.check(states == {(MPF_PCI[0], 0): "gone", (MPF_PCI[1], 0): "ok", (MPF_PCI[1], 1): "ok",
                       (MPF_PCI[1], 2): "ok"}, "status: the endpoint on mpf0 reported, PF gone", states)
    gone = [q for q in (view or {}).get("pfs", []) if q["pci"] == MPF_PCI[0]]
    r.check(len(gone) == 1 and gone[0].get("error"), "status: mpf0's entry says why it cannot be read", gone)
    seed(env, [(NET_A, 0, 0)] + [(NET_A, 1, v) for v in range(NVF)])
    p, x = probe(env, NET_A)
    r.check(p is None and "PF mpf0 (0000:05:00.0) is not present on this host" in (x.err or "") and
            "PF mpf1: all 7 VFs in use" in (x.err or ""), "mpf0 gone, mpf1 full: refused, each PF saying why", x)
    env.stop()
    os.rename(pf_dir(env, 0) + ".away", pf_dir(env, 0))
    os.rmdir(os.path.join(pf_dir(env, 0), "net", "mpf0"))  # its driver unbound: no netdev
    env.start()
    seed(env, [(NET_A, 0, 0), (NET_A, 1, 0), (NET_A, 1, 1)])
    r.check(probe(env, NET_A) == (1, 2), "mpf0 unbound (fewer endpoints): mpf1 all the same")
    _, n = status_net(env, NET_A)
    r.check(n and [q["state"] for q in n["pfs"]] == ["no netdev", "ok"] and
            [e["pf_state"] for e in n["endpoint_list"] if e["pf_pci"] == MPF_PCI[0]] == ["no netdev"],
            "status: mpf0 without netdev, its endpoint reported", n)
    os.makedirs(os.path.join(pf_dir(env, 0), "net", "mpf0"))
    r.check(probe(env, NET_A) == (0, 1), "mpf0 back: the emptier PF again")


def wait_for(pred, secs):
    end = time.time() + secs
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def test_vfs_vanish(env, r):
    """A PF's VF gone while the PF keeps its netdev (someone changed sriov_numvfs, or the first half
    of a driver unbind, which disables the VFs before it removes the PF's netdev): the endpoint is
    dropped only when two sweeps in a row find it so. When the PF's netdev goes in between (the
    unbind's second half), the endpoint stays, reported by status."""
    placed = [(NET_A, 0, 0), (NET_A, 1, 0), (NET_A, 1, 1)]
    seed(env, placed)
    env.stop()
    env.start(extra=("--reclaim-interval", "2"))
    link = os.path.join(pf_dir(env, 0), "virtfn0")
    netdir = os.path.join(pf_dir(env, 0), "net", "mpf0")
    target = os.readlink(link)
    os.unlink(link)
    noted = "endpoint %.12s: VF 0 of mpf0 no longer exists" % ep_id(0)
    dropped = "endpoint %.12s (network %.12s) lost its VF" % (ep_id(0), NET_A)
    r.check(wait_for(lambda: noted in env.log(), 10) and dropped not in env.log(),
            "a sweep finds mpf0's VF 0 gone: noted, not dropped yet", env.log()[-600:])
    os.rmdir(netdir)  # the unbind's second half, before the next sweep (2 s)
    time.sleep(5)  # two more sweeps
    ids = [e["id"] for e in env.state()["endpoints"]]
    r.check(ep_id(0) in ids and dropped not in env.log(), "mpf0's netdev went before the next sweep: kept",
            (ids, env.log()[-600:]))
    _, n = status_net(env, NET_A)
    r.check(n and [e["pf_state"] for e in n["endpoint_list"] if e["pf_pci"] == MPF_PCI[0]] == ["no netdev"],
            "status reports the endpoint on mpf0, PF without netdev", n)
    os.makedirs(netdir)  # mpf0 back, VF 0 still not there: VFs re-created by someone
    r.check(wait_for(lambda: dropped in env.log(), 15), "mpf0 back without its VF 0: dropped two sweeps later",
            env.log()[-600:])
    r.check(ep_id(0) not in [e["id"] for e in env.state()["endpoints"]], "its record is gone")
    os.symlink(target, link)
    seed(env, placed)


def test_vf_recreated(env, r):
    """The sweep knows a VF by its index, its PCI address and that device's instance (its sysfs
    folder), never by its MAC (a trusted VF changes its own: the guest suite t-vfreuse.sh shows that).
    Records of an older version get their VF's instance at the first sweep; a VF whose device is
    re-created at the same PCI address (sriov_numvfs written 0, then 7) is lost, and its endpoint
    dropped when two sweeps in a row find it so; the others stay."""
    placed = [(NET_A, 0, 0), (NET_A, 1, 0), (NET_A, 1, 1)]
    seed(env, placed)
    env.stop()
    env.start(extra=("--reclaim-interval", "1"))

    def instances():
        return {e["id"]: e.get("vf_instance", "") for e in env.state()["endpoints"]}
    r.check(wait_for(lambda: all(instances().values()), 15), "the first sweeps record each VF's instance",
            instances())
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot = f.read().strip()
    dev = os.path.join(env.sysfs, "bus", "pci", "devices", mvf_pci(1, 1))
    r.check(instances().get(ep_id(2)) == "%s/%d" % (boot, os.stat(dev).st_ino),
            "an instance is the boot ID and the VF's sysfs folder's inode", instances())
    time.sleep(3)
    r.check(len(env.state()["endpoints"]) == 3 and "lost its VF" not in env.log(),
            "sweeps with every VF as it was drop nothing", env.log()[-600:])
    fresh = dev + ".new"  # the same PCI address, a new device: a new folder
    shutil.copytree(dev, fresh, symlinks=True)
    shutil.rmtree(dev)
    os.rename(fresh, dev)
    dropped = "endpoint %.12s (network %.12s) lost its VF: VF 1 of mpf1 was re-created" % (ep_id(2), NET_A)
    r.check(wait_for(lambda: dropped in env.log(), 15), "a VF re-created at its PCI address: its endpoint dropped",
            env.log()[-600:])
    r.check(sorted(instances()) == sorted([ep_id(0), ep_id(1)]), "the other endpoints stay", instances())
    seed(env, placed)


def test_restart(env, r):
    before = {n: net_file(env, n) for n in (NET_A, NET_F, NET_V)}
    env.stop()
    env.start()
    r.check({n: net_file(env, n) for n in before} == before, "restart: network files unchanged")
    for net, generic in ((NET_A, {"pf_iface": "mpf0,mpf1", "vlanid": "10"}),
                         (NET_V, {"pf_iface": "mpf0,mpf1", "vlanid": "30", "vfs": "mpf1#0-1"})):
        x = env.call("NetworkDriver.CreateNetwork", network_body(net, generic))
        r.check(x.status == 200, "restart: the network loaded as created (replay answered)", x)
    _, n = status_net(env, NET_A)
    r.check(n and len(n["pfs"]) == 2 and len(n["endpoint_list"]) == 3, "restart: PFs and endpoints kept", n)
    # an older version's single-PF record loads as it is
    env.stop()
    st = env.state()
    old = dict(json.loads(net_file(env, NET_F)), id=NET_O)
    old.pop("pfs")
    old["config"].pop("pf_policy")
    old["pf_spec"], old["pf_pci"] = "mpf1", MPF_PCI[1]
    old["config"]["vlan"] = 40
    st["networks"].append(old)
    env.save_state(st)
    env.start()
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_O, {"pf_iface": "mpf1", "vlanid": "40"}))
    r.check(x.status == 200, "an old single-PF record loads (replay answered as the first time)", x)
    _, n = status_net(env, NET_O)
    r.check(n and [(q["pf"], q["pci"]) for q in n["pfs"]] == [("mpf1", MPF_PCI[1])], "status: its one PF", n)
    rec = json.loads(net_file(env, NET_O))
    r.check("pfs" not in rec and "pf_policy" not in rec["config"], "its file stays in the old shape", rec)
    seed(env, [])
    for net in (NET_A, NET_F, NET_V, NET_O):
        x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": net})
        r.check(x.status == 200, "DeleteNetwork %.12s" % net, x)
    r.check(env.state()["networks"] == [], "every network deleted", env.state()["networks"])


def run_all(r):
    with Env() as env:
        make_pfs(env)
        env.start()
        test_create(env, r)
        test_spread(env, r)
        test_spread_burst(env, r)
        test_fill(env, r)
        test_vfs_per_pf(env, r)
        test_pf_gone(env, r)
        test_vfs_vanish(env, r)
        test_vf_recreated(env, r)
        test_restart(env, r)
        rc = env.stop()
        r.check(rc == 0, "SIGTERM exit status 0 (multi-PF env)", rc)
