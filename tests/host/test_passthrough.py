"""Host suite for mode=passthrough: a whole NIC to one endpoint, given back as the host had it.

The NIC is PLAIN (a PCI NIC without SR-IOV in the fake sysfs) with a veth of that name in the
namespace. A container taking it is simulated the way the kernel does it: the netdev leaves the
namespace (moved into another one, its sysfs folder gone), and comes back under another name
(dev7), with another MAC and MTU and down, as a physical netdev does when its namespace goes."""

import json
import os
import secrets
import signal
import time

from hostlib import PF, PF_PCI, PLAIN, Env, endpoint_body, hexid, network_body, run, vf_pci

PLAIN_PCI = "0000:02:00.0"
NET_P, NET_Q, NET_S = hexid("d"), hexid("e"), hexid("f")
EP_1, EP_2, EP_3, EP_4 = hexid("7"), hexid("8"), hexid("9"), hexid("0")
HOST_MAC, HOST_MTU = "02:aa:bb:cc:dd:01", 1400
PT = {"netdevice": PLAIN, "mode": "passthrough"}


def netdev_dir(env, name):
    return os.path.join(env.sysfs, "bus", "pci", "devices", PLAIN_PCI, "net", name)


def make_nic(env):
    env.ns_run("ip", "link", "add", PLAIN, "type", "veth", "peer", "name", PLAIN + "p")
    env.ns_run("ip", "link", "set", PLAIN, "address", HOST_MAC, "mtu", str(HOST_MTU), "up")


class Away:
    """The NIC in a container's namespace: gone from ours (kernel and sysfs)."""

    def __init__(self, env, name=PLAIN):
        self.env = env
        self.ns = env.ns + "-ctr" + secrets.token_hex(2)
        run(["ip", "netns", "add", self.ns])
        env.ns_run("ip", "link", "set", name, "netns", self.ns)
        os.rmdir(netdev_dir(env, name))

    def come_back(self, name="dev7", mac="02:42:0a:09:00:33", mtu=9000):
        """As the kernel returns it: a free name, whatever the container made of it, down."""
        inside = ["ip", "netns", "exec", self.ns]
        cur = json.loads(run(inside + ["ip", "-j", "link", "show", "type", "veth"]).stdout)[0]["ifname"]
        run(inside + ["ip", "link", "set", cur, "down", "name", name, "address", mac, "mtu", str(mtu)])
        run(inside + ["ip", "link", "set", name, "netns", self.env.ns])
        run(["ip", "netns", "del", self.ns])
        os.makedirs(netdev_dir(self.env, name))
        return name


def sysfs_rename(env, old, new):
    """The fake sysfs follows a rename the daemon made (the kernel's does so by itself)."""
    os.rename(netdev_dir(env, old), netdev_dir(env, new))


def ep_record(env, ep_id):
    for e in env.state()["endpoints"]:
        if e["id"] == ep_id:
            return e
    return None


def host_as_before(env, r, what):
    link = env.link(PLAIN)
    ok = (link is not None and link.get("address") == HOST_MAC and link.get("mtu") == HOST_MTU and
          "UP" in link.get("flags", []))
    r.check(ok, "%s: NIC back as %s, MAC %s, MTU %d, up" % (what, PLAIN, HOST_MAC, HOST_MTU), link)
    r.check(env.link("dev7") is None, "%s: no dev7 left" % what)


