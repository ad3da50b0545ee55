"""Host suite for the state folder (issue 25): read-only requests write nothing; the markers
(state.json, ipam.json) disagreeing with their folders; pool records the daemon could not store
or would misread; the grace periods counted on a monotonic clock, not the wall clock."""

import json
import os
import time

from hostlib import PF, Env, endpoint_body, hexid, network_body, plugin_state, vf_netdev

NET_A, NET_B = hexid("a"), hexid("b")
EP_J = hexid("9")


def ep_id(i):
    return "%060d%04d" % (0, i)


def ep_doc(net_id, eid, vf, mac, joined=False, sandbox="", joined_at=0):
    return {"id": eid, "network_id": net_id, "pf_pci": "0000:01:00.0", "vf": vf,
            "vf_pci": "0000:01:%02x.%d" % (0x10 + vf // 8, vf % 8), "mac": mac,
            "address4": "10.9.%d.%d/16" % (vf // 200, vf % 200 + 10), "address6": "", "joined": joined,
            "sandbox_key": sandbox, "phase": "ready", "joined_at": joined_at, "unjoined_at": int(time.time()),
            "saved": {"mac": "00:00:00:00:00:00", "vlan": 0, "qos": 0, "vlan_proto": 33024, "spoofchk": True,
                      "trust": False, "link_state": 0, "min_tx_rate": 0, "max_tx_rate": 0, "has_spoofchk": True,
                      "has_trust": True, "has_link_state": True, "has_rate": True}}


def file_ids(env):
    """(inode, mtime) of every file of the state dir: a rewrite (tmp + rename) changes both."""
    out = {}
    for name in env.state_files():
        if not name.endswith("/"):
            sb = os.lstat(os.path.join(env.state_dir, name))
            out[name] = (sb.st_ino, sb.st_mtime_ns)
    return out


def changed(before, after):
    return sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))


def test_readonly_requests(r):
    """EndpointOperInfo, a Join repeated into the same sandbox and Status only look: no file is
    written, however many records they look at (a save rewrites blind past 64 marked records)."""
    with Env() as env:
        env.start()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
        r.check(x.status == 200, "network created", x)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        st = env.state()
        sandbox = "/var/run/docker/netns/0123456789ab"
        mac_j = "02:42:0a:09:00:63"
        st["endpoints"] = [ep_doc(NET_A, ep_id(i), 10 + i, "02:42:0a:09:01:%02x" % i) for i in range(70)]
        st["endpoints"].append(ep_doc(NET_A, EP_J, 1, mac_j, joined=True, sandbox=sandbox,
                                      joined_at=int(time.time())))
        env.save_state(st)
        env.ns_run("ip", "link", "set", "dev", vf_netdev(1), "address", mac_j)
        env.start()
        before = file_ids(env)
        infos = [env.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": ep_id(i)})
                 for i in range(70)]
        r.check(all(x.status == 200 and x.json["Value"].get("vf_index") == 10 + i for i, x in enumerate(infos)),
                "EndpointOperInfo of 70 endpoints", [x for x in infos if x.status != 200][:2])
        x = env.call("NetworkDriver.Join", {"NetworkID": NET_A, "EndpointID": EP_J, "SandboxKey": sandbox,
                                            "Options": {}})
        r.check(x.status == 200 and x.json["InterfaceName"]["SrcName"] == vf_netdev(1),
                "Join repeated into the same sandbox answers as the first", x)
        x = env.call("SriovPlugin.Status")
        r.check(x.status == 200, "Status", x.status)
        after = file_ids(env)
        r.check(not changed(before, after), "read-only requests wrote no file", changed(before, after)[:5])
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "200"}))
        r.check(x.status == 200, "a second network", x)
        r.check(changed(after, file_ids(env)) == ["networks/%s.json" % NET_B],
                "the next change writes its own file only", changed(after, file_ids(env))[:5])
        r.check(env.stop() == 0, "SIGTERM exits 0")


def run_all(r):
    test_readonly_requests(r)
