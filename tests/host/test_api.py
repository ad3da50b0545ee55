"""Host API suite: the daemon in a private namespace, driven like dockerd drives it.

Covers activation and capabilities, IPAM, CreateNetwork validation and success against the fake
sysfs, endpoints (CreateEndpoint failing cleanly on veths; Join/Leave/DeleteEndpoint on a seeded
endpoint), the unknown-ID answers, and the lifecycle: restart after kill -9, a second instance, a
stale socket, socket mode, no TCP listener, SIGTERM."""

import json
import os
import signal
import stat
import subprocess
import time

from hostlib import (ACCEPT, GHOST_PCI, PF, PF_PCI, PLAIN, SLOW, TOTALVFS, Env, UnixHTTPConnection, endpoint_body,
                     go_json, hexid, network_body, seed_endpoint, vf_netdev, vf_pci, wait_compacted)

NET_A, NET_B, NET_C = hexid("a"), hexid("b"), hexid("c")
EP_1, EP_S, EP_T = hexid("1"), hexid("5"), hexid("6")


def test_basics(env, r):
    a = env.call("Plugin.Activate")
    r.check(a.status == 200 and a.json == {"Implements": ["NetworkDriver", "IpamDriver"]}, "Activate", a)
    r.check("json" in a.headers.get("Content-Type", ""), "Activate Content-Type is JSON", a.headers)
    c = env.call("NetworkDriver.GetCapabilities")
    r.check(c.status == 200 and c.json.get("Scope") == "local" and c.json.get("ConnectivityScope") == "global",
            "NetworkDriver.GetCapabilities local scope", c)
    c = env.call("IpamDriver.GetCapabilities")
    r.check(c.status == 200 and c.json.get("RequiresMACAddress") is False, "IpamDriver.GetCapabilities", c)
    c = env.call("IpamDriver.GetDefaultAddressSpaces")
    r.check(c.status == 200 and c.json.get("LocalDefaultAddressSpace") and c.json.get("GlobalDefaultAddressSpace"),
            "GetDefaultAddressSpaces", c)

    # IPAM: pool, gateway, dynamic and static addresses, release, default pools
    p = env.call("IpamDriver.RequestPool", {"AddressSpace": "local", "Pool": "10.9.0.0/16", "SubPool": "",
                                            "Options": {}, "V6": False})
    pool_id = p.json.get("PoolID") if p.json else None
    r.check(p.status == 200 and pool_id and p.json.get("Pool") == "10.9.0.0/16", "RequestPool 10.9.0.0/16", p)
    g = env.call("IpamDriver.RequestAddress", {"PoolID": pool_id, "Address": "",
                                               "Options": {"RequestAddressType": "com.docker.network.gateway"}})
    r.check(g.status == 200 and g.json.get("Address") == "10.9.0.1/16", "RequestAddress gateway", g)
    d = env.call("IpamDriver.RequestAddress", {"PoolID": pool_id, "Address": "", "Options": None})
    r.check(d.status == 200 and d.json.get("Address") == "10.9.0.2/16", "RequestAddress dynamic", d)
    s = env.call("IpamDriver.RequestAddress", {"PoolID": pool_id, "Address": "10.9.0.50", "Options": None})
    r.check(s.status == 200 and s.json.get("Address") == "10.9.0.50/16", "RequestAddress static", s)
    s2 = env.call("IpamDriver.RequestAddress", {"PoolID": pool_id, "Address": "10.9.0.50", "Options": None})
    r.check(s2.status != 200 and s2.err and "10.9.0.50" in s2.err, "RequestAddress taken address refused", s2)
    rel = env.call("IpamDriver.ReleaseAddress", {"PoolID": pool_id, "Address": "10.9.0.50"})
    r.check(rel.status == 200 and rel.json == {}, "ReleaseAddress", rel)
    s3 = env.call("IpamDriver.RequestAddress", {"PoolID": pool_id, "Address": "10.9.0.50", "Options": None})
    r.check(s3.status == 200, "RequestAddress after release", s3)
    r.check(os.path.exists(os.path.join(env.state_dir, "ipam.json")) and env.ipam() and
            any(q["id"] == pool_id for q in env.ipam()["pools"]),
            "ipam.json and the pool's file persisted", env.ipam())
    rp = env.call("IpamDriver.ReleasePool", {"PoolID": pool_id})
    r.check(rp.status == 200 and rp.json == {}, "ReleasePool", rp)
    d1 = env.call("IpamDriver.RequestPool", {"AddressSpace": "local", "Pool": "", "SubPool": "", "Options": {},
                                             "V6": False})
    d2 = env.call("IpamDriver.RequestPool", {"AddressSpace": "local", "Pool": "", "SubPool": "", "Options": {},
                                             "V6": False})
    r.check(d1.status == 200 and d2.status == 200 and d1.json["Pool"] != d2.json["Pool"],
            "RequestPool default pools differ", (d1, d2))
    for x in (d1, d2):
        if x.json and x.json.get("PoolID"):
            env.call("IpamDriver.ReleasePool", {"PoolID": x.json["PoolID"]})

    # unknown IDs: Docker's forced cleanups must succeed
    ref = {"NetworkID": hexid("9"), "EndpointID": hexid("8")}
    for m in ("NetworkDriver.Leave", "NetworkDriver.DeleteEndpoint", "NetworkDriver.RevokeExternalConnectivity"):
        x = env.call(m, ref)
        r.check(x.status == 200 and x.json == {}, "%s unknown ID -> {}" % m, x)
    x = env.call("NetworkDriver.ProgramExternalConnectivity", dict(ref, Options={}))
    r.check(x.status == 200 and x.json == {}, "ProgramExternalConnectivity -> {}", x)
    x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": hexid("9")})
    r.check(x.status == 200 and x.json == {}, "DeleteNetwork unknown ID -> {}", x)
    x = env.call("NetworkDriver.EndpointOperInfo", ref)
    r.check(x.status == 200 and x.json == {"Value": {}}, "EndpointOperInfo unknown ID -> {\"Value\":{}}", x)
    x = env.call("NetworkDriver.DiscoverNew", {"DiscoveryType": 1, "DiscoveryData": {"Address": "10.0.0.5"}})
    r.check(x.status == 200 and x.json == {}, "DiscoverNew -> {}", x)
    x = env.call("NetworkDriver.DiscoverDelete", {"DiscoveryType": 1, "DiscoveryData": {"Address": "10.0.0.5"}})
    r.check(x.status == 200 and x.json == {}, "DiscoverDelete -> {}", x)
    # Swarm managers call these only for global-scope drivers; answered all the same, and no state.
    x = env.call("NetworkDriver.AllocateNetwork", {"NetworkID": hexid("7"), "Options": {"pf_iface": PF},
                                                   "IPv4Data": [{"AddressSpace": "", "Pool": "10.7.0.0/24"}],
                                                   "IPv6Data": None})
    r.check(x.status == 200 and x.json == {"Options": {}}, "AllocateNetwork -> {\"Options\":{}}", x)
    x = env.call("NetworkDriver.FreeNetwork", {"NetworkID": hexid("7")})
    r.check(x.status == 200 and x.json == {}, "FreeNetwork -> {}", x)
    x = env.call("NetworkDriver.AllocateNetwork", {"NetworkID": 7})
    r.check(x.status == 400 and x.err and "NetworkID" in x.err, "AllocateNetwork with a bad NetworkID -> 400", x)
    x = env.call("NetworkDriver.NoSuchMethod", {})
    r.check(x.status == 404 and x.err and "NoSuchMethod" in x.err, "unknown method -> 404 with Err", x)