def test_networks(env, r):
    # an sriov network on a PF, then a passthrough one asking for the same PF
    s = env.call("NetworkDriver.CreateNetwork", network_body(NET_S, {"pf_iface": PF}))
    r.check(s.status == 200, "sriov network on %s" % PF, s)
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_Q, {"pf_iface": PF, "mode": "passthrough"}))
    r.check(x.status == 409 and x.err and "already used by network " + NET_S in x.err and
            "needs the NIC to itself" in x.err, "passthrough on a PF an sriov network uses: 409", x)
    r.check(env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_S}).status == 200, "sriov network deleted")
    # and the other way round
    with open(os.path.join(env.sysfs, "bus", "pci", "devices", PF_PCI, "sriov_numvfs"), "w") as f:
        f.write("0\n")
    p = env.call("NetworkDriver.CreateNetwork", network_body(NET_Q, {"pf_iface": PF, "mode": "passthrough"}))
    r.check(p.status == 200, "passthrough network on an SR-IOV PF (its VFs not enabled)", p)
    r.check(env.numvfs(PF_PCI) == "0", "passthrough leaves numvfs alone", env.numvfs(PF_PCI))
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_S, {"pf_iface": PF, "vlanid": "5"}))
    r.check(x.status == 409 and x.err and "passed through whole by network " + NET_Q in x.err,
            "sriov network on a passed-through PF: 409", x)
    r.check(env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_Q}).status == 200, "passthrough network deleted")

    cases = [
        (dict(PT, vlanid="100"), 400, "vlanid: no VLAN in mode=passthrough: the container owns the whole port"),
        (dict(PT, vlan="7"), 400, "vlan: no VLAN in mode=passthrough"),
        (dict(PT, vfs="0-1"), 400, "vfs: a VF option, refused in mode=passthrough"),
        (dict(PT, mode="bogus"), 400, "mode 'bogus' is not sriov or passthrough"),
        ({"netdevice": "lo", "mode": "passthrough"}, 400, "lo: not a PCI NIC"),
        ({"netdevice": vf_pci(0), "mode": "passthrough"}, 400, "is an SR-IOV VF"),
        ({"netdevice": "nosuch0", "mode": "passthrough"}, 400, "nosuch0: no such network interface"),
    ]
    for generic, status, want in cases:
        before = env.snapshot()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_Q, generic))
        r.check(x.status == status and x.err and want in x.err, "CreateNetwork %s -> %d %s" % (generic, status, want),
                x)
        r.check(env.snapshot() == before, "refused CreateNetwork %s changed nothing" % generic)

    c = env.call("NetworkDriver.CreateNetwork", network_body(NET_P, PT))
    r.check(c.status == 200 and c.json == {}, "passthrough network on %s (netdevice, no SR-IOV)" % PLAIN, c)
    again = env.call("NetworkDriver.CreateNetwork", network_body(NET_P, PT))
    r.check(again.status == 200, "the same CreateNetwork again answers as the first time", again)
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_Q, {"pf_iface": PLAIN_PCI, "mode": "passthrough"}))
    r.check(x.status == 409 and x.err and "already used by network " + NET_P in x.err,
            "a second passthrough network on the NIC (by PCI address): 409", x)
    nets = {n["id"]: n for n in env.state()["networks"]}
    r.check(nets.get(NET_P, {}).get("config", {}).get("mode") == "passthrough", "saved with config.mode", nets)


def test_endpoint(env, r):
    sandbox = os.path.join(env.tmp, "sandbox-1")
    open(sandbox, "w").close()
    c = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_1))
    r.check(c.status == 200 and c.json == {"Interface": {"MacAddress": HOST_MAC}},
            "CreateEndpoint answers the NIC's own MAC (Docker gave none)", c)
    e = ep_record(env, EP_1) or {}
    r.check(e.get("kind") == "nic" and e.get("vf") == -1 and e.get("pf_pci") == PLAIN_PCI and
            e.get("host") == {"name": PLAIN, "mac": HOST_MAC, "mtu": HOST_MTU, "up": True},
            "record: kind nic, the host's name, MAC, MTU and state", e)
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_2, address="10.9.0.3/16"))
    r.check(x.status == 409 and x.err and "is already given to endpoint " + EP_1[:12] in x.err and
            "one endpoint" in x.err, "a second endpoint is refused, saying who has the NIC", x)
    r.check(ep_record(env, EP_2) is None, "nothing recorded for the refused endpoint")
    j = env.call("NetworkDriver.Join", {"NetworkID": NET_P, "EndpointID": EP_1, "SandboxKey": sandbox, "Options": {}})
    r.check(j.status == 200 and j.json.get("InterfaceName") == {"SrcName": PLAIN, "DstPrefix": "eth"},
            "Join answers the NIC's netdev", j)
    o = env.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_P, "EndpointID": EP_1})
    r.check(o.status == 200 and o.json["Value"].get("mode") == "passthrough" and
            o.json["Value"].get("pf_pci") == PLAIN_PCI, "EndpointOperInfo says passthrough", o)
    st = env.call("SriovPlugin.Status")
    nic = [p for p in (st.json or {}).get("pfs", []) if p.get("pci") == PLAIN_PCI]
    r.check(st.status == 200 and nic and nic[0].get("mode") == "passthrough" and
            nic[0].get("owner", {}).get("endpoint") == EP_1 and nic[0].get("owner", {}).get("host_name") == PLAIN
            and "error" not in nic[0], "status shows the NIC, its owner and what it is given back as", st)

    # into the container; Docker deletes the endpoint before the namespace is gone
    away = Away(env)
    lv = env.call("NetworkDriver.Leave", {"NetworkID": NET_P, "EndpointID": EP_1})
    d = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_P, "EndpointID": EP_1})
    r.check(lv.status == 200 and d.status == 200, "Leave and DeleteEndpoint while the NIC is away", (lv, d))
    r.check((ep_record(env, EP_1) or {}).get("phase") == "released", "kept as released until the NIC is back",
            ep_record(env, EP_1))
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_3))
    r.check(x.status == 409 and x.err and "has not come back to the host" in x.err,
            "a new endpoint waits for the NIC to come back", x)
    away.come_back()
    # the sweep would restore it within 30 s; a restart does it at once
    env.stop()
    env.start()
    host_as_before(env, r, "released endpoint, restart")
    sysfs_rename(env, "dev7", PLAIN)
    r.check(ep_record(env, EP_1) is None, "the released record is dropped once the NIC is home")

    # Docker's usual order: the NIC is back (dockerd moves it home) before DeleteEndpoint
    c = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_3, mac="02:42:0a:09:00:09"))
    r.check(c.status == 200 and not (c.json or {}).get("Interface"),
            "CreateEndpoint with Docker's MAC answers no MAC (Docker's is never echoed)", c)
    r.check((ep_record(env, EP_3) or {}).get("mac") == "02:42:0a:09:00:09", "Docker's MAC recorded")
    j = env.call("NetworkDriver.Join", {"NetworkID": NET_P, "EndpointID": EP_3, "SandboxKey": sandbox, "Options": {}})
    r.check(j.status == 200, "Join", j)
    Away(env).come_back(name="dev7", mac="02:42:0a:09:00:09")
    env.call("NetworkDriver.Leave", {"NetworkID": NET_P, "EndpointID": EP_3})
    d = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_P, "EndpointID": EP_3})
    r.check(d.status == 200 and ep_record(env, EP_3) is None, "DeleteEndpoint with the NIC home drops the record", d)
    host_as_before(env, r, "DeleteEndpoint")
    sysfs_rename(env, "dev7", PLAIN)


