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


def nic_addrs(env, name):
    p = env.ns_run("ip", "-j", "addr", "show", "dev", name, check=False)
    if p.returncode != 0:
        return None
    return sorted("%s/%d" % (a["local"], a["prefixlen"]) for a in json.loads(p.stdout)[0].get("addr_info", [])
                  if a.get("scope") == "global")


def default_routes(env):
    p = env.ns_run("ip", "-j", "route", "show", "default")
    return [(x.get("gateway"), x.get("dev")) for x in json.loads(p.stdout)]


def test_partial_restore(r):
    """The saved name is taken by another link when the NIC comes back: every other step is done
    (MAC, MTU, up), the record stays released and the log says what could not be; the sweep
    finishes the job once the name is free, and only then drops the record."""
    with Env() as env:
        make_nic(env)
        env.start(extra=("--reclaim-interval", "1"))
        r.check(env.call("NetworkDriver.CreateNetwork", network_body(NET_P, PT)).status == 200, "passthrough network")
        r.check(env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_1)).status == 200, "its endpoint")
        away = Away(env)
        env.ns_run("ip", "link", "add", PLAIN, "type", "veth", "peer", "name", "squat0")  # takes the NIC's name
        away.come_back()
        d = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_P, "EndpointID": EP_1})
        r.check(d.status == 200, "DeleteEndpoint answers", d)
        link = env.link("dev7") or {}
        r.check(link.get("address") == HOST_MAC and link.get("mtu") == HOST_MTU and "UP" in link.get("flags", []),
                "the name taken: MAC, MTU and up restored all the same (on dev7)", link)
        r.check((ep_record(env, EP_1) or {}).get("phase") == "released", "the record stays (released)",
                ep_record(env, EP_1))
        r.check("rename dev7 back to %s: another interface" % PLAIN in env.log(), "the log says what could not be",
                env.log()[-800:])
        env.ns_run("ip", "link", "del", PLAIN)  # the name is free again
        deadline = time.monotonic() + 15
        while ep_record(env, EP_1) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        sysfs_rename(env, "dev7", PLAIN)
        host_as_before(env, r, "the sweep, once the name is free")
        r.check(ep_record(env, EP_1) is None, "the record dropped once all of it is restored", env.state())
        r.check(env.stop() == 0, "SIGTERM exits 0")