def test_networks(env, r):
    r.check(env.numvfs() == "0", "fake PF starts with sriov_numvfs 0", env.numvfs())
    r.check("UP" not in env.link(PF)["flags"], "PF veth starts down", env.link(PF))
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200 and x.json == {}, "CreateNetwork pf_iface=%s vlanid=100" % PF, x)
    r.check(env.numvfs() == str(TOTALVFS), "sriov_numvfs written with sriov_totalvfs", env.numvfs())
    r.check("UP" in env.link(PF)["flags"], "PF brought up", env.link(PF)["flags"])
    st = env.state()
    nets = st["networks"] if st else []
    r.check(len(nets) == 1 and nets[0]["id"] == NET_A and nets[0]["pf_pci"] == PF_PCI and
            nets[0]["config"]["vlan"] == 100 and nets[0]["gateway4"] == "10.9.0.1", "the state has the network", st)
    r.check(wait_compacted(env.state_dir) and os.path.isfile(os.path.join(env.state_dir, "networks", NET_A + ".json")),
            "one file for the network (once the journal is compacted)")
    # a .tmp is there only while the background thread compacts or readies a journal file
    deadline = time.monotonic() + 5 * SLOW
    while [n for n in env.state_files() if n.endswith(".tmp")] and time.monotonic() < deadline:
        time.sleep(0.05)
    r.check(not [n for n in env.state_files() if n.endswith(".tmp")], "no .tmp left", env.state_files())

    x = env.call("NetworkDriver.CreateNetwork",
                 network_body(NET_B, {"netdevice": PF_PCI, "vlan": "200", "numvfs": "2", "prefix": "sriov"},
                              internal=True))
    r.check(x.status == 200, "CreateNetwork by PCI address via netdevice/vlan aliases", x)
    r.check(env.numvfs() == str(TOTALVFS), "numvfs left alone when VFs are already enabled", env.numvfs())

    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "300"}))
    r.check(x.status == 409 and x.err and "already exists" in x.err and NET_A in x.err, "same ID -> exists", x)
    cases = [
        ({"pf_iface": PF, "vlanid": "5000"}, 400, "vlanid 5000 out of range 0-4094"),
        ({"vlanid": "5"}, 400, "pf_iface: required option missing"),
        ({"pf_iface": PLAIN}, 400, "plain0 does not support SR-IOV: no sriov_totalvfs"),
        ({"pf_iface": "nosuch0"}, 400, "nosuch0: no such network interface"),
        ({"pf_iface": "lo"}, 400, "lo does not support SR-IOV: not a PCI device"),
        ({"pf_iface": PF, "vlanid": "100"}, 409, "VLAN 100 is already used by network " + NET_A),
        ({"pf_iface": PF, "vlanid": "7", "numvfs": "9"}, 400, "numvfs 9 out of range 1-4"),
        ({"pf_iface": PF, "vlanid": "7", "vfs": "0-5"}, 400, "vfs: VF 4 is beyond"),
        ({"pf_iface": "0000:07:00.0"}, 400, "0000:07:00.0: no such PCI device"),
        ({"pf_iface": PF, "mode": "x"}, 400, "mode 'x' is not sriov or passthrough"),
        ({"pf_iface": PF, "modes": "x"}, 400, "unknown option 'modes' (accepted: pf_iface"),
    ]
    for generic, status, want in cases:
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_C, generic))
        r.check(x.status == status and x.err and want in x.err, "CreateNetwork %s -> %d %s" % (generic, status, want),
                x)
    ghost_before = env.numvfs(GHOST_PCI)
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_C, {"pf_iface": "ghost0"}))
    r.check(x.status != 200 and x.err and "ghost0" in x.err, "PF whose netdev is not in this namespace", x)
    r.check(env.numvfs(GHOST_PCI) == ghost_before, "no numvfs written for a PF that failed", env.numvfs(GHOST_PCI))
    r.check(len(env.state()["networks"]) == 2, "failed creates left no network", env.state()["networks"])

    # CreateEndpoint: the veth "PF" has no VFs, so configuring VF 0 fails; the error names step, PF and VF
    mac_before = env.link(vf_netdev(0))["address"]
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_A, EP_1))
    r.check(x.status == 500 and x.err and "VF 0" in x.err and PF in x.err and "read VF" in x.err,
            "CreateEndpoint fails cleanly naming step, PF and VF", x)
    r.check(env.state()["endpoints"] == [], "failed CreateEndpoint left no endpoint", env.state()["endpoints"])
    r.check(env.link(vf_netdev(0))["address"] == mac_before and "UP" not in env.link(vf_netdev(0))["flags"],
            "VF netdev untouched by the failed CreateEndpoint")
    # every VF netdev up = in use on the host: none is taken
    for i in range(TOTALVFS):
        env.ns_run("ip", "link", "set", vf_netdev(i), "up")
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_A, EP_1))
    r.check(x.status == 409 and x.err and "all %d VFs in use" % TOTALVFS in x.err, "all VFs busy -> 409", x)
    for i in range(TOTALVFS):
        env.ns_run("ip", "link", "set", vf_netdev(i), "down")
    # a network limited to VF 3, whose netdev has an address
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_C, {"pf_iface": PF, "vlanid": "300", "vfs": "3"}))
    r.check(x.status == 200, "CreateNetwork vfs=3", x)
    env.ns_run("ip", "addr", "add", "192.0.2.1/24", "dev", vf_netdev(3))
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_C, EP_1))
    r.check(x.status == 409 and x.err and "all 1 VFs in use" in x.err, "VF with an address is not taken", x)
    env.ns_run("ip", "addr", "flush", "dev", vf_netdev(3))
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(hexid("d"), EP_1))
    r.check(x.status == 404 and x.err and "network " + hexid("d") + " not found" in x.err,
            "CreateEndpoint on unknown network -> 404", x)

    x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_C})
    r.check(x.status == 200 and x.json == {}, "DeleteNetwork", x)
    r.check([n["id"] for n in env.state()["networks"]] == [NET_A, NET_B], "network gone from state")
    r.check(env.numvfs() == str(TOTALVFS), "DeleteNetwork never disables SR-IOV", env.numvfs())
    x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_C})
    r.check(x.status == 200 and x.json == {}, "DeleteNetwork again -> {}", x)


