"""Host suite for the state folder (issue 25): read-only requests write nothing; the markers
(state.json, ipam.json) disagreeing with their folders; pool records the daemon could not store
or would misread; the grace periods counted on a monotonic clock, not the wall clock."""

import json
import os
import time

from hostlib import PF, Env, hexid, network_body, vf_netdev, wait_compacted
from test_faults import expect_refusal, files, rp

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


def records(ids):
    """file_ids of the record files and ipam.json: not the journal, nor state.json (its marker)."""
    return {n: v for n, v in ids.items() if not n.startswith("journal/") and n != "state.json"}


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
        # its one commit (journal/, and state.json saying version 3) compacted: its own record file only
        r.check(wait_compacted(env.state_dir), "the second network's commit compacted into the files")
        now = file_ids(env)
        r.check(changed(records(after), records(now)) == ["networks/%s.json" % NET_B],
                "the next change writes its own file only", changed(records(after), records(now))[:5])
        r.check(env.stop() == 0, "SIGTERM exits 0")


def seed(env, r):
    """A network, two pools (one named by the network), stopped: what a state dir holds."""
    env.start()
    p = env.call("IpamDriver.RequestPool", rp("10.9.0.0/16"))
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    q = env.call("IpamDriver.RequestPool", rp("10.30.0.0/16"))
    r.check(p.status == 200 and x.status == 200 and q.status == 200, "seed: a network and two pools", (p, x, q))
    r.check(env.stop() == 0, "seed: SIGTERM exits 0")
    return files(env)


def put(env, name, doc):
    with open(os.path.join(env.state_dir, name), "w") as f:
        json.dump(doc, f)


def restore(env, good):
    """The state dir back to `good` (files(env) of a good state)."""
    for name in sorted(env.state_files(), reverse=True):
        if name not in good:
            p = os.path.join(env.state_dir, name.rstrip("/"))
            if os.path.islink(p) or not os.path.isdir(p):
                os.unlink(p)
            else:
                os.rmdir(p)
    for name, (kind, data) in sorted(good.items()):
        p = os.path.join(env.state_dir, name.rstrip("/"))
        if kind == "dir":
            if os.path.islink(p):
                os.unlink(p)
            os.makedirs(p, mode=0o700, exist_ok=True)
        elif kind == "file":
            if os.path.islink(p):
                os.unlink(p)
            with open(p, "wb") as f:
                f.write(data)


def refused_and_kept(env, r, label, want):
    """The daemon refuses to start with `want` in its message, and deletes nothing."""
    before = files(env)
    expect_refusal(env, r, label, want)
    after = files(env)
    r.check(before == after, "%s: nothing deleted or rewritten" % label,
            sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n)))


def test_markers_vs_folders(r):
    """state.json / ipam.json of the older layout (version 1) beside folders that hold records,
    and records the daemon could not store or would misread: it starts with every valid record or
    refuses naming the file; it never deletes what is there, never writes through a symlink, and
    never grants one prefix twice."""
    with Env() as env:
        good = seed(env, r)
        v1_state = dict(env.state(), version=1)
        v1_ipam = dict(env.ipam(), version=1)
        pool_names = [n for n in good if n.startswith("pools/") and n.endswith(".json")]

        # an empty version 1 state.json restored beside networks/ (an old backup)
        put(env, "state.json", {"version": 1, "networks": [], "endpoints": []})
        refused_and_kept(env, r, "empty version 1 state.json beside networks/", "state.json is a version 1 file")
        r.check("networks" in env.log() and "state.json" in env.log(), "the message names the file and folder",
                env.log()[-600:])
        restore(env, good)
        # an empty version 1 ipam.json (a downgrade, an upgrade) beside pools/ whose prefix a network names
        put(env, "ipam.json", {"version": 1, "next_id": 1, "pools": []})
        refused_and_kept(env, r, "empty version 1 ipam.json beside pools/", "ipam.json is a version 1 file")
        # ... the same ipam.json listing one of the two pools
        put(env, "ipam.json", dict(v1_ipam, pools=v1_ipam["pools"][:1]))
        refused_and_kept(env, r, "older version 1 ipam.json beside pools/", "holds 2 pools of the newer layout")
        restore(env, good)

        # a version 1 state.json whose networks/ is a symlink to a folder elsewhere
        elsewhere = os.path.join(env.tmp, "elsewhere")
        os.rename(os.path.join(env.state_dir, "networks"), elsewhere)
        os.symlink(elsewhere, os.path.join(env.state_dir, "networks"))
        put(env, "state.json", v1_state)
        out_there = sorted(os.listdir(elsewhere))
        refused_and_kept(env, r, "version 1 state.json, networks/ a symlink", "is a symbolic link")
        r.check(sorted(os.listdir(elsewhere)) == out_there and out_there, "nothing removed out there", out_there)
        os.unlink(os.path.join(env.state_dir, "networks"))
        os.rename(elsewhere, os.path.join(env.state_dir, "networks"))
        restore(env, good)
        # ... and pools/
        os.rename(os.path.join(env.state_dir, "pools"), elsewhere)
        os.symlink(elsewhere, os.path.join(env.state_dir, "pools"))
        put(env, "ipam.json", v1_ipam)
        refused_and_kept(env, r, "version 1 ipam.json, pools/ a symlink", "is a symbolic link")
        r.check(len(os.listdir(elsewhere)) == 2, "no pool removed out there", os.listdir(elsewhere))
        os.unlink(os.path.join(env.state_dir, "pools"))
        os.rename(elsewhere, os.path.join(env.state_dir, "pools"))
        restore(env, good)

        # a pool ID that cannot name a file, in a version 1 ipam.json (nothing in pools/)
        for name in pool_names:
            os.unlink(os.path.join(env.state_dir, name))
        bad = json.loads(json.dumps(v1_ipam))
        bad["pools"][0]["id"] = ".."
        put(env, "ipam.json", bad)
        refused_and_kept(env, r, "pool ID '..' in a version 1 ipam.json", "id '..': not a valid pool ID")
        r.check("ipam.json" in env.log(), "the message names ipam.json", env.log()[-400:])
        restore(env, good)

        # a pool's file without address_space
        doc = json.loads(good[pool_names[0]][1])
        del doc["address_space"]
        put(env, pool_names[0], doc)
        refused_and_kept(env, r, "a pool without address_space", "address_space: missing")
        r.check(pool_names[0] in env.log(), "the message names the pool's file", env.log()[-400:])
        restore(env, good)

        # next_id at the largest ipam.json holds: one more pool, then refusals; every start loads
        put(env, "ipam.json", {"version": 2, "next_id": 2 ** 63 - 2, "layout": "pools/<id>.json"})
        env.start()
        x = env.call("IpamDriver.RequestPool", rp("10.40.0.0/16"))
        y = env.call("IpamDriver.RequestPool", rp("10.41.0.0/16"))
        r.check(x.status == 200 and x.json["PoolID"].startswith("sriov-%d-" % (2 ** 63 - 2)), "the last pool ID", x)
        r.check(y.status == 400 and "no pool ID left" in (y.err or ""), "then: no pool ID left", y)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        with open(os.path.join(env.state_dir, "ipam.json")) as f:
            r.check(json.load(f)["next_id"] == 2 ** 63 - 1, "next_id written as the largest, not negative")
        env.start()
        r.check("3 pools" in env.log() or env.ipam() and len(env.ipam()["pools"]) == 3,
                "the daemon loads its own file", env.log()[-400:])
        r.check(env.call("IpamDriver.RequestPool", rp("10.9.0.0/16")).status == 400, "a held prefix stays held")
        r.check(env.stop() == 0, "SIGTERM exits 0")


