"""Concurrency suite (issue 11): requests are handled in parallel and endpoint operations do their
kernel work outside the state lock. The daemon runs with --test-hold-step STEP --test-hold-dir DIR:
an endpoint operation reaching hold point STEP writes DIR/STEP.<endpoint ID>.vf<N> and waits until
DIR/release exists. The tests assert what is answered while an operation is held, never times.

Here the "PF" is a veth with no VFs: a CreateEndpoint reserves its VF (the hold point
create-reserved comes right after the reservation), then fails reading the VF over netlink
("read VF"). Join reaches the kernel for real (the VF netdevs are veths) and is held at
join-claimed.

- while a CreateEndpoint is held: Activate, both GetCapabilities, GetDefaultAddressSpaces,
  EndpointOperInfo, Status, an IPAM pool, and a CreateNetwork/DeleteNetwork pair are answered 200;
  a retried CreateEndpoint of the same ID waits for the first (never a second VF, never corrupt);
- two CreateEndpoints on two VFs are inside the hold point at once, and GetCapabilities, Status
  and EndpointOperInfo are answered meanwhile; so they are when every worker waits (one
  CreateEndpoint held, dockerd's retries of it waiting for it);
- SIGTERM with two CreateEndpoints held: both answered, exit 0;
- 256 concurrent CreateEndpoints: at most one per VF is inside, no VF twice, every other one is
  answered with a clear error (pool exhausted), and none is left recorded;
- DeleteNetwork racing a held CreateEndpoint on that network waits for it; new CreateEndpoints on
  it are refused meanwhile; the state file keeps the network until its endpoints are gone;
- DeleteEndpoint racing a held Join waits for it, then deletes;
- a Join racing a held DeleteEndpoint (its record marked deleting on disk) waits, then gets 404."""

import http.client
import os
import re
import threading
import time

from hostlib import (ACCEPT, PF, SLOW, TOTALVFS, UnixHTTPConnection, endpoint_body, go_json, hexid, network_body,
                     seed_endpoint)

NET_A, NET_B = hexid("a"), hexid("b")
HOLD_WAIT = 60 * SLOW


def ep_id(i):
    return "%064x" % (0xc0c0 + i)


class Hold:
    """The hold directory: who is inside, and the release."""

    def __init__(self, env, step):
        self.dir = os.path.join(env.tmp, "hold")
        os.makedirs(self.dir, exist_ok=True)
        self.step = step
        self.rearm()

    def args(self):
        return ("--test-hold-step", self.step, "--test-hold-dir", self.dir)

    def inside(self):
        """[(endpoint ID, vf)] of the operations held now."""
        out = []
        for name in os.listdir(self.dir):
            m = re.match(r"^%s\.([0-9a-f]+)\.vf(-?\d+)$" % re.escape(self.step), name)
            if m:
                out.append((m.group(1), int(m.group(2))))
        return sorted(out)

    def wait_inside(self, count, also=lambda: True):
        deadline = time.monotonic() + HOLD_WAIT
        while time.monotonic() < deadline:
            if len(self.inside()) >= count and also():
                return True
            time.sleep(0.02)
        return False

    def release(self):
        open(os.path.join(self.dir, "release"), "w").close()

    def rearm(self):
        try:
            os.unlink(os.path.join(self.dir, "release"))
        except FileNotFoundError:
            pass


class Background:
    """A call in its own thread; .reply once answered (or .error for a transport error)."""

    def __init__(self, env, method, body):
        self.reply = None
        self.error = None
        self.thread = threading.Thread(target=self.run, args=(env, method, body), daemon=True)
        self.thread.start()

    def run(self, env, method, body):
        try:
            self.reply = call_retrying(env.sock, method, body)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def done(self):
        return not self.thread.is_alive()

    def wait(self):
        self.thread.join(HOLD_WAIT)
        return self.reply