def test_seeded_endpoint(env, r):
    """Join/Leave/DeleteEndpoint on an endpoint written into state.json while the daemon was stopped."""
    rc = env.stop()
    r.check(rc == 0, "SIGTERM exit status 0", rc)
    seed_endpoint(env, NET_A, EP_S, 1, mac="02:42:0a:09:00:63")
    seed_endpoint(env, NET_B, EP_T, 2, mac="02:42:0a:09:00:64")
    env.start()
    r.check("2 networks, 2 endpoints" in env.log(), "restart loads the seeded endpoints", env.log()[-500:])
    x = env.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": EP_S})
    v = x.json.get("Value", {}) if x.json else {}
    r.check(x.status == 200 and v.get("vf_index") == 1 and v.get("pf_iface") == PF and v.get("vf_pci") == vf_pci(1)
            and v.get("mac") == "02:42:0a:09:00:63" and v.get("vlan") == 100, "EndpointOperInfo values", x)
    join = {"NetworkID": NET_A, "EndpointID": EP_S, "SandboxKey": "/var/run/docker/netns/0123456789ab",
            "Options": {}}
    x = env.call("NetworkDriver.Join", join)
    j = x.json or {}
    r.check(x.status == 200 and j.get("InterfaceName", {}).get("SrcName") == vf_netdev(1) and
            j["InterfaceName"].get("DstPrefix") == "eth" and j.get("Gateway") == "10.9.0.1",
            "Join returns the VF netdev, prefix and gateway", x)
    link = env.link(vf_netdev(1))
    r.check(link["address"] == "02:42:0a:09:00:63" and "UP" not in link["flags"],
            "VF netdev carries the endpoint MAC and is down", link)
    ep = [e for e in env.state()["endpoints"] if e["id"] == EP_S][0]
    r.check(ep["joined"] and ep["sandbox_key"] == join["SandboxKey"], "state records the join", ep)
    x = env.call("NetworkDriver.Join", join)
    r.check(x.status == 200, "Join repeated with the same sandbox", x)
    x = env.call("NetworkDriver.Join", dict(join, SandboxKey="/var/run/docker/netns/other"))
    r.check(x.status == 409 and x.err and "already joined" in x.err, "Join into a second sandbox -> 409", x)
    x = env.call("NetworkDriver.Join", {"NetworkID": NET_B, "EndpointID": EP_T,
                                        "SandboxKey": "/var/run/docker/netns/t", "Options": {}})
    j = x.json or {}
    r.check(x.status == 200 and j.get("InterfaceName", {}).get("DstPrefix") == "sriov" and "Gateway" not in j,
            "Join on an internal network: configured prefix, no gateway", x)
    x = env.call("NetworkDriver.Leave", {"NetworkID": NET_A, "EndpointID": EP_S})
    r.check(x.status == 200 and x.json == {}, "Leave", x)
    ep = [e for e in env.state()["endpoints"] if e["id"] == EP_S][0]
    r.check(not ep["joined"] and ep["sandbox_key"] == "", "state records the leave", ep)
    x = env.call("NetworkDriver.Leave", {"NetworkID": NET_A, "EndpointID": EP_S})
    r.check(x.status == 200 and x.json == {}, "Leave repeated -> {}", x)
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_A, EP_S))
    r.check(x.status == 409 and x.err and "already exists" in x.err, "CreateEndpoint of an existing ID -> 409", x)
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_A, EP_1, mac="02:42:0a:09:00:63"))
    r.check(x.status != 200 and x.err and "already used by endpoint" in x.err, "MAC of another endpoint refused", x)
    x = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_A, "EndpointID": EP_S})
    r.check(x.status == 200 and x.json == {}, "DeleteEndpoint (VF reset fails on a veth, logged)", x)
    r.check([e["id"] for e in env.state()["endpoints"]] == [EP_T], "endpoint gone from state")
    r.check("not fully reset" in env.log(), "reset failure is logged")
    x = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_A, "EndpointID": EP_S})
    r.check(x.status == 200 and x.json == {}, "DeleteEndpoint repeated -> {}", x)
    x = env.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": EP_S})
    r.check(x.status == 200 and x.json == {"Value": {}}, "EndpointOperInfo after delete", x)
    # DeleteNetwork with an endpoint left (Docker's forced cleanup) releases it too
    x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_B})
    r.check(x.status == 200 and env.state()["endpoints"] == [], "DeleteNetwork releases its endpoints", x)


