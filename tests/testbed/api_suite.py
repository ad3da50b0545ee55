#!/usr/bin/env python3
"""API suite, run inside the test bed: talks to the plugin's socket as dockerd does and reads every
effect back from the kernel (`ip -j link show`, sysfs). Needs igb PFs (TESTBED_NICS=2 for the numvfs
checks). Usage: api_suite.py PLUGIN_BINARY"""
import concurrent.futures
import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import plugin_state  # noqa: E402  (the one reader of the state dir's layout)
from plugin_client import (PluginClient, Results, docker_create_endpoint, docker_create_network,  # noqa: E402
                           sh, spawn_plugin)

BIN = sys.argv[1]
SOCK = "/run/docker/plugins/sriov.sock"
STATE = "/scratch/api-state"
LOG = "/scratch/plugin-api.log"
R = Results("api")
C = PluginClient(SOCK)
proc = None


def start_plugin(*extra):
    global proc
    proc, answered = spawn_plugin(BIN, SOCK, STATE, LOG, ("--log-level", "debug", *extra))
    if not answered:
        raise SystemExit("plugin did not start: " + open(LOG).read()[-2000:])


def stop_plugin(sig=signal.SIGTERM):
    global proc
    proc.send_signal(sig)
    rc = proc.wait(timeout=30)
    proc = None
    return rc


def pfs():
    out = []
    for name in sorted(os.listdir("/sys/class/net")):
        drv = os.path.realpath("/sys/class/net/%s/device/driver" % name)
        if os.path.basename(drv) == "igb":
            out.append((os.path.basename(os.path.realpath("/sys/class/net/%s/device" % name)), name))
    return [n for _, n in sorted(out)]


def vf_info(pf, vf):
    link = json.loads(sh("ip -j link show " + pf).stdout)[0]
    for v in link.get("vfinfo_list", []):
        if v.get("vf") == vf:
            vl = (v.get("vlan_list") or [{}])[0]
            return {"mac": v.get("address"), "vlan": vl.get("vlan", 0), "qos": vl.get("qos", 0),
                    "spoofchk": v.get("spoofchk"), "trust": v.get("trust"),
                    "max_tx_rate": v.get("rate", {}).get("max_tx"), "link_state": v.get("link_state")}
    raise KeyError("no VF %d on %s" % (vf, pf))


def vf_netdev(pf, vf):
    d = "/sys/class/net/%s/device/virtfn%d/net" % (pf, vf)
    names = os.listdir(d) if os.path.isdir(d) else []
    return names[0] if names else None


def netdev_info(name):
    link = json.loads(sh("ip -j link show " + name).stdout)[0]
    return {"mac": link["address"], "mtu": link["mtu"], "up": "UP" in link["flags"]}


def numvfs(pf):
    return int(open("/sys/class/net/%s/device/sriov_numvfs" % pf).read())


def state_bytes():
    """The saved networks and endpoints (plugin_state.load) as JSON text; b"" when there are none."""
    try:
        st = plugin_state.load(STATE)
    except FileNotFoundError:
        return b""
    return b"" if st is None else json.dumps(st, sort_keys=True).encode()


def state_view(raw):
    """The saved state without the sweep's own bookkeeping (sandbox_seen)."""
    st = json.loads(raw)
    for e in st["endpoints"]:
        e.pop("sandbox_seen", None)
    return st


def err_of(resp):
    return (resp[1] or {}).get("Err", "") if isinstance(resp[1], dict) else ""


def expect_error(resp, needle, desc):
    status, body = resp
    msg = err_of(resp)
    R.check(status != 200 and needle.lower() in msg.lower(), desc, "status %s body %s" % (status, body))


NID = "n" + "1" * 63
ep_counter = [0]


def new_ep_id():
    ep_counter[0] += 1
    return "e%063d" % ep_counter[0]


def create_net(net_id, generic, **kw):
    return C.call("NetworkDriver.CreateNetwork", docker_create_network(net_id, generic, **kw))


def create_ep(net_id, ep_id, address="", mac=""):
    return C.call("NetworkDriver.CreateEndpoint", docker_create_endpoint(net_id, ep_id, address, mac))


def delete_ep(net_id, ep_id):
    return C.call("NetworkDriver.DeleteEndpoint", {"NetworkID": net_id, "EndpointID": ep_id})


def join(net_id, ep_id, key="/var/run/docker/netns/abc123"):
    return C.call("NetworkDriver.Join", {"NetworkID": net_id, "EndpointID": ep_id, "SandboxKey": key,
                                         "Options": {}})