def call_retrying(sock, method, body):
    """One call; a full listen backlog (EAGAIN on connect) is retried, as dockerd's dialer would."""
    from hostlib import Reply
    data = go_json(body) if body is not None else b""
    for attempt in range(200):
        conn = UnixHTTPConnection(sock, timeout=HOLD_WAIT + 30 * SLOW)
        try:
            conn.connect()
        except BlockingIOError:
            conn.close()
            time.sleep(0.01 * (attempt + 1))
            continue
        try:
            conn.request("POST", "/" + method, body=data,
                         headers={"Accept": ACCEPT, "Content-Length": str(len(data))})
            r = conn.getresponse()
            return Reply(r.status, r.read(), dict(r.getheaders()))
        finally:
            conn.close()
    raise OSError("connect: listen backlog full 200 times")


def read_vf_failure(x):
    return x is not None and x.status == 500 and x.err and "read VF" in x.err


def test_no_head_of_line_blocking(env, r, hold):
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    first = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(1)))
    if not r.check(hold.wait_inside(1), "CreateEndpoint is held after reserving its VF", env.log()[-800:]):
        hold.release()
        return
    held = hold.inside()
    calls = [
        ("Plugin.Activate", None),
        ("NetworkDriver.GetCapabilities", None),
        ("IpamDriver.GetCapabilities", None),
        ("IpamDriver.GetDefaultAddressSpaces", None),
        ("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": ep_id(1)}),
        ("SriovPlugin.Status", None),
        ("IpamDriver.RequestPool", {"AddressSpace": "local", "Pool": "10.30.0.0/16", "SubPool": "", "Options": {},
                                    "V6": False}),
        ("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "200"})),
        ("NetworkDriver.DeleteNetwork", {"NetworkID": NET_B}),
    ]
    for method, body in calls:
        x = env.call(method, body)
        r.check(x.status == 200 and not first.done(), "%s answered 200 while a CreateEndpoint is held" % method, x)
    r.check(hold.inside() == held, "the CreateEndpoint was still held throughout", (held, hold.inside()))
    # dockerd retrying the same CreateEndpoint (its connection broke) while the first still works
    retry = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(1)))
    deadline = time.monotonic() + HOLD_WAIT
    while "is being created by another request: waiting" not in env.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    r.check("is being created by another request: waiting" in env.log(), "the retry waits for the first",
            env.log()[-800:])
    r.check(hold.inside() == held and not retry.done(), "only the first is inside; the retry got no VF",
            hold.inside())
    hold.release()
    a, b = first.wait(), retry.wait()
    r.check(read_vf_failure(a), "the held CreateEndpoint fails cleanly once released (no VFs behind a veth)", a)
    r.check(read_vf_failure(b), "the retry, after the first, is answered by its own attempt", b)
    r.check(env.state()["endpoints"] == [], "no endpoint recorded", env.state()["endpoints"])
    hold.rearm()


def test_two_creates_overlap(env, r, hold):
    a = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(2), address="10.9.0.2/16"))
    b = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(3), address="10.9.0.3/16"))
    both = hold.wait_inside(2)
    inside = hold.inside()
    r.check(both and len(inside) == 2 and {e for e, _ in inside} == {ep_id(2), ep_id(3)},
            "two CreateEndpoints are inside the hold point at once", inside)
    r.check(len({vf for _, vf in inside}) == len(inside), "on two different VFs", inside)
    # issue 24: answered in the event loop / on the reader thread, not behind the held workers
    for method, body in (("NetworkDriver.GetCapabilities", None), ("SriovPlugin.Status", None),
                         ("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": ep_id(2)})):
        x = env.call(method, body)
        r.check(x.status == 200 and not a.done() and not b.done(),
                "%s answered while two CreateEndpoints are held in their kernel work" % method, x)
    r.check(hold.inside() == inside, "both still held throughout", hold.inside())
    hold.release()
    ra, rb = a.wait(), b.wait()
    r.check(read_vf_failure(ra) and read_vf_failure(rb), "both answered once released", (ra, rb))
    r.check(env.state()["endpoints"] == [], "no endpoint recorded", env.state()["endpoints"])
    hold.rearm()