def tcp_inodes(pid):
    inodes = set()
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, name)) as f:
                for line in list(f)[1:]:
                    inodes.add(line.split()[9])
        except OSError:
            pass
    return inodes


def socket_inodes(pid):
    out = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            t = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            out.add(t[8:-1])
    return out


def test_lifecycle(env, r):
    st = os.stat(env.sock)
    r.check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660 and st.st_uid == 0,
            "socket is root-owned, mode 0660", oct(st.st_mode))
    pid = env.proc.pid
    socks = socket_inodes(pid)
    r.check(len(socks) > 0, "daemon has sockets open", socks)
    r.check(not (socks & tcp_inodes(pid)), "no TCP/UDP socket among the daemon's fds", socks & tcp_inodes(pid))
    with open("/proc/%d/net/unix" % pid) as f:
        listening = [line.split() for line in f if line.rstrip().endswith(env.sock)]
    r.check(any(l[6] in socks for l in listening), "the daemon's own fd listens on the socket path", listening)

    # a second instance on the live socket (its own state dir) refuses to start and leaves the first alone
    other_state = os.path.join(env.tmp, "other-state")
    p = subprocess.run(env.command(state_dir=other_state), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60, text=True)
    r.check(p.returncode != 0 and "another instance is answering" in p.stdout, "second instance refuses", p.stdout)
    r.check(env.call("Plugin.Activate").status == 200, "first instance still serving")
    # a regular file where the socket should go is never replaced
    plain = os.path.join(env.tmp, "not-a-socket")
    with open(plain, "w") as f:
        f.write("keep")
    p = subprocess.run(env.command(sock=plain, state_dir=other_state), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60, text=True)
    r.check(p.returncode != 0 and "is not a socket" in p.stdout and open(plain).read() == "keep",
            "a non-socket file is not replaced", p.stdout)

    # kill -9: the socket file stays (stale); a new instance replaces it and has the networks
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork before the crash", x)
    before = env.state()
    rc = env.stop(signal.SIGKILL)
    r.check(rc == -signal.SIGKILL, "kill -9", rc)
    r.check(os.path.exists(env.sock), "stale socket left by kill -9")
    env.start()
    r.check(env.call("Plugin.Activate").status == 200, "restart replaces the stale socket")
    r.check(env.state() == before and "1 networks" in env.log(), "state file loads after kill -9", env.log()[-400:])
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "101"}))
    r.check(x.status == 409 and x.err and "already exists" in x.err, "network survives the restart", x)
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200 and "replayed" in env.log(), "its identical replay answers as the first time", x)

    # SIGTERM: exit 0, socket removed
    rc = env.stop()
    r.check(rc == 0, "SIGTERM exits 0", rc)
    r.check(not os.path.exists(env.sock), "SIGTERM removes the socket")

    # a corrupt state file stops start-up with a message naming it; the file is left for the operator
    with open(env.state_path(), "w") as f:
        f.write('{"version": 1, "networks": [')
    env.start(wait=False)
    try:
        rc = env.proc.wait(timeout=60 if env.valgrind else 10)
    except subprocess.TimeoutExpired:
        env.stop(signal.SIGKILL)
        rc = "still running"
    r.check(rc not in (0, "still running") and "state.json" in env.log(), "corrupt state refuses to start",
            (rc, env.log()[-400:]))
    r.check(open(env.state_path()).read() == '{"version": 1, "networks": [', "corrupt state file left untouched")