ORIGINAL_MAC = {}


def remember_macs(pf):
    """The MACs the VFs had before the plugin touched them (igb gives new VFs random ones)."""
    link = json.loads(sh("ip -j link show " + pf).stdout)[0]
    for v in link.get("vfinfo_list", []):
        ORIGINAL_MAC[(pf, v["vf"])] = v["address"]


def vf_is_reset(pf, vf):
    """Reset = MAC back to what it was before us (or zero), VLAN 0, spoof check on, trust off."""
    i = vf_info(pf, vf)
    return (i["mac"] in (ORIGINAL_MAC.get((pf, vf)), "00:00:00:00:00:00") and i["vlan"] == 0 and i["qos"] == 0
            and i["spoofchk"] is True and i["trust"] is False and i["max_tx_rate"] in (0, None))


def main():
    pf_list = pfs()
    if not pf_list:
        raise SystemExit("no igb PF")
    pf = pf_list[0]
    sh("ip link set %s down" % pf)
    os.makedirs("/run/docker/plugins", exist_ok=True)
    start_plugin()

    # --- activation and capabilities
    s, b = C.call("Plugin.Activate")
    R.check(s == 200 and set(b["Implements"]) == {"NetworkDriver", "IpamDriver"}, "Activate lists both drivers", b)
    s, b = C.call("NetworkDriver.GetCapabilities")
    R.check(s == 200 and b.get("Scope") == "local", "GetCapabilities: Scope local", b)
    st = os.stat(SOCK)
    R.check(oct(st.st_mode & 0o777) == "0o660", "socket mode 0660", oct(st.st_mode))

    # --- errors before anything exists
    expect_error(create_net("bad1", {"pf_iface": pf, "vlanid": "5000"}), "vlanid 5000 out of range 0-4094",
                 "vlanid=5000 refused with the range")
    expect_error(create_net("bad2", {"pf_iface": "lo"}), "lo", "non-SR-IOV pf_iface refused")
    expect_error(create_net("bad3", {"pf_iface": "nosuch0"}), "nosuch0", "missing pf_iface device refused")
    expect_error(create_net("bad4", {"pf_iface": pf, "colour": "red"}), "unknown option 'colour'",
                 "unknown option refused")
    expect_error(create_net("bad5", {"vlanid": "1"}), "pf_iface", "missing pf_iface refused")
    R.check(numvfs(pf) == 0, "refused networks changed nothing (numvfs still 0)", numvfs(pf))

    # --- the Kata guide's network: PF up, VFs enabled
    s, b = create_net(NID, {"pf_iface": pf, "vlanid": "100"}, internal=False)
    R.check(s == 200 and b == {}, "CreateNetwork pf_iface+vlanid answers {}", (s, b))
    R.check(numvfs(pf) == 7, "VFs enabled to sriov_totalvfs (7)", numvfs(pf))
    R.check(netdev_info(pf)["up"], "PF brought up")
    remember_macs(pf)
    # dockerd retries a call whose connection broke: the identical CreateNetwork answers as the first time,
    # the same ID with other options is refused
    s, b = create_net(NID, {"pf_iface": pf, "vlanid": "100"})
    R.check(s == 200 and b == {}, "identical CreateNetwork replay answers {}", "status %s body %s" % (s, b))
    expect_error(create_net(NID, {"pf_iface": pf, "vlanid": "101"}), "already exists",
                 "same network ID with other options refused")
    expect_error(create_net("n2", {"pf_iface": pf, "vlanid": "100"}), NID[:12],
                 "same PF + same VLAN refused naming the network")

    # --- an endpoint with a generated MAC
    e1 = new_ep_id()
    s, b = create_ep(NID, e1, address="192.168.0.10/24")
    mac1 = ((b or {}).get("Interface") or {}).get("MacAddress", "")
    R.check(s == 200 and re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac1 or ""), "CreateEndpoint returns a MAC",
            (s, b))
    R.check("Address" not in ((b or {}).get("Interface") or {}), "CreateEndpoint does not echo Address", b)
    R.check(int(mac1[:2], 16) & 2 == 2 and int(mac1[:2], 16) & 1 == 0, "generated MAC is local unicast", mac1)
    i0 = vf_info(pf, 0)
    R.check(i0["mac"] == mac1, "VF 0 admin MAC = returned MAC", i0)
    R.check(i0["vlan"] == 100, "VF 0 VLAN 100", i0)
    R.check(i0["spoofchk"] is True and i0["trust"] is False, "VF 0 spoofchk on, trust off", i0)
    nd = vf_netdev(pf, 0)
    R.check(nd and netdev_info(nd)["mac"] == mac1, "VF 0 netdev MAC = admin MAC", nd and netdev_info(nd))
    R.check(nd and not netdev_info(nd)["up"], "VF 0 netdev left down")

    s, b = C.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NID, "EndpointID": e1})
    v = (b or {}).get("Value", {})
    R.check(s == 200 and v.get("vf_index") == 0 and v.get("mac") == mac1 and v.get("vlan") == 100
            and v.get("pf_iface") == pf and re.fullmatch(r"[0-9a-f:.]+", v.get("vf_pci", "")),
            "EndpointOperInfo: PF, VF index, PCI address, MAC, VLAN", b)

    # --- a Docker-given MAC is used and not echoed
    e2 = new_ep_id()
    s, b = create_ep(NID, e2, address="192.168.0.11/24", mac="02:11:22:33:44:55")
    R.check(s == 200 and not ((b or {}).get("Interface") or {}).get("MacAddress"), "given MAC is not echoed", b)
    R.check(vf_info(pf, 1)["mac"] == "02:11:22:33:44:55", "VF 1 admin MAC = Docker's MAC", vf_info(pf, 1))
    expect_error(create_ep(NID, new_ep_id(), mac="02:11:22:33:44:55"), "already used", "duplicate MAC refused")
    expect_error(create_ep(NID, new_ep_id(), mac="01:00:5e:00:00:01"), "unicast", "multicast MAC refused")
    expect_error(create_ep(NID, e1), "already exists", "duplicate endpoint ID with other addresses refused")
    s, b = create_ep(NID, e1, address="192.168.0.10/24")
    R.check(s == 200 and b.get("Interface", {}).get("MacAddress") == mac1,
            "an identical CreateEndpoint (dockerd's retry) gets the first answer again", b)
    expect_error(create_ep("nosuchnet", new_ep_id()), "nosuchnet", "CreateEndpoint on unknown network")

    # --- Join / Leave
    s, b = join(NID, e1)
    iface = (b or {}).get("InterfaceName") or {}
    R.check(s == 200 and iface.get("SrcName") == vf_netdev(pf, 0) and iface.get("DstPrefix") == "eth",
            "Join: SrcName = VF 0 netdev, DstPrefix eth", b)
    R.check(b.get("Gateway") == "192.168.0.1" and b.get("DisableGatewayService") is True,
            "Join: gateway, DisableGatewayService", b)
    expect_error(join(NID, e1, key="/var/run/docker/netns/other"), "already joined", "double Join elsewhere refused")
    expect_error(join(NID, "nosuchep"), "nosuchep", "Join before CreateEndpoint refused")
    s, b = C.call("NetworkDriver.Leave", {"NetworkID": NID, "EndpointID": e1})
    R.check(s == 200 and b == {}, "Leave answers {}", b)
    for m in ("Leave", "DeleteEndpoint"):
        s, b = C.call("NetworkDriver." + m, {"NetworkID": NID, "EndpointID": "unknown"})
        R.check(s == 200 and b == {}, "%s of an unknown ID answers {}" % m, (s, b))
    s, b = C.call("NetworkDriver.DeleteNetwork", {"NetworkID": "unknown"})
    R.check(s == 200 and b == {}, "DeleteNetwork of an unknown ID answers {}", (s, b))
    s, b = C.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NID, "EndpointID": "unknown"})
    R.check(s == 200 and b == {"Value": {}}, "EndpointOperInfo of an unknown ID", (s, b))
    for m in ("ProgramExternalConnectivity", "RevokeExternalConnectivity"):
        s, b = C.call("NetworkDriver." + m, {"NetworkID": NID, "EndpointID": e1, "Options": {}})
        R.check(s == 200 and b == {}, m + " answers {}", (s, b))
    s, b = C.call("NetworkDriver.DiscoverNew", {"DiscoveryType": 1, "DiscoveryData": {"Address": "10.0.0.5"}})
    R.check(s == 200, "DiscoverNew answers 200", (s, b))
    s, b = C.call("NetworkDriver.AllocateNetwork", {"NetworkID": "x", "Options": {}, "IPv4Data": [], "IPv6Data": None})
    R.check(s == 200 and "Options" in (b or {}), "AllocateNetwork answers Options", (s, b))
    s, b = C.call("NetworkDriver.NoSuchMethod", {})
    R.check(s == 404, "unknown method answers 404", (s, b))

    # --- DeleteEndpoint resets the VF
    s, b = delete_ep(NID, e1)
    R.check(s == 200 and b == {}, "DeleteEndpoint answers {}", b)
    R.check(vf_is_reset(pf, 0), "VF 0 reset: MAC 0, VLAN 0, spoofchk on, trust off", vf_info(pf, 0))
    delete_ep(NID, e2)
    R.check(vf_is_reset(pf, 1), "VF 1 reset", vf_info(pf, 1))

    # --- restart after kill -9
    e3 = new_ep_id()
    s, b = create_ep(NID, e3)
    sh("ip netns add apisandbox")  # a live sandbox, so the restart does not reclaim e3 as stale
    s, b = join(NID, e3, key="/run/netns/apisandbox")
    before = state_bytes()
    stop_plugin(signal.SIGKILL)
    start_plugin()
    R.check(state_view(state_bytes()) == state_view(before), "state unchanged by a kill -9 + restart")
    e4 = new_ep_id()
    s, b = create_ep(NID, e4)
    v4 = C.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NID, "EndpointID": e4})[1]["Value"]
    R.check(s == 200 and v4.get("vf_index") == 1, "after restart the owned VF 0 is not handed out again", v4)
    s, b = C.call("NetworkDriver.Leave", {"NetworkID": NID, "EndpointID": e3})
    R.check(s == 200, "old endpoint leaves after restart", b)
    s, b = delete_ep(NID, e3)
    R.check(s == 200 and vf_is_reset(pf, 0), "old endpoint deletes after restart, VF 0 reset", vf_info(pf, 0))
    delete_ep(NID, e4)
    sh("ip netns del apisandbox")

    # --- 16 concurrent clients for 7 VFs
    ids = [new_ep_id() for _ in range(16)]
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        res = list(ex.map(lambda e: create_ep(NID, e), ids))
    ok_ids = [e for e, r in zip(ids, res) if r[0] == 200]
    R.check(len(ok_ids) == 7, "16 concurrent CreateEndpoint: exactly 7 succeed", [r[0] for r in res])
    vfs = sorted(C.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NID, "EndpointID": e})[1]["Value"]["vf_index"]
                 for e in ok_ids)
    R.check(vfs == list(range(7)), "each VF handed out exactly once", vfs)
    fails = [err_of(r) for r in res if r[0] != 200]
    R.check(all("all 7 VFs in use" in f for f in fails), "the 9 others say all 7 VFs are in use", fails[:2])
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        dres = list(ex.map(lambda e: delete_ep(NID, e), ok_ids))
    R.check(all(r[0] == 200 for r in dres), "every concurrent DeleteEndpoint answers 200", dres)
    R.check(all(vf_is_reset(pf, i) for i in range(7)), "all 7 VFs reset after concurrent deletes",
            [(i, vf_info(pf, i), ORIGINAL_MAC.get((pf, i))) for i in range(7) if not vf_is_reset(pf, i)])

    # --- options, read back from the kernel
    s, b = C.call("NetworkDriver.DeleteNetwork", {"NetworkID": NID})
    R.check(s == 200, "DeleteNetwork", b)
    N2 = "opts" + "2" * 60
    s, b = create_net(N2, {"netdevice": pf, "vlan": "200", "vlan_qos": "3", "spoofchk": "off", "trust": "on",
                           "max_tx_rate": "100", "mtu": "1400", "vfs": "2-3", "prefix": "sriov"}, internal=True)
    R.check(s == 200, "CreateNetwork with every supported option (Mellanox-style names)", b)
    e5 = new_ep_id()
    s, b = create_ep(N2, e5)
    R.check(s == 200, "CreateEndpoint on the options network", b)
    i2 = vf_info(pf, 2)
    R.check(i2["vlan"] == 200 and i2["qos"] == 3, "vfs=2-3 gives VF 2; VLAN 200 QoS 3", i2)
    R.check(i2["spoofchk"] is False and i2["trust"] is True, "spoofchk off, trust on", i2)
    R.check(i2["max_tx_rate"] == 100, "max_tx_rate 100", i2)
    R.check(netdev_info(vf_netdev(pf, 2))["mtu"] == 1400, "VF netdev MTU 1400")
    s, b = join(N2, e5)
    R.check(s == 200 and b["InterfaceName"]["DstPrefix"] == "sriov" and "Gateway" not in b,
            "internal network: no gateway; prefix sriov", b)
    C.call("NetworkDriver.Leave", {"NetworkID": N2, "EndpointID": e5})
    e6 = new_ep_id()
    R.check(create_ep(N2, e6)[0] == 200, "second endpoint gets VF 3")
    expect_error(create_ep(N2, new_ep_id()), "all 2 VFs in use", "vfs=2-3 exhausted after two endpoints")
    delete_ep(N2, e5)
    delete_ep(N2, e6)
    R.check(vf_info(pf, 2)["max_tx_rate"] == 0 and vf_is_reset(pf, 2), "VF 2 rate and settings reset",
            vf_info(pf, 2))
    C.call("NetworkDriver.DeleteNetwork", {"NetworkID": N2})

    # --- a step the driver refuses: undone, named
    N3 = "ls" + "3" * 62
    R.check(create_net(N3, {"pf_iface": pf, "vlanid": "300", "link_state": "enable"})[0] == 200,
            "network with link_state=enable")
    before = vf_info(pf, 0)
    s, b = create_ep(N3, new_ep_id())
    msg = err_of((s, b))
    R.check(s != 200 and "link state" in msg and pf in msg and "VF 0" in msg,
            "igb refuses link state: error names step, PF and VF", msg)
    R.check(vf_info(pf, 0) == before, "failed CreateEndpoint left VF 0 as it was", (before, vf_info(pf, 0)))
    C.call("NetworkDriver.DeleteNetwork", {"NetworkID": N3})
    N4 = "ad" + "4" * 62
    create_net(N4, {"pf_iface": pf, "vlanid": "400", "vlan_proto": "802.1ad"})
    s, b = create_ep(N4, new_ep_id())
    R.check(s != 200 and "VLAN" in err_of((s, b)) and vf_is_reset(pf, 0), "802.1ad refused by igb, VF unchanged",
            (s, b))
    C.call("NetworkDriver.DeleteNetwork", {"NetworkID": N4})

    # --- PCI address as pf_iface, numvfs on a PF with no VFs
    if len(pf_list) > 1:
        pf2 = pf_list[1]
        pci2 = os.path.basename(os.path.realpath("/sys/class/net/%s/device" % pf2))
        N5 = "pci" + "5" * 61
        s, b = create_net(N5, {"pf_iface": pci2, "numvfs": "3", "privileged": "1"})
        R.check(s == 200 and numvfs(pf2) == 3, "pf_iface as PCI address; numvfs=3 enables 3 VFs", (s, b, numvfs(pf2)))
        remember_macs(pf2)
        e7 = new_ep_id()
        create_ep(N5, e7)
        i = vf_info(pf2, 0)
        R.check(i["trust"] is True and i["spoofchk"] is False, "privileged=1: trust on, spoofchk off", i)
        delete_ep(N5, e7)
        C.call("NetworkDriver.DeleteNetwork", {"NetworkID": N5})
        R.check(numvfs(pf2) == 3, "deleting the network never disables SR-IOV")
    else:
        R.check(False, "a second PF for the numvfs/PCI checks (run with TESTBED_NICS=2)")

    # --- a VF in use on the host is never taken
    N6 = "host" + "6" * 60
    create_net(N6, {"pf_iface": pf})
    sh("ip link set %s up" % vf_netdev(pf, 0))
    e8 = new_ep_id()
    create_ep(N6, e8)
    v = C.call("NetworkDriver.EndpointOperInfo", {"NetworkID": N6, "EndpointID": e8})[1]["Value"]
    R.check(v.get("vf_index") == 1, "a VF whose netdev is up on the host is skipped", v)
    sh("ip link set %s down" % vf_netdev(pf, 0))
    delete_ep(N6, e8)
    C.call("NetworkDriver.DeleteNetwork", {"NetworkID": N6})

    rc = stop_plugin()
    R.check(rc == 0 and not os.path.exists(SOCK), "SIGTERM: exit 0, socket removed", rc)
    return R.summary()


if __name__ == "__main__":
    try:
        code = main()
    except Exception as e:  # a crash is a failure with its story, never a silent pass
        import traceback
        traceback.print_exc()
        R.check(False, "suite crashed: %r" % e)
        code = R.summary()
    if proc is not None and proc.poll() is None:
        proc.kill()
    if code:
        print("--- end of plugin log")
        print(open(LOG).read()[-4000:])
    sys.exit(code)