def test_workers_all_waiting(env, r, hold):
    """Issue 24: the worker pool is bounded; every worker blocked (one CreateEndpoint held, the
    others dockerd's retries of it, each waiting for the first) must not stop the answers that
    need no worker: GetCapabilities, EndpointOperInfo (the event loop), Status (its reader)."""
    first = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(40)))
    if not r.check(hold.wait_inside(1), "CreateEndpoint is held", env.log()[-800:]):
        hold.release()
        return
    retries = [Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(40))) for _ in range(24)]
    deadline = time.monotonic() + HOLD_WAIT
    while env.log().count("is being created by another request: waiting") < 15 and time.monotonic() < deadline:
        time.sleep(0.02)
    r.check(env.log().count("is being created by another request: waiting") >= 15,
            "the retries wait for the first (every worker busy)", env.log()[-600:])
    for method, body in (("NetworkDriver.GetCapabilities", None), ("SriovPlugin.Status", None),
                         ("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": ep_id(40)}),
                         ("Plugin.Activate", None)):
        x = env.call(method, body)
        r.check(x.status == 200 and not first.done(), "%s answered while every worker waits" % method, x)
    hold.release()
    replies = [first.wait()] + [b.wait() for b in retries]
    r.check(all(read_vf_failure(x) for x in replies), "the first and its %d retries answered once released" %
            len(retries), [x for x in replies if not read_vf_failure(x)][:2])
    r.check(env.state()["endpoints"] == [], "no endpoint recorded", env.state()["endpoints"])
    hold.rearm()


def test_stop_drains(env, r, hold):
    """SIGTERM while two CreateEndpoints are held in their kernel work: both are answered (a
    connection suspended for its worker is resumed and answered before the HTTP server stops),
    and the daemon exits 0."""
    a = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(50), address="10.9.0.50/16"))
    b = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_A, ep_id(51), address="10.9.0.51/16"))
    if not r.check(hold.wait_inside(2), "two CreateEndpoints held", env.log()[-800:]):
        hold.release()
        return
    rc = env.stop()
    ra, rb = a.wait(), b.wait()
    r.check(rc == 0, "SIGTERM with two requests in flight: exit 0", (rc, env.log()[-600:]))
    r.check(read_vf_failure(ra) and read_vf_failure(rb), "both in-flight requests answered before the stop",
            (ra, rb, a.error, b.error))
    hold.rearm()