def test_host_nic(r):
    """A NIC the host uses (a global address, its default route) is refused by name unless
    host_nic=allow; allowed, its addresses and routes are saved with it and put back when it comes
    home. A network whose NIC the host starts using later refuses the endpoint. A network on a NIC
    in a container names the network that holds it."""
    with Env() as env:
        make_nic(env)
        env.ns_run("ip", "link", "set", PLAIN + "p", "up")
        env.ns_run("ip", "addr", "add", "10.77.0.5/24", "dev", PLAIN)
        env.ns_run("ip", "route", "add", "default", "via", "10.77.0.1", "dev", PLAIN, "metric", "50")
        env.ns_run("ip", "route", "add", "10.88.0.0/16", "via", "10.77.0.9", "dev", PLAIN)
        env.start()
        before = env.snapshot()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_P, PT))
        r.check(x.status == 409 and x.err and "the host uses %s (address 10.77.0.5/24" % PLAIN in x.err and
                "route default via 10.77.0.1 (the host's default route)" in x.err and "host_nic=allow" in x.err,
                "a NIC with the host's address and default route: refused, naming them", x)
        r.check(env.snapshot() == before, "the refusal changed nothing")
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_S, {"pf_iface": PF, "host_nic": "allow"}))
        r.check(x.status == 400 and x.err and "host_nic: a mode=passthrough option" in x.err,
                "host_nic on an sriov network: refused", x)
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_P, dict(PT, host_nic="maybe")))
        r.check(x.status == 400 and x.err and "host_nic 'maybe' is not allow or refuse" in x.err, "host_nic=maybe", x)
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_P, dict(PT, host_nic="allow")))
        r.check(x.status == 200, "host_nic=allow: accepted", x)
        net = [n for n in env.state()["networks"] if n["id"] == NET_P]
        r.check(net and net[0]["config"].get("host_nic") == "allow", "saved with the network", net)
        c = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_1))
        host = (ep_record(env, EP_1) or {}).get("host", {})
        r.check(c.status == 200 and host.get("addresses") == ["10.77.0.5/24"] and
                sorted((x["dst"], x["via"]) for x in host.get("routes", [])) ==
                [("0.0.0.0/0", "10.77.0.1"), ("10.88.0.0/16", "10.77.0.9")],
                "the endpoint's record holds the host's address and routes", (c, host))
        # the netns is the "host": what the NIC takes with it is gone from it while it is away
        away = Away(env)
        r.check(default_routes(env) == [], "the NIC away: the host has no default route", default_routes(env))
        away.come_back()
        d = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_P, "EndpointID": EP_1})
        r.check(d.status == 200 and ep_record(env, EP_1) is None, "DeleteEndpoint: restored and dropped", d)
        sysfs_rename(env, "dev7", PLAIN)
        host_as_before(env, r, "host_nic=allow")
        r.check(nic_addrs(env, PLAIN) == ["10.77.0.5/24"], "its address is back", nic_addrs(env, PLAIN))
        r.check(default_routes(env) == [("10.77.0.1", PLAIN)], "the host's default route is back",
                default_routes(env))
        p = env.ns_run("ip", "-j", "route", "show", "10.88.0.0/16")
        r.check([(x.get("gateway"), x.get("dev")) for x in json.loads(p.stdout)] == [("10.77.0.9", PLAIN)],
                "and its other route", p.stdout)
        # a network made while the NIC was unused; the host gives it an address later
        r.check(env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_P}).status == 200, "network deleted")
        env.ns_run("ip", "route", "flush", "dev", PLAIN)
        env.ns_run("ip", "addr", "flush", "dev", PLAIN)
        r.check(env.call("NetworkDriver.CreateNetwork", network_body(NET_Q, PT)).status == 200,
                "a NIC the host does not use: no option needed")
        env.ns_run("ip", "addr", "add", "10.77.0.6/24", "dev", PLAIN)
        x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_Q, EP_2))
        r.check(x.status == 409 and x.err and "the host uses %s (address 10.77.0.6/24)" % PLAIN in x.err and
                ep_record(env, EP_2) is None, "the host took it meanwhile: the endpoint is refused, nothing recorded",
                x)
        env.ns_run("ip", "addr", "flush", "dev", PLAIN)
        c = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_Q, EP_2))
        r.check(c.status == 200, "free again: the endpoint is created", c)
        away = Away(env)
        for spec in (PLAIN, PLAIN_PCI):
            x = env.call("NetworkDriver.CreateNetwork", network_body(NET_S, {"pf_iface": spec, "mode": "passthrough"}))
            r.check(x.status == 409 and x.err and "already used by network " + NET_Q in x.err,
                    "a passthrough network on the NIC in a container (%s): names the network holding it" % spec, x)
        away.come_back()
        r.check(env.stop() == 0, "SIGTERM exits 0")


def test_crash_in_restore(r):
    """Every step of giving a NIC back is a fault point (--fault-after-step): a crash after any of
    them (the record marked deleting, the name, MAC, MTU, up/down back) leaves a record the next
    start finishes, and the NIC ends as the host had it."""
    with Env() as env:
        make_nic(env)
        env.start()
        r.check(env.call("NetworkDriver.CreateNetwork", network_body(NET_P, PT)).status == 200, "passthrough network")
        crashes = []
        for step in range(1, 8):
            c = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_P, EP_1))
            r.check(c.status == 200, "endpoint (round %d)" % step, c)
            env.stop()
            env.start(extra=("--fault-after-step", str(step)))
            Away(env).come_back()
            try:
                d = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_P, "EndpointID": EP_1})
                crashed = False
            except OSError:
                d, crashed = None, True
            rc = env.proc.wait(timeout=10) if crashed else None
            crashes.append(rc)
            if not crashed:
                r.check(d.status == 200, "past the last step: DeleteEndpoint answers", d)
                env.stop()
            for _ in range(2):  # the fake sysfs follows a rename the daemon made, before and at the restart
                if os.path.isdir(netdev_dir(env, "dev7")) and env.link(PLAIN):
                    sysfs_rename(env, "dev7", PLAIN)
                if _ == 0:
                    env.start()
            host_as_before(env, r, "crash after step %d of the restore, restart" % step)
            r.check(ep_record(env, EP_1) is None, "crash after step %d: the record is finished" % step,
                    env.state()["endpoints"])
        r.check(crashes[:6] == [99] * 6 and crashes[6] is None,
                "steps 1-6 (marked deleting, name, MAC, MTU, up, done) each a fault point", crashes)
        r.check(env.stop() == 0, "SIGTERM exits 0")


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
    test_partial_restore(r)
    test_host_nic(r)
    test_crash_in_restore(r)