def test_keepalive(env, r):
    """dockerd keeps connections open (MaxIdleConns 6): several calls on one connection."""
    conn = UnixHTTPConnection(env.sock)
    try:
        for i in range(3):
            conn.request("POST", "/Plugin.Activate", body=b"", headers={"Accept": ACCEPT, "Content-Length": "0"})
            a = conn.getresponse()
            body = a.read()
            r.check(a.status == 200 and b"NetworkDriver" in body, "keep-alive call %d on one connection" % i, body)
        conn.request("POST", "/NetworkDriver.EndpointOperInfo", body=go_json({"NetworkID": NET_A, "EndpointID": EP_1}),
                     headers={"Accept": ACCEPT})
        a = conn.getresponse()
        r.check(a.status == 200 and a.read() == b'{"Value":{}}', "a body after bodiless calls on one connection")
        # the constant answers are built once and sent again: the same status, headers and bytes
        # every time, interleaved with other calls, and only to a POST
        seen = {}
        for i in range(3):
            for m in ("Plugin.Activate", "NetworkDriver.GetCapabilities", "IpamDriver.GetCapabilities",
                      "IpamDriver.GetDefaultAddressSpaces", "NetworkDriver.EndpointOperInfo"):
                conn.request("POST", "/" + m, body=b"{}", headers={"Accept": ACCEPT, "Content-Length": "2"})
                a = conn.getresponse()
                seen.setdefault(m, set()).add((a.status, a.getheader("Content-Type"), a.getheader("Content-Length"),
                                               a.read()))
        constant = {m: v for m, v in seen.items() if m != "NetworkDriver.EndpointOperInfo"}
        r.check(all(len(v) == 1 and next(iter(v))[0] == 200 and "json" in (next(iter(v))[1] or "") and
                    json.loads(next(iter(v))[3]) for v in constant.values()),
                "constant answers: one status, Content-Type and body each, three times on one connection", seen)
        oper = seen["NetworkDriver.EndpointOperInfo"]
        r.check(len(oper) == 1 and next(iter(oper))[0] == 400 and b"NetworkID" in next(iter(oper))[3],
                "a handled route between them still gets its own answer (an empty EndpointOperInfo: 400)", oper)
    finally:
        conn.close()
    g = env.call("NetworkDriver.GetCapabilities", http_method="GET")
    r.check(g.status == 405 and g.err, "a constant route answers only a POST", g)