def test_256_creates(env, r, hold):
    n = 256
    start = threading.Barrier(n)

    def one(i, out):
        try:
            start.wait(HOLD_WAIT)
        except threading.BrokenBarrierError:
            pass
        out[i] = Background(env, "NetworkDriver.CreateEndpoint",
                            endpoint_body(NET_A, ep_id(100 + i), address="10.9.%d.%d/16" % (1 + i // 250, 2 + i % 250)))
        out[i].thread.join(HOLD_WAIT * 2)

    calls = [None] * n
    starters = [threading.Thread(target=one, args=(i, calls), daemon=True) for i in range(n)]
    for t in starters:
        t.start()

    def others_answered():
        return all(c is not None for c in calls) and sum(1 for c in calls if c.done()) >= n - len(hold.inside())

    settled = hold.wait_inside(TOTALVFS, others_answered)
    inside = hold.inside()
    vfs = [vf for _, vf in inside]
    r.check(settled and len(inside) == TOTALVFS, "%d of %d CreateEndpoints inside, one per VF, the rest answered" %
            (len(inside), n), (inside, sum(1 for c in calls if c is not None and c.done())))
    r.check(sorted(vfs) == list(range(TOTALVFS)), "no VF handed out twice", inside)
    r.check(env.call("NetworkDriver.GetCapabilities").status == 200, "GetCapabilities answered meanwhile")
    hold.release()
    for t in starters:
        t.join(HOLD_WAIT * 2)
    replies = [c.reply if c else None for c in calls]
    errors = [c.error for c in calls if c and c.error]
    r.check(not errors, "every call got an HTTP answer (no transport error)", errors[:3])
    exhausted = [x for x in replies if x is not None and x.status == 409 and x.err and
                 "all %d VFs in use" % TOTALVFS in x.err]
    failed = [x for x in replies if read_vf_failure(x)]
    unclear = [x for x in replies if x is None or x.status == 200 or not x.err]
    r.check(len(exhausted) + len(failed) == n and not unclear,
            "each of %d answered: pool exhausted (409) or the VF's own error, with an Err" % n,
            (len(exhausted), len(failed), unclear[:3]))
    r.check(len(failed) == TOTALVFS, "only the %d held ones reached the VF" % TOTALVFS, len(failed))
    r.check(all("being set up or torn down by other requests" in x.err for x in exhausted),
            "pool-exhausted errors say the VFs are being set up by other requests",
            [x.err for x in exhausted if "being set up" not in x.err][:2])
    r.check(env.state()["endpoints"] == [], "no endpoint recorded", env.state()["endpoints"])
    x = env.call("SriovPlugin.Status")
    r.check(x.status == 200 and env.proc.poll() is None, "daemon alive and answering after the burst", x)
    hold.rearm()


def test_delete_network_racing_create(env, r, hold):
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "200"}))
    r.check(x.status == 200, "CreateNetwork B", x)
    c = Background(env, "NetworkDriver.CreateEndpoint", endpoint_body(NET_B, ep_id(20)))
    if not r.check(hold.wait_inside(1), "CreateEndpoint on B is held", env.log()[-800:]):
        hold.release()
        return
    d = Background(env, "NetworkDriver.DeleteNetwork", {"NetworkID": NET_B})
    want = "network %s: waiting for its endpoint operations in flight" % NET_B[:12]
    deadline = time.monotonic() + HOLD_WAIT
    while want not in env.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    r.check(want in env.log() and not d.done(), "DeleteNetwork waits for the CreateEndpoint in flight",
            env.log()[-800:])
    x = env.call("NetworkDriver.CreateEndpoint", endpoint_body(NET_B, ep_id(21), address="10.9.0.21/16"))
    r.check(x.status == 404 and x.err and "is being deleted" in x.err, "a new CreateEndpoint on B is refused", x)
    r.check(NET_B in [n["id"] for n in env.state()["networks"]], "state.json still lists B meanwhile",
            env.state()["networks"])
    r.check(env.call("SriovPlugin.Status").status == 200, "Status answered meanwhile")
    hold.release()
    cr, dr = c.wait(), d.wait()
    r.check(read_vf_failure(cr), "the held CreateEndpoint is answered", cr)
    r.check(dr is not None and dr.status == 200 and dr.json == {}, "then the DeleteNetwork", dr)
    st = env.state()
    r.check(NET_B not in [n["id"] for n in st["networks"]] and st["endpoints"] == [], "B and its endpoints gone",
            st)
    hold.rearm()