def test_clock_step(r):
    """An NTP step of the wall clock while running (2 h ahead) reclaims no fresh endpoint: a Join
    whose netns is not there yet and an endpoint not joined yet keep their VFs (the grace periods
    count on a monotonic clock), while the sweeps go on reclaiming what is really gone."""
    with Env() as env:
        clock = os.path.join(env.tmp, "clock-step")
        with open(clock, "w") as f:
            f.write("0\n")
        env.start()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
        r.check(x.status == 200, "network created", x)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        now = int(time.time())
        alive = os.path.join(env.tmp, "netns-alive")
        open(alive, "w").close()
        fresh, orphan, gone = hexid("1"), hexid("2"), hexid("3")
        st = env.state()
        st["endpoints"] = [ep_doc(NET_A, fresh, 1, "02:42:0a:09:00:61"),
                           ep_doc(NET_A, orphan, 2, "02:42:0a:09:00:62"),
                           ep_doc(NET_A, gone, 3, "02:42:0a:09:00:63", joined=True, sandbox=alive, joined_at=now)]
        env.save_state(st)
        env.start(extra=("--reclaim-interval", "1", "--test-clock-file", clock))
        x = env.call("NetworkDriver.Join", {"NetworkID": NET_A, "EndpointID": fresh, "Options": {},
                                            "SandboxKey": "/var/run/docker/netns/not-there-yet"})
        r.check(x.status == 200, "Join before the container's netns exists", x)

        def eps():
            return {e["id"]: e for e in env.state()["endpoints"]}

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not eps().get(gone, {}).get("sandbox_seen"):
            time.sleep(0.1)
        r.check(eps().get(gone, {}).get("sandbox_seen"), "a sweep saw the live sandbox", eps().get(gone))
        with open(clock, "w") as f:
            f.write("7200\n")  # the wall clock stepped 2 h ahead
        os.unlink(alive)  # ... and one container really gone
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and gone in eps():
            time.sleep(0.1)
        r.check(gone not in eps(), "the sweeps go on: the gone sandbox is reclaimed", env.log()[-400:])
        time.sleep(3)  # three more sweeps
        r.check(fresh in eps() and orphan in eps(), "after the step, no fresh endpoint is reclaimed",
                (list(eps()), env.log()[-600:]))
        x = env.call("NetworkDriver.Leave", {"NetworkID": NET_A, "EndpointID": fresh})
        r.check(x.status == 200 and eps()[fresh]["unjoined_at"] >= now + 7000,
                "the daemon reads the stepped clock (the Leave's time is 2 h ahead)", eps().get(fresh))
        time.sleep(2)
        r.check(fresh in eps() and orphan in eps(), "... and still reclaims none", list(eps()))
        r.check(env.stop() == 0, "SIGTERM exits 0")


def run_all(r):
    test_readonly_requests(r)
    test_markers_vs_folders(r)
    test_clock_step(r)