def test_reclaim_at_start(env, r):
    """At start, a joined endpoint whose sandbox is gone is reset and freed; one whose sandbox exists stays."""
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    alive = os.path.join(env.tmp, "netns-alive")
    open(alive, "w").close()
    seed_endpoint(env, NET_A, EP_S, 1, mac="02:42:0a:09:00:63", joined=True, sandbox=alive)
    seed_endpoint(env, NET_A, EP_T, 2, mac="02:42:0a:09:00:64", joined=True,
                  sandbox=os.path.join(env.tmp, "netns-gone"))
    # endpoints a crash left half-created or half-deleted are finished (dropped) at start
    seed_endpoint(env, NET_A, hexid("3"), 0, mac="02:42:0a:09:00:65", phase="creating")
    seed_endpoint(env, NET_A, hexid("4"), 3, mac="02:42:0a:09:00:66", joined=True, sandbox=alive,
                  phase="deleting")
    env.start()
    ids = [e["id"] for e in env.state()["endpoints"]]
    r.check(ids == [EP_S], "stale and interrupted endpoints dropped at start, live one kept",
            (ids, env.log()[-800:]))
    r.check("stale endpoint %s reclaimed" % EP_T[:12] in env.log(), "reclaim is logged")
    r.check("interrupted while being created" in env.log() and "interrupted while being deleted" in env.log(),
            "interrupted endpoints are logged")
    r.check(env.stop() == 0, "SIGTERM exits 0")


def test_unmounted_sandbox(env, r):
    """dockerd unmounts a sandbox's netns as soon as it destroys it, and removes the file only in
    its garbage collection, every 60 s: a SandboxKey file seen as a mounted netns and now not
    mounted is gone; a plain file (never seen mounted) still counts as there."""
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    mounted, plain = os.path.join(env.tmp, "netns-mounted"), os.path.join(env.tmp, "netns-plain")
    for f in (mounted, plain):
        open(f, "w").close()
    m = subprocess.run(["mount", "--bind", "/proc/self/ns/net", mounted], capture_output=True, text=True)
    r.check(m.returncode == 0, "a netns bind-mounted on a SandboxKey file (needs root)", m.stderr)
    try:
        seed_endpoint(env, NET_A, EP_S, 1, mac="02:42:0a:09:00:63", joined=True, sandbox=mounted,
                      joined_at=int(time.time()))
        seed_endpoint(env, NET_A, EP_T, 2, mac="02:42:0a:09:00:64", joined=True, sandbox=plain,
                      joined_at=int(time.time()))
        env.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            eps = {e["id"]: e for e in env.state()["endpoints"]}
            if eps.get(EP_S, {}).get("sandbox_mounted") and eps.get(EP_T, {}).get("sandbox_seen"):
                break
            time.sleep(0.1)
        r.check(eps.get(EP_S, {}).get("sandbox_mounted") is True and eps.get(EP_S, {}).get("sandbox_seen") is True,
                "the mounted sandbox is recorded as seen mounted", eps.get(EP_S))
        r.check(eps.get(EP_T, {}).get("sandbox_seen") is True and "sandbox_mounted" not in eps.get(EP_T, {}),
                "the plain file is recorded as seen, not mounted (its record keeps its shape)", eps.get(EP_T))
        r.check(env.stop() == 0, "SIGTERM exits 0")
    finally:
        subprocess.run(["umount", mounted], capture_output=True)
    r.check(os.path.exists(mounted), "unmounted, the file stays (as dockerd leaves it until its GC)")
    env.start()
    ids = [e["id"] for e in env.state()["endpoints"]]
    r.check(EP_S not in ids and "stale endpoint %s reclaimed: sandbox %s is gone (its netns is unmounted)"
            % (EP_S[:12], mounted) in env.log(), "a sandbox seen mounted and now unmounted: reclaimed",
            (ids, env.log()[-600:]))
    r.check(EP_T in ids, "a plain file never seen mounted: kept", ids)
    r.check(env.stop() == 0, "SIGTERM exits 0")


def test_slow_start_kept(env, r):
    """dockerd joins before runc's hook creates the netns file: a container that takes minutes to
    start (a burst on a loaded host) keeps its VF; a Join whose netns never came for longer than
    any start takes (dockerd died in between) is reclaimed."""
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    slow, dead = hexid("5"), hexid("6")
    seed_endpoint(env, NET_A, slow, 1, mac="02:42:0a:09:00:67", joined=True,
                  sandbox=os.path.join(env.tmp, "netns-not-yet"), joined_at=int(time.time()) - 300)
    seed_endpoint(env, NET_A, dead, 2, mac="02:42:0a:09:00:68", joined=True,
                  sandbox=os.path.join(env.tmp, "netns-never"), joined_at=int(time.time()) - 3600)
    env.start()
    ids = [e["id"] for e in env.state()["endpoints"]]
    r.check(slow in ids, "joined 5 min ago, netns not there yet: kept (the container is still starting)",
            (ids, env.log()[-600:]))
    r.check(dead not in ids and "stale endpoint %s reclaimed" % dead[:12] in env.log(),
            "joined an hour ago, netns never there: reclaimed", (ids, env.log()[-600:]))
    r.check(env.stop() == 0, "SIGTERM exits 0")