def test_delete_racing_join(env, r, hold):
    """Join is held with its endpoint claimed; DeleteEndpoint on that endpoint waits, then deletes."""
    rc = env.stop()
    r.check(rc == 0, "SIGTERM exit status 0", rc)
    ep = ep_id(9)
    seed_endpoint(env, NET_A, ep, 1, mac="02:42:0a:09:00:63")
    env.start(extra=hold.args())
    join = {"NetworkID": NET_A, "EndpointID": ep, "SandboxKey": "/var/run/docker/netns/c0ffee", "Options": {}}
    j = Background(env, "NetworkDriver.Join", join)
    if not r.check(hold.wait_inside(1), "Join is held", env.log()[-800:]):
        hold.release()
        return
    d = Background(env, "NetworkDriver.DeleteEndpoint", {"NetworkID": NET_A, "EndpointID": ep})
    deadline = time.monotonic() + HOLD_WAIT
    while "is being joined by another request: waiting" not in env.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    r.check("is being joined by another request: waiting" in env.log() and not d.done(),
            "DeleteEndpoint waits for the Join in flight", env.log()[-800:])
    x = env.call("NetworkDriver.Leave", {"NetworkID": NET_A, "EndpointID": hexid("7")})
    r.check(x.status == 200, "a Leave of another endpoint is answered meanwhile", x)
    x = env.call("SriovPlugin.Status")
    r.check(x.status == 200, "Status answered while the Join is held", x)
    hold.release()
    jr, dr = j.wait(), d.wait()
    r.check(jr is not None and jr.status == 200, "the Join completes", jr)
    r.check(dr is not None and dr.status == 200 and dr.json == {}, "then the DeleteEndpoint", dr)
    r.check([e["id"] for e in env.state()["endpoints"]] == [], "the endpoint is gone, no half-done record",
            env.state()["endpoints"])
    hold.rearm()


def test_delete_network_crash(r):
    """A crash after DeleteNetwork marked its endpoints deleting (fault point 1 of that call): the
    state file still lists the network, so the next start loads it, finishes the endpoint, and
    dockerd's retry of DeleteNetwork deletes the network."""
    from hostlib import Env
    with Env() as env:
        env.start()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
        r.check(x.status == 200, "CreateNetwork", x)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        seed_endpoint(env, NET_A, ep_id(30), 2, mac="02:42:0a:09:00:70")
        env.start(extra=("--fault-after-step", "1"))
        try:
            x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_A})
            r.check(False, "the fault stops the daemon during DeleteNetwork", x)
        except (OSError, http.client.HTTPException):
            pass
        rc = env.proc.wait(timeout=10 * SLOW)
        r.check(rc == 99, "stopped by the fault point", (rc, env.log()[-400:]))
        st = env.state()
        r.check([n["id"] for n in st["networks"]] == [NET_A] and
                [(e["id"], e["phase"]) for e in st["endpoints"]] == [(ep_id(30), "deleting")],
                "state.json: the network still listed, its endpoint marked deleting", st)
        env.start()
        st = env.state()
        r.check(st["endpoints"] == [] and [n["id"] for n in st["networks"]] == [NET_A],
                "the next start loads it and finishes the endpoint", st)
        x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_A})
        r.check(x.status == 200 and env.state()["networks"] == [], "dockerd's retry deletes the network", x)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        if env.valgrind:
            r.check(all(rc == 0 for s_, rc in env.exit_codes if s_ == 15), "valgrind: every SIGTERM stop exited 0",
                    env.exit_codes)


def test_join_racing_delete(env, r, hold):
    """DeleteEndpoint is held after marking its record deleting; a Join of that endpoint waits, then 404."""
    rc = env.stop()
    r.check(rc == 0, "SIGTERM exit status 0", rc)
    ep = ep_id(10)
    seed_endpoint(env, NET_A, ep, 2, mac="02:42:0a:09:00:64")
    env.start(extra=hold.args())
    d = Background(env, "NetworkDriver.DeleteEndpoint", {"NetworkID": NET_A, "EndpointID": ep})
    if not r.check(hold.wait_inside(1), "DeleteEndpoint is held", env.log()[-800:]):
        hold.release()
        return
    r.check([(e["id"], e["phase"]) for e in env.state()["endpoints"]] == [(ep, "deleting")],
            "state.json has the record marked deleting meanwhile", env.state()["endpoints"])
    join = {"NetworkID": NET_A, "EndpointID": ep, "SandboxKey": "/var/run/docker/netns/dead", "Options": {}}
    j = Background(env, "NetworkDriver.Join", join)
    deadline = time.monotonic() + HOLD_WAIT
    while "is being deleted by another request: waiting" not in env.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    r.check("is being deleted by another request: waiting" in env.log() and not j.done(),
            "the Join waits for the DeleteEndpoint in flight", env.log()[-800:])
    x = env.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": ep})
    r.check(x.status == 200, "EndpointOperInfo of that endpoint answered meanwhile", x)
    hold.release()
    dr, jr = d.wait(), j.wait()
    r.check(dr is not None and dr.status == 200, "the DeleteEndpoint completes", dr)
    r.check(jr is not None and jr.status == 404 and jr.err and "not found" in jr.err, "then the Join gets 404", jr)
    r.check(env.state()["endpoints"] == [], "nothing left recorded", env.state()["endpoints"])
    hold.rearm()