def test_crash(env, r):
    """kill -9 while a container has the NIC; the container goes while the plugin is down."""
    sandbox = os.path.join(env.tmp, "sandbox-2")
    open(sandbox, "w").close()
    c = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_4))
    j = env.call("NetworkDriver.Join", {"NetworkID": NET_P, "EndpointID": EP_4, "SandboxKey": sandbox, "Options": {}})
    r.check(c.status == 200 and j.status == 200, "CreateEndpoint and Join", (c, j))
    away = Away(env)
    env.stop(signal.SIGKILL)
    # a sweep saw the sandbox before the crash (the daemon here runs none)
    st = env.state()
    for e in st["endpoints"]:
        if e["id"] == EP_4:
            e["sandbox_seen"] = True
    env.save_state(st)
    os.unlink(sandbox)
    away.come_back()
    env.start()
    host_as_before(env, r, "kill -9, container gone, restart")
    r.check(ep_record(env, EP_4) is None, "the stale endpoint is dropped", env.state())
    sysfs_rename(env, "dev7", PLAIN)
    c = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_2))
    r.check(c.status == 200, "the NIC can be given out again", c)


def test_delete_network(env, r):
    """A forced clean-up deletes the network with its endpoint: the NIC is given back all the same."""
    env.ns_run("ip", "link", "set", PLAIN, "mtu", "1500", "down")
    n = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_P})
    r.check(n.status == 200 and not env.state()["endpoints"], "DeleteNetwork with its endpoint", n)
    host_as_before(env, r, "DeleteNetwork")


def test_sweep_restore_claimed(r):
    """The sweep's restore of a released NIC is an operation on its endpoint, as a request's is: a
    DeleteNetwork arriving while the sweep is restoring (held at sweep-restore) waits for it, then
    deletes the network; the record stays until the NIC is back, and is restored then."""
    from test_concurrency import Background, Hold
    with Env() as env:
        make_nic(env)
        hold = Hold(env, "sweep-restore")
        env.start(extra=hold.args() + ("--reclaim-interval", "1"))
        r.check(env.call("NetworkDriver.CreateNetwork", network_body(NET_P, PT)).status == 200, "passthrough network")
        r.check(env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_1)).status == 200, "its endpoint")
        away = Away(env)
        d = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_P, "EndpointID": EP_1})
        r.check(d.status == 200 and (ep_record(env, EP_1) or {}).get("phase") == "released",
                "deleted while the NIC is away: released", d)
        if not r.check(hold.wait_inside(1), "the sweep is held restoring the released NIC", env.log()[-800:]):
            hold.release()
            return
        n = Background(env, "NetworkDriver.DeleteNetwork", {"NetworkID": NET_P})
        want = "network %s: waiting for its endpoint operations in flight" % NET_P[:12]
        deadline = time.monotonic() + 30
        while want not in env.log() and time.monotonic() < deadline:
            time.sleep(0.02)
        r.check(want in env.log() and not n.done(), "DeleteNetwork waits for the sweep's restore", env.log()[-800:])
        hold.release()
        x = n.wait()
        r.check(x is not None and x.status == 200 and env.state()["networks"] == [], "then deletes the network", x)
        r.check((ep_record(env, EP_1) or {}).get("phase") == "released", "the NIC's record stays until it is back",
                env.state())
        away.come_back()
        deadline = time.monotonic() + 15
        while ep_record(env, EP_1) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        host_as_before(env, r, "network deleted first, NIC back later")
        r.check(ep_record(env, EP_1) is None, "its record dropped once restored")
        r.check(env.stop() == 0, "SIGTERM exits 0")


def run_all(r):
    with Env() as env:
        make_nic(env)
        env.start()
        test_networks(env, r)
        test_endpoint(env, r)
        test_crash(env, r)
        test_delete_network(env, r)
        rc = env.stop()
        r.check(rc == 0, "SIGTERM exit status 0 (passthrough env)", rc)
    test_sweep_restore_claimed(r)