def test_orphan_reclaimed(env, r):
    """An endpoint Docker never joined (its CreateEndpoint answer was lost: dockerd neither retries
    nor deletes it) or left without deleting is reclaimed once it has had no sandbox for 15 min;
    a young one, or one from a file written before the clock existed, is kept."""
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    young, old, legacy = hexid("7"), hexid("8"), hexid("9")
    now = int(time.time())
    seed_endpoint(env, NET_A, young, 1, mac="02:42:0a:09:00:71", unjoined_at=now - 60)
    seed_endpoint(env, NET_A, old, 2, mac="02:42:0a:09:00:72", unjoined_at=now - 3600)
    seed_endpoint(env, NET_A, legacy, 3, mac="02:42:0a:09:00:73")
    env.start()
    eps = {e["id"]: e for e in env.state()["endpoints"]}
    r.check(young in eps, "created a minute ago, not joined yet: kept", (list(eps), env.log()[-600:]))
    r.check(old not in eps and "stale endpoint %s reclaimed: no sandbox for" % old[:12] in env.log(),
            "no sandbox for an hour: reclaimed as an orphan", (list(eps), env.log()[-600:]))
    r.check(legacy in eps, "a record without unjoined_at (older file): kept, its clock starts now",
            (list(eps), env.log()[-600:]))
    x = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_A, "EndpointID": old})
    r.check(x.status == 200 and x.json == {}, "a late DeleteEndpoint of the reclaimed orphan answers {}", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")


def vf_to(env, vf, driver):
    """As the kernel shows a VF on `driver` in the fake sysfs: vfio-pci (a Kata VM's, no netdev) or
    igbvf (home, with its netdev)."""
    dev = os.path.join(env.sysfs, "bus", "pci", "devices", vf_pci(vf))
    os.unlink(os.path.join(dev, "driver"))
    os.symlink("../../drivers/" + driver, os.path.join(dev, "driver"))
    net = os.path.join(dev, "net", vf_netdev(vf))
    if driver == "igbvf":
        os.makedirs(net, exist_ok=True)
    elif os.path.isdir(net):
        os.rmdir(net)


def test_released_outlives_network(env, r):
    """A Kata VM died and left its VF on vfio-pci; docker rm (DeleteEndpoint keeps it as released),
    then docker network rm: the record stays, the proof that the VF is ours, and says so in status;
    it loads at the next start; so does one of an endpoint the network took with it (a forced
    clean-up) whose VF is on vfio-pci. Once a VF is home the sweep drops its record."""
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    seed_endpoint(env, NET_A, EP_S, 2, mac="02:42:0a:09:00:72", joined=True, sandbox="/nonexistent/sandbox-s")
    seed_endpoint(env, NET_A, EP_T, 3, mac="02:42:0a:09:00:73")
    vf_to(env, 2, "vfio-pci")
    vf_to(env, 3, "vfio-pci")
    env.start()
    env.call("NetworkDriver.Leave", {"NetworkID": NET_A, "EndpointID": EP_S})
    x = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET_A, "EndpointID": EP_S})
    eps = {e["id"]: e for e in env.state()["endpoints"]}
    r.check(x.status == 200 and eps.get(EP_S, {}).get("phase") == "released",
            "DeleteEndpoint with the VF on vfio-pci: kept as released", (x, eps.get(EP_S)))
    x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_A})
    st = env.state()
    eps = {e["id"]: e for e in st["endpoints"]}
    r.check(x.status == 200 and st["networks"] == [], "DeleteNetwork deletes the network", (x, st["networks"]))
    r.check(eps.get(EP_S, {}).get("phase") == "released", "the released record outlives its network", eps)
    r.check(eps.get(EP_T, {}).get("phase") == "released",
            "an endpoint deleted with its network whose VF is on vfio-pci: kept as released", eps)
    v = (env.call("SriovPlugin.Status").json or {}).get("released", [])
    mine = {e.get("endpoint"): e for e in v}
    r.check(set(mine) == {EP_S, EP_T} and all(e.get("network_deleted") and e.get("driver") == "vfio-pci" and
                                                e.get("network") == NET_A for e in v),
            "status lists both, network deleted, on vfio-pci", v)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    env.start(extra=("--reclaim-interval", "1"))
    r.check(sorted(e["id"] for e in env.state()["endpoints"]) == sorted([EP_S, EP_T]),
            "a start loads released records whose network is gone", env.log()[-600:])
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "100",
                                                                     "vfs": "2-3"}))
    r.check(x.status == 200, "a new network on those VFs", x)
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_B, EP_1))
    r.check(x.status != 200 and x.err and "released by endpoint" in x.err,
            "its CreateEndpoint tries to take them back as ours (the fake sysfs cannot rebind)", x)
    vf_to(env, 2, "igbvf")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and EP_S in [e["id"] for e in env.state()["endpoints"]]:
        time.sleep(0.1)
    ids = [e["id"] for e in env.state()["endpoints"]]
    r.check(EP_S not in ids and EP_T in ids, "VF 2 home: the sweep drops its record; VF 3's stays", ids)
    vf_to(env, 3, "igbvf")
    r.check(env.stop() == 0, "SIGTERM exits 0")