def test_sweep_statfs_unlocked(env, r, hold):
    """The sweep looks at each joined endpoint's SandboxKey (statfs) on a copy of the state, without
    the state lock: held there (as by a sandbox on a hung mount), requests that need the lock are
    answered, and the sweep goes on once the look returns."""
    rc = env.stop()
    r.check(rc == 0, "SIGTERM exit status 0", rc)
    ep = ep_id(11)
    seed_endpoint(env, NET_A, ep, 3, mac="02:42:0a:09:00:65")
    env.start(extra=hold.args() + ("--reclaim-interval", "1"))
    sandbox = os.path.join(env.tmp, "sandbox-statfs")
    open(sandbox, "w").close()
    x = env.call("NetworkDriver.Join", {"NetworkID": NET_A, "EndpointID": ep, "SandboxKey": sandbox, "Options": {}})
    r.check(x.status == 200, "Join (the next sweep looks at its sandbox)", x)
    if not r.check(hold.wait_inside(1), "the sweep is held at its look at the sandbox", env.log()[-800:]):
        hold.release()
        return
    answers = []
    for method, body in (("SriovPlugin.Status", None),
                         ("NetworkDriver.EndpointOperInfo", {"NetworkID": NET_A, "EndpointID": ep}),
                         ("NetworkDriver.Leave", {"NetworkID": NET_A, "EndpointID": hexid("7")})):
        try:
            answers.append((method, env.call(method, body, timeout=5 * SLOW).status))
        except OSError as e:
            answers.append((method, repr(e)))
    r.check(answers == [("SriovPlugin.Status", 200), ("NetworkDriver.EndpointOperInfo", 200),
                        ("NetworkDriver.Leave", 200)], "requests that take the state lock are answered meanwhile",
            answers)
    hold.release()
    deadline = time.monotonic() + HOLD_WAIT
    while time.monotonic() < deadline and not [e for e in env.state()["endpoints"] if e.get("sandbox_seen")]:
        time.sleep(0.05)
    r.check([e["id"] for e in env.state()["endpoints"] if e.get("sandbox_seen")] == [ep],
            "the sweep then marks the sandbox seen", env.state()["endpoints"])
    hold.rearm()


def run_all(r):
    from hostlib import Env
    with Env() as env:
        hold = Hold(env, "create-reserved")
        env.start(extra=hold.args())
        test_no_head_of_line_blocking(env, r, hold)
        test_two_creates_overlap(env, r, hold)
        test_256_creates(env, r, hold)
        test_workers_all_waiting(env, r, hold)
        test_delete_network_racing_create(env, r, hold)
        test_stop_drains(env, r, hold)
        env.start(extra=hold.args())
        hold.step = "join-claimed"
        test_delete_racing_join(env, r, hold)
        hold.step = "delete-marked"
        test_join_racing_delete(env, r, hold)
        hold.step = "sweep-statfs"
        test_sweep_statfs_unlocked(env, r, hold)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        if env.valgrind:
            r.check(all(rc == 0 for _, rc in env.exit_codes), "valgrind: every SIGTERM stop exited 0",
                    env.exit_codes)
    test_delete_network_crash(r)


if __name__ == "__main__":
    import sys
    sys.exit("run through tests/host/run.py conc")