def test_numvfs_option(env, r):
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "numvfs": "2"}))
    r.check(x.status == 200 and env.numvfs() == "2", "numvfs=2 writes 2 to sriov_numvfs", (x, env.numvfs()))
    rc = env.stop()
    r.check(rc == 0, "SIGTERM exit status 0", rc)


def check_valgrind(env, r):
    """Under VALGRIND=1: every SIGTERM stop gave 0 (valgrind exits 42 on errors or definite leaks)."""
    if not env.valgrind:
        return
    terms = [rc for sig, rc in env.exit_codes if sig == signal.SIGTERM]
    logs = env.valgrind_logs()
    r.check(terms and all(rc == 0 for rc in terms), "valgrind: SIGTERM exits all 0 (42 = errors/leaks)",
            (terms, logs[-3000:]))


def test_default_pools(env, r):
    """--default-pools: RequestPool with no pool hands them out in order, then says none is free."""
    body = {"AddressSpace": "local", "Pool": "", "SubPool": "", "Options": {}, "V6": False}
    got = [env.call("IpamDriver.RequestPool", body) for _ in range(3)]
    pools = [x.json.get("Pool") if x.status == 200 and x.json else None for x in got]
    r.check(pools[:2] == ["10.77.0.0/24", "10.78.0.0/24"], "--default-pools are handed out in order", pools)
    r.check(got[2].status != 200 and got[2].err and "no free default pool" in got[2].err,
            "--default-pools exhausted: a clear error", got[2])
    r.check(env.stop() == 0, "SIGTERM exits 0")


def test_state_dir_lock(env, r):
    """One daemon per state dir: a second one (another socket, e.g. the managed plugin beside the
    package's service) is refused before it reads or writes the dir, naming the holder and the way
    out; the first keeps serving and its files are untouched. The lock goes with its holder, however
    it ends (SIGTERM or SIGKILL)."""
    net = hexid("5")
    r.check(env.call("NetworkDriver.CreateNetwork", network_body(net, {"pf_iface": PF})).status == 200,
            "the first daemon serves a network")
    before, lock_before = env.snapshot(), env.lock_text()
    r.check(lock_before is not None and ("pid=%d\n" % env.proc.pid).encode() in lock_before and
            ("socket=%s\n" % env.sock).encode() in lock_before, "the lock file names its holder", lock_before)
    second_sock = os.path.join(env.tmp, "second.sock")
    p = subprocess.run(env.command(sock=second_sock), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60, text=True)
    want = "state dir %s is in use by another sriov-plugin (PID %d, socket %s" % (env.state_dir, env.proc.pid, env.sock)
    r.check(p.returncode != 0 and want in p.stdout, "a second daemon on the state dir is refused, naming the holder",
            p.stdout)
    r.check("systemctl disable --now sriov-plugin.socket sriov-plugin.service" in p.stdout and
            "its own --state-dir" in p.stdout, "... and the way out", p.stdout)
    r.check(not os.path.exists(second_sock), "the refused daemon made no socket")
    r.check(env.snapshot() == before and env.lock_text() == lock_before, "the first daemon's files are untouched")
    r.check(env.call("NetworkDriver.GetCapabilities").status == 200 and
            env.call("NetworkDriver.DeleteNetwork", {"NetworkID": net}).status == 200,
            "the first daemon keeps serving")
    # SIGKILL: the kernel drops the lock with the process, the next daemon starts
    env.stop(signal.SIGKILL)
    env.start()
    r.check(("pid=%d\n" % env.proc.pid).encode() in (env.lock_text() or b""),
            "after a kill -9 the next daemon takes the lock", env.lock_text())


def run_all(r):
    with Env() as env:
        env.start()
        test_basics(env, r)
        test_networks(env, r)
        test_seeded_endpoint(env, r)
        rc = env.stop()
        r.check(rc == 0, "SIGTERM exit status 0 (api env)", rc)
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_lifecycle(env, r)
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_keepalive(env, r)
        test_numvfs_option(env, r)
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_reclaim_at_start(env, r)
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_slow_start_kept(env, r)
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_unmounted_sandbox(env, r)
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_orphan_reclaimed(env, r)
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_state_dir_lock(env, r)
        r.check(env.stop() == 0, "SIGTERM exits 0 (lock env)")
        check_valgrind(env, r)
    with Env() as env:
        env.start()
        test_released_outlives_network(env, r)
        check_valgrind(env, r)
    with Env() as env:
        env.start(extra=("--default-pools", "10.77.0.0/24,10.78.0.0/24"))
        test_default_pools(env, r)
        check_valgrind(env, r)
