"""Faults the host throws at the daemon (issue: an operator's bad day), on the real daemon:

- connections: a normal client is answered within 100 ms while 1 000 idle and 150 slowloris
  connections are held, and those cost the daemon no thread each; conflicting framing is refused
  with 400; 1 000 connections at once, each with a call, beside a normal client's calls: none
  refused, none dropped; an answer still being sent is never evicted to make room; the open-file
  limit is raised to its hard limit at start, and a low one sizes the connection limit to fit;
- state files: every damaged or odd state file/dir refuses to start (or keeps all state) and is
  left as it was, never started silently empty; --init and an empty dir start fresh; nothing is
  rewritten at start; a planted .tmp symlink does not redirect a save;
- a full disk (a small tmpfs in a private mount namespace): changes are refused with a clear error,
  deletes/releases Docker will not retry are kept pending and written once space is back, a restart
  on the full disk serves; at the end nothing leaked and nothing came back;
- start-up with 3 000 joined endpoints not yet seen answers within 2 s, and SIGTERM during a long
  start-up stops it within 1 s;
- SIGHUP/SIGUSR1/SIGUSR2/SIGALRM/SIGPIPE leave it serving;
- identical CreateNetwork and RequestPool replays answer 200 as the first time."""

import glob
import json
import os
import resource
import signal
import socket
import stat
import subprocess
import time

from hostlib import PF, PF_PCI, SLOW, Env, hexid, network_body, vf_pci, wait_compacted

NET_A, NET_B, NET_C = hexid("a"), hexid("b"), hexid("c")
SAVED_VF = {"mac": "00:00:00:00:00:00", "vlan": 0, "qos": 0, "vlan_proto": 33024, "spoofchk": True, "trust": False,
            "link_state": 0, "min_tx_rate": 0, "max_tx_rate": 0, "has_spoofchk": True, "has_trust": True,
            "has_link_state": True, "has_rate": True}


def rp(pool="10.20.0.0/16", sub="", space="local"):
    return {"AddressSpace": space, "Pool": pool, "SubPool": sub, "Options": {}, "V6": False}


def expect_refusal(env, r, label, want, extra=()):
    """Starts the daemon, which must exit non-zero (promptly) with `want` in its log."""
    env.start(wait=False, extra=extra)
    try:
        rc = env.proc.wait(timeout=20 * SLOW)
    except subprocess.TimeoutExpired:
        rc = env.stop(signal.SIGKILL)
        rc = "still running (killed: %s)" % rc
    r.check(rc not in (0, None) and isinstance(rc, int) and want in env.log(), "%s: refused" % label,
            (rc, env.log()[-600:]))
    r.check(not os.path.exists(env.sock), "%s: never served" % label)


def files(env):
    """state dir entries, its folders' too (networks/<id>.json...) -> (kind, bytes or link target)."""
    out = {}
    for name in env.state_files():
        p = os.path.join(env.state_dir, name.rstrip("/"))
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            out[name] = ("link", os.readlink(p))
        elif stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                out[name] = ("file", f.read())
        elif stat.S_ISDIR(st.st_mode):
            out[name] = ("dir", None)
        else:
            out[name] = ("other", stat.S_IFMT(st.st_mode))
    return out


# ---- connections ----

def connect(path):
    """A Unix connect; a full listen backlog answers EAGAIN at once, so retry (bounded)."""
    deadline = time.monotonic() + 5 * SLOW
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5 * SLOW)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)

def keepalive_call(s):
    """GetCapabilities on an open connection; the HTTP status, or None if the server closed it."""
    try:
        s.sendall(b"POST /NetworkDriver.GetCapabilities HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        return None
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = s.recv(4096)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next((ln.split(b":", 1)[1] for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length:")), b"0"))
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            return None
        body += chunk
    return int(head.split()[1])


# dockerd keeps an idle keep-alive connection for 30 s (IdleConnTimeout) and, when the server
# closes one just as it is reused, retries its POST with the body already consumed: the plugin
# then gets an empty CreateEndpoint (seen with 28 concurrent `docker run`). So the server must
# keep idle connections longer than dockerd does, and the client always closes first.
DOCKERD_IDLE_S = 30


def idle_connection_open(env):
    s = connect(env.sock)
    s.settimeout(5 * SLOW)
    return s, keepalive_call(s), time.monotonic()


def idle_connection_check(r, held):
    s, first, t0 = held
    r.check(first == 200, "a kept-alive connection is answered", first)
    time.sleep(max(0.0, t0 + DOCKERD_IDLE_S + 1 - time.monotonic()))
    again = keepalive_call(s)
    s.close()
    r.check(again == 200, "the same connection, idle %d s (longer than dockerd keeps one), is still open and "
            "answered" % (DOCKERD_IDLE_S + 1), again)


def daemon_threads(env):
    """Threads of the daemon (ip netns exec and valgrind exec it: the same process)."""
    try:
        return len(os.listdir("/proc/%d/task" % env.proc.pid))
    except OSError:
        return None


def test_connection_flood(env, r):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    held = []
    threads_before = daemon_threads(env)
    try:
        for _ in range(1000):
            held.append(connect(env.sock))
        slow = []
        for i in range(150):
            s = connect(env.sock)
            try:
                s.sendall(b"POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nX-Slow-%d: " % i)
            except OSError:
                pass  # the guard may already have cut it to make room: that is its job
            slow.append(s)
        held += slow
        # the guard has cut many of them; let the server finish closing those (under valgrind
        # that takes a while) — the attacker keeps every socket open meanwhile
        time.sleep(0.2 * SLOW)
        worst = 0.0
        for round_ in range(5):
            for s in slow:  # slowloris: one more header byte each round (errors = the guard cut it)
                try:
                    s.send(b"a")
                except OSError:
                    pass
            t0 = time.monotonic()
            a = env.call("NetworkDriver.GetCapabilities", timeout=5 * SLOW)
            dt = time.monotonic() - t0
            worst = max(worst, dt)
            r.check(a.status == 200, "GetCapabilities %d answered while 1150 connections are held" % round_, a)
        r.check(worst < 0.1 * SLOW, "answered within 100 ms while 1000 idle + 150 slowloris are held: worst %.1f ms"
                % (worst * 1000))
        # issue 24: threads follow requests in flight, not connections (a thread per connection
        # made this hundreds: one per connection the guard had not closed yet)
        threads = daemon_threads(env)
        r.check(threads is not None and threads_before is not None and threads <= threads_before + 8,
                "1150 connections held cost no thread each: %s threads, %s before" % (threads, threads_before))
    finally:
        for s in held:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    r.check(env.call("Plugin.Activate").status == 200, "serving after the flood")


GETCAPS = b"POST /NetworkDriver.GetCapabilities HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"


def read_answer(s):
    """A whole HTTP answer from s (blocking, s's timeout): (status, body), or (None, why)."""
    data = b""
    try:
        while True:
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = next((int(ln.split(b":", 1)[1]) for ln in head.split(b"\r\n")
                               if ln.lower().startswith(b"content-length:")), 0)
                if len(body) >= length:
                    return int(head.split()[1]), body[:length]
            chunk = s.recv(65536)
            if not chunk:
                return None, "EOF after %d bytes" % len(data)
            data += chunk
    except OSError as e:
        return None, "%s after %d bytes" % (e, len(data))


def test_connection_burst(env, r):
    """Issue 25: 1 000 connections at once, each sending a call at once (as many clients would),
    beside a normal client calling on new connections: no connect refused (a full listen backlog
    fails a non-blocking connect with EAGAIN, as Go's dialer does) and no answer dropped (the guard
    cut connections whose request had arrived but was not read yet)."""
    import selectors
    import threading
    n = 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    normal = {"calls": 0, "failed": []}
    stop = threading.Event()

    def normal_client():
        while not stop.is_set():
            try:
                st = env.call("NetworkDriver.GetCapabilities", timeout=10 * SLOW).status
            except OSError as e:  # BlockingIOError: connect refused (backlog full)
                st = repr(e)
            normal["calls"] += 1
            if st != 200:
                normal["failed"].append(st)

    t = threading.Thread(target=normal_client, daemon=True)
    t.start()
    sel = selectors.DefaultSelector()
    refused, dropped, answered = [], [], 0
    try:
        for i in range(n):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(env.sock)
                s.send(GETCAPS)
            except OSError as e:
                refused.append(repr(e))
                s.close()
                continue
            sel.register(s, selectors.EVENT_READ, b"")
        deadline = time.monotonic() + 20 * SLOW
        while sel.get_map() and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                try:
                    chunk = s.recv(4096)
                except OSError as e:
                    chunk, why = None, repr(e)
                data = key.data + (chunk or b"")
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep and len(body) >= 45:  # GetCapabilities' body
                    answered += data.startswith(b"HTTP/1.1 200")
                elif chunk:
                    sel.modify(s, selectors.EVENT_READ, data)
                    continue
                else:
                    dropped.append(why if chunk is None else "EOF after %d bytes" % len(data))
                sel.unregister(s)
                s.close()
        for key in list(sel.get_map().values()):
            dropped.append("no answer in time")
            sel.unregister(key.fileobj)
            key.fileobj.close()
    finally:
        stop.set()
        t.join(30 * SLOW)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    r.check(not refused, "1000 connections at once: none refused (%d)" % len(refused), refused[:3])
    r.check(not dropped and answered == n - len(refused), "each one answered 200 (%d), none dropped (%d)" %
            (answered, len(dropped)), dropped[:3])
    r.check(normal["calls"] > 0 and not normal["failed"], "the normal client's %d calls meanwhile: none failed" %
            normal["calls"], normal["failed"][:3])


def test_queued_answer_kept(r):
    """Issue 25: above the soft cap, a newcomer evicted the newest connection whose handler was not
    running, which could be one whose (large) answer was still being sent: its client read EOF
    instead. An answer on its way is never evicted; idle connections make room."""
    with Env() as env:
        env.start()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
        r.check(x.status == 200, "CreateNetwork", x)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        st = env.state()
        base = st["networks"][0]
        st["networks"] = [dict(base, id="%064x" % (0x1000 + i)) for i in range(1000)]
        env.save_state(st)  # 1 000 networks: Status answers ~450 kB, more than a socket buffer
        env.start()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
        held = []
        try:
            for _ in range(300):  # above the soft cap (256): the guard evicts idle ones as they come
                held.append(connect(env.sock))
            s = connect(env.sock)
            s.settimeout(10 * SLOW)
            s.sendall(b"POST /SriovPlugin.Status HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            first = s.recv(1, socket.MSG_PEEK)  # the answer is on its way, and waits for us to read
            time.sleep(0.2 * SLOW)
            for _ in range(300):  # newcomers: each makes room
                held.append(connect(env.sock))
            time.sleep(0.5 * SLOW)
            status, body = read_answer(s)
            s.close()
            try:
                networks = len(json.loads(body)["networks"]) if status == 200 else None
            except ValueError:
                networks = None
            r.check(first and status == 200 and networks == 1000,
                    "the Status answer being sent while 600 connections came arrived whole", (status, networks))
            r.check(env.call("Plugin.Activate").status == 200, "serving after")
        finally:
            for h in held:
                h.close()
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        r.check(env.stop() == 0, "SIGTERM exits 0")


def open_files_limit(env):
    """The daemon's soft and hard RLIMIT_NOFILE, from /proc/<pid>/limits."""
    with open("/proc/%d/limits" % env.proc.pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)
    return None


def test_open_files_limit(r):
    """Issue 25: 512 connections plus the sockets of requests in flight could pass the usual soft
    limit of 1 024 files. The daemon raises its soft limit to the hard one at start, and when even
    that is low, its connection limit shrinks to fit: with 300 connections held against a limit
    of 160 files, a normal call and a CreateNetwork (sysfs, netlink, state files) still work."""
    if os.environ.get("VALGRIND") == "1":
        print("  (open-file limit: not run under valgrind, which keeps files of its own near the limit)")
        return
    with Env() as env:
        env.wrap = ["prlimit", "--nofile=1024:8192", "--"]
        env.start()
        r.check(open_files_limit(env) == (8192, 8192), "soft open-file limit raised to the hard one",
                open_files_limit(env))
        r.check(env.stop() == 0, "SIGTERM exits 0")
        env.wrap = ["prlimit", "--nofile=160:160", "--"]
        env.start()
        r.check("connections: up to" in env.log() and "within 160 open files" in env.log(),
                "the connection limit is sized to 160 files and logged",
                [ln for ln in env.log().splitlines() if "connections" in ln][-1:])
        held = []
        try:
            for _ in range(300):
                try:
                    held.append(connect(env.sock))
                except OSError:
                    break
            time.sleep(0.3 * SLOW)

            def status_of(method, body=None):
                try:
                    return env.call(method, body, timeout=5 * SLOW).status
                except OSError as e:  # a connect refused: the daemon stopped accepting (EMFILE)
                    return repr(e)
            st = status_of("NetworkDriver.GetCapabilities")
            r.check(st == 200, "a call is answered with %d connections held and 160 files" % len(held), st)
            st = status_of("NetworkDriver.CreateNetwork", network_body(NET_C, {"pf_iface": PF, "vlanid": "300"}))
            r.check(st == 200, "CreateNetwork works meanwhile (files left for sysfs, netlink, state)", st)
            r.check("Too many open files" not in env.log(), "no EMFILE in the log",
                    [ln for ln in env.log().splitlines() if "Too many" in ln][:2])
        finally:
            for h in held:
                h.close()
        r.check(env.stop() == 0, "SIGTERM exits 0")


def test_framing(env, r):
    from hostlib import raw_exchange
    two = (b"POST /NetworkDriver.GetCapabilities HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
           b"Content-Length: 30\r\n\r\n{}")
    st, body = raw_exchange(env.sock, two, timeout=5 * SLOW)
    r.check(st == 400, "two different Content-Length -> 400", (st, body))
    both = (b"POST /NetworkDriver.GetCapabilities HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    st, body = raw_exchange(env.sock, both, timeout=5 * SLOW)
    r.check(st == 400 and b"Transfer-Encoding" in body, "Content-Length with chunked -> 400", (st, body))


# ---- signals and replays ----

def test_signals(env, r):
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGPIPE, signal.SIGHUP):
        env.proc.send_signal(sig)
        time.sleep(0.1)
        r.check(env.proc.poll() is None and env.call("Plugin.Activate").status == 200,
                "%s leaves the daemon serving" % signal.Signals(sig).name, env.log()[-300:])
    r.check("SIGHUP: nothing to reopen" in env.log(), "SIGHUP is logged")


def test_replays(env, r):
    body = network_body(NET_A, {"pf_iface": PF, "vlanid": "100"})
    x1 = env.call("NetworkDriver.CreateNetwork", body)
    x2 = env.call("NetworkDriver.CreateNetwork", body)
    r.check(x1.status == 200 and x2.status == 200 and x2.json == {}, "CreateNetwork replayed -> 200", (x1, x2))
    r.check(len(env.state()["networks"]) == 1, "the replay recorded nothing new")
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "200"}))
    r.check(x.status == 409 and "already exists" in (x.err or ""), "same ID, other options -> 409", x)
    p1 = env.call("IpamDriver.RequestPool", rp("10.30.0.0/16"))
    p2 = env.call("IpamDriver.RequestPool", rp("10.30.0.0/16"))
    r.check(p1.status == 200 and p2.status == 200 and p1.json == p2.json, "RequestPool replayed -> same PoolID",
            (p1, p2))
    x = env.call("IpamDriver.RequestPool", rp("10.30.0.0/16", sub="10.30.1.0/24"))
    r.check(x.status != 200 and "overlaps" in (x.err or ""), "same pool, other sub-pool -> refused", x)
    g = env.call("IpamDriver.RequestAddress", {"PoolID": p1.json["PoolID"], "Address": "",
                                               "Options": {"RequestAddressType": "com.docker.network.gateway"}})
    r.check(g.status == 200, "gateway of the pool", g)
    x = env.call("IpamDriver.RequestPool", rp("10.30.0.0/16"))
    r.check(x.status != 200 and "overlaps" in (x.err or ""),
            "once its gateway was asked for, the same request is another network's -> refused", x)


# ---- state files ----

def seed_network_and_pool(env, r):
    env.start()
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
    p = env.call("IpamDriver.RequestPool", rp("10.40.0.0/16"))
    r.check(x.status == 200 and p.status == 200, "seed: a network and a pool", (x, p))
    r.check(env.stop() == 0, "seed: SIGTERM exits 0")
    return p.json["PoolID"] if p.json else None


def test_state_files(r):
    state, ipam = "state.json", "ipam.json"
    with Env() as env:
        pool_id = seed_network_and_pool(env, r)
        good = files(env)
        r.check(state in good and ipam in good and "networks/%s.json" % NET_A in good and
                "pools/%s.json" % pool_id in good, "one file per record, beside the two markers", sorted(good))
        # nothing rewritten at start when nothing changed (no file, no record's file)
        names = [n for n in good if not n.endswith("/")]
        before = {n: os.lstat(os.path.join(env.state_dir, n)) for n in names}
        env.start()
        r.check("1 networks" in env.log(), "restart loads the network")
        after = {n: os.lstat(os.path.join(env.state_dir, n)) for n in names}
        r.check(all(before[n].st_ino == after[n].st_ino and before[n].st_mtime_ns == after[n].st_mtime_ns
                    for n in before), "nothing rewritten at start")
        r.check(env.stop() == 0, "SIGTERM exits 0")

        def damaged(label, want, damage, extra=()):
            damage()
            snap = files(env)
            expect_refusal(env, r, label, want, extra)
            now = files(env)
            r.check(now == snap, "%s: state dir left as it was" % label,
                    [(k, snap.get(k, "-")[:1], now.get(k, "-")[:1]) for k in set(snap) | set(now)
                     if snap.get(k) != now.get(k)])

        for name, other in ((state, ipam), (ipam, state)):
            path = os.path.join(env.state_dir, name)
            keep = good[name][1]

            def restore(path=path, keep=keep):
                if os.path.lexists(path):
                    os.unlink(path)
                with open(path, "wb") as f:
                    f.write(keep)

            damaged(name + " a dangling symlink", "is a symbolic link",
                    lambda path=path: (os.unlink(path), os.symlink("/nonexistent/disk/" + name, path)))
            restore()
            damaged(name + " a FIFO", "is not a regular file", lambda path=path: (os.unlink(path), os.mkfifo(path)))
            restore()
            damaged(name + " missing while " + other + " holds state", name + " is missing",
                    lambda path=path: os.unlink(path))
            restore()
        r.check(files(env) == good, "state restored for the next cases")
        pool_name = "pools/%s.json" % pool_id
        pool_path = os.path.join(env.state_dir, pool_name)
        doc = json.loads(good[pool_name][1])

        def write_pool(d, path=pool_path):
            with open(path, "w") as f:
                json.dump(d, f)

        bad = json.loads(json.dumps(doc))
        del bad["allocated"]
        damaged("a pool without allocated", "allocated: missing", lambda: write_pool(bad))
        dup_path = os.path.join(env.state_dir, "pools", "sriov-9-10.40.0.0_16.json")
        with open(pool_path, "wb") as f:
            f.write(good[pool_name][1])
        damaged("two pools with one prefix", "overlaps pool",
                lambda: write_pool(dict(doc, id="sriov-9-10.40.0.0_16"), dup_path))
        os.unlink(dup_path)
        # a record's file torn (a disk that lied, a hand edit): refused, the file named
        net_name = "networks/%s.json" % NET_A
        net_path = os.path.join(env.state_dir, net_name)
        damaged("a torn network file", net_name,
                lambda: open(net_path, "wb").write(good[net_name][1][:40]))
        with open(net_path, "wb") as f:
            f.write(good[net_name][1])
        # a folder of records gone (its marker still there): refused, never an empty start
        damaged("networks/ missing", "networks is missing",
                lambda: os.rename(os.path.join(env.state_dir, "networks"), os.path.join(env.tmp, "networks-aside")))
        os.rename(os.path.join(env.tmp, "networks-aside"), os.path.join(env.state_dir, "networks"))
        for mode in (0o775, 0o757, 0o733):
            os.chmod(env.state_dir, mode)
            expect_refusal(env, r, "state dir mode %04o (writable by others)" % mode, "must be 0700")
            r.check(stat.S_IMODE(os.stat(env.state_dir).st_mode) == mode, "mode %04o left for the operator" % mode)
        os.chown(env.state_dir, 65534, 0)
        os.chmod(env.state_dir, 0o700)
        expect_refusal(env, r, "state dir owned by another user", "must be 0700 and owned by uid 0")
        os.chown(env.state_dir, 0, 0)
        r.check(files(env) == good, "refusals changed nothing")
        # an older install's 0755 (readable, not writable, by others): tightened, state kept
        os.chmod(env.state_dir, 0o755)
        env.start()
        r.check(stat.S_IMODE(os.stat(env.state_dir).st_mode) == 0o700 and "now mode 0700" in env.log() and
                "1 networks" in env.log(), "a 0755 state dir is tightened to 0700 and its state kept")
        r.check(env.stop() == 0, "SIGTERM exits 0")
        r.check(files(env) == good, "nothing rewritten")

        # a planted .tmp symlink does not redirect the next save (the marker's, or the new record's)
        victim = os.path.join(env.tmp, "victim")
        with open(victim, "w") as f:
            f.write("precious")
        os.symlink(victim, os.path.join(env.state_dir, state + ".tmp"))
        os.symlink(victim, os.path.join(env.state_dir, "networks", NET_B + ".json.tmp"))
        env.start()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "300"}))
        r.check(x.status == 200 and len(env.state()["networks"]) == 2, "save with a planted .tmp symlink", x)
        with open(victim) as f:
            r.check(f.read() == "precious", "the symlink's target is untouched")
        r.check(env.stop() == 0, "SIGTERM exits 0")

        # --init: starts with nothing, the old files kept aside
        os.unlink(os.path.join(env.state_dir, ipam))
        expect_refusal(env, r, "ipam.json deleted", "ipam.json is missing")
        env.start(extra=("--init",))
        r.check("0 networks" in env.log(), "--init starts with no state", env.log()[-400:])
        aside = glob.glob(os.path.join(env.state_dir, "state.json.abandoned-*"))
        nets_aside = glob.glob(os.path.join(env.state_dir, "networks.abandoned-*"))
        r.check(len(aside) == 1 and len(nets_aside) == 1 and
                sorted(os.listdir(nets_aside[0])) == [NET_A + ".json", NET_B + ".json"],
                "--init keeps the old state.json and networks/ aside", (aside, nets_aside))
        r.check(env.state() == {"version": 1, "networks": [], "endpoints": []}, "--init: the new state is empty",
                env.state())
        r.check(env.stop() == 0, "SIGTERM exits 0")
    with Env() as env:
        # an empty (e.g. freshly mounted) state dir starts fresh and writes both files at once
        os.makedirs(env.state_dir, mode=0o700)
        env.start()
        r.check(os.path.isfile(os.path.join(env.state_dir, state)) and
                os.path.isfile(os.path.join(env.state_dir, ipam)) and
                all(os.path.isdir(os.path.join(env.state_dir, d)) for d in ("networks", "endpoints", "pools")),
                "an empty state dir starts fresh, both written with their folders", env.state_files())
        r.check(env.stop() == 0, "SIGTERM exits 0")


def test_convert_v1(r):
    """A state dir written by the previous version (everything in state.json and ipam.json) loads and
    is converted at start-up; leftovers of a conversion a crash interrupted are not read."""
    with Env() as env:
        pool_id = seed_network_and_pool(env, r)
        st, ipam_doc = env.state(), env.ipam()
        r.check(st and ipam_doc and len(st["networks"]) == 1 and len(ipam_doc["pools"]) == 1, "seeded", (st, ipam_doc))
        for name in env.state_files()[::-1]:
            p = os.path.join(env.state_dir, name.rstrip("/"))
            (os.rmdir if name.endswith("/") else os.unlink)(p)
        with open(os.path.join(env.state_dir, "state.json"), "w") as f:
            json.dump(st, f)  # version 1: the whole state in one file
        with open(os.path.join(env.state_dir, "ipam.json"), "w") as f:
            json.dump(ipam_doc, f)
        # an interrupted earlier conversion (its note says so): a record the old files do not hold
        os.makedirs(os.path.join(env.state_dir, "networks"), mode=0o700)
        stale = os.path.join(env.state_dir, "networks", NET_B + ".json")
        with open(stale, "w") as f:
            f.write('{"id": "half')
        open(os.path.join(env.state_dir, "state.json.converting"), "w").close()
        env.start()
        r.check("1 networks" in env.log() and "state.json converted" in env.log() and "ipam.json converted" in
                env.log(), "version 1 files load and are converted at start-up", env.log()[-600:])
        note = os.path.join(env.state_dir, "state.json.converting")
        r.check(not os.path.exists(stale) and not os.path.exists(note), "the interrupted conversion's leftover is gone")
        r.check(env.state() == st and env.ipam() == dict(ipam_doc), "the same state after the conversion",
                (env.state(), env.ipam()))
        with open(os.path.join(env.state_dir, "state.json")) as f:
            r.check(json.load(f).get("version") == 2, "state.json is now the version 2 marker")
        r.check(os.path.isfile(os.path.join(env.state_dir, "pools", pool_id + ".json")), "the pool has its file")
        x = env.call("IpamDriver.RequestPool", rp("10.41.0.0/16"))
        r.check(x.status == 200 and x.json["PoolID"] != pool_id and x.json["PoolID"].startswith("sriov-2-"),
                "next_id carried over", x)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        good = files(env)
        env.start()
        r.check("converted" not in env.log(), "converted once")
        r.check(env.stop() == 0, "SIGTERM exits 0")
        r.check(files(env) == good, "nothing rewritten at the next start")


# ---- a full disk ----

def fill(path):
    """Writes zeros at path until the file system is full (bounded: 1024 x 4 KiB)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(1024):
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)

def compacted(r, state_dir, label):
    """The journal's commits written into the record files (compaction, in the background): what
    the per-record saves did at once, the disk's room included."""
    r.check(wait_compacted(state_dir), "%s: the journal compacted into the record files" % label)


def test_disk_full(r):
    with Env() as env:
        os.makedirs(env.state_dir, mode=0o700)
        holder = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                                   "mount -t tmpfs -o size=256k,mode=0700 sriov-test %s && echo up && exec sleep 600"
                                   % env.state_dir], stdout=subprocess.PIPE, text=True)
        try:
            r.check(holder.stdout.readline().strip() == "up", "tmpfs mounted in a private mount namespace")
            env.wrap = ["nsenter", "-t", str(holder.pid), "-m"]
            disk = "/proc/%d/root%s" % (holder.pid, env.state_dir)
            env.state_path = lambda: os.path.join(disk, "state.json")
            env.start()
            x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
            p = env.call("IpamDriver.RequestPool", rp("10.50.0.0/16"))
            pool_id = p.json["PoolID"] if p.json else ""
            a = env.call("IpamDriver.RequestAddress", {"PoolID": pool_id, "Address": "10.50.0.9", "Options": None})
            r.check(x.status == 200 and p.status == 200 and a.status == 200, "before: network, pool, address",
                    (x, p, a))
            # fill the disk
            filler = os.path.join(disk, "filler")
            compacted(r, disk, "before filling the disk")
            fill(filler)
            x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "200"}))
            r.check(x.status == 500 and "No space left on device" in (x.err or ""),
                    "disk full: CreateNetwork refused with the reason", x)
            x = env.call("IpamDriver.RequestPool", rp("10.51.0.0/16"))
            r.check(x.status != 200 and "No space left" in (x.err or ""), "disk full: RequestPool refused", x)
            # deletes and releases Docker will not retry: a release that rewrites its pool's file
            # is kept pending, and says so; a delete is an unlink, which needs no space (a failed
            # unlink is kept pending the same way: tests/unit/test_state.c, test_ipam_store.c)
            d = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NET_A})
            compacted(r, disk, "disk full: the delete")
            fill(filler)  # an unlink frees a block: full again
            ra = env.call("IpamDriver.ReleaseAddress", {"PoolID": pool_id, "Address": "10.50.0.9"})
            rpl = env.call("IpamDriver.ReleasePool", {"PoolID": pool_id})
            compacted(r, disk, "disk full: the release")
            fill(filler)
            r.check("pending" in (ra.err or ""), "disk full: the release kept pending, said so", ra)
            r.check(d.status == 200 and rpl.status == 200, "disk full: deletes written (unlinks need no space)",
                    (d, rpl))
            # memory already has them: the network's PF+VLAN and the pool are free again
            x = env.call("NetworkDriver.CreateNetwork", network_body(NET_C, {"pf_iface": PF, "vlanid": "100"}))
            r.check(x.status == 500 and "already used" not in (x.err or ""), "deleted network blocks nothing", x)
            # a restart while the disk is still full serves (read-only safe); its pending work is
            # lost only because it was never written: stop it after space is back instead
            os.unlink(filler)
            deadline = time.monotonic() + 10 * SLOW
            while time.monotonic() < deadline and "pending changes written" not in env.log():
                time.sleep(0.1)
            r.check("pending changes written" in env.log(), "space back: pending changes written by themselves")
            r.check(env.proc.poll() is None, "still serving")
            env.proc.kill()  # no chance for a last save: the disk must already say it all
            env.proc.wait(timeout=10)
            # fill again and restart on the full disk
            fill(filler)
            env.start()
            r.check("0 networks" in env.log(), "restart on a full disk serves; the deleted network stays deleted",
                    env.log()[-400:])
            x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "200"}))
            r.check(x.status == 500 and "No space left" in (x.err or ""), "full disk after restart: change refused", x)
            os.unlink(filler)
            x = env.call("NetworkDriver.CreateNetwork", network_body(NET_B, {"pf_iface": PF, "vlanid": "100"}))
            r.check(x.status == 200, "space back: the deleted network's PF+VLAN is free", x)
            p2 = env.call("IpamDriver.RequestPool", rp("10.50.0.0/16"))
            r.check(p2.status == 200 and p2.json["PoolID"] != pool_id, "the released pool is free, a new ID", p2)
            a2 = env.call("IpamDriver.RequestAddress", {"PoolID": p2.json["PoolID"] if p2.json else "",
                                                        "Address": "10.50.0.9", "Options": None})
            r.check(a2.status == 200, "its released address is free", a2)
            pools = env.ipam()["pools"]
            r.check([q["id"] for q in pools] == [p2.json["PoolID"]], "ipam.json: nothing leaked", pools)
            r.check(env.stop() == 0, "SIGTERM exits 0")
        finally:
            holder.kill()
            holder.wait(timeout=10)


# ---- start-up with many endpoints ----

def test_startup_sweep(r):
    with Env() as env:
        env.start()
        x = env.call("NetworkDriver.CreateNetwork", network_body(NET_A, {"pf_iface": PF, "vlanid": "100"}))
        r.check(x.status == 200, "CreateNetwork", x)
        r.check(env.stop() == 0, "SIGTERM exits 0")
        sandboxes = os.path.join(env.tmp, "netns")
        os.makedirs(sandboxes)
        st = env.state()
        # under valgrind (30x slower) the bound would measure valgrind: fewer endpoints there,
        # still enough to see a per-endpoint save (the old code: 256 endpoints took 0.9 s)
        n = 300 if env.valgrind else 3000
        for i in range(n):
            key = os.path.join(sandboxes, "%012x" % i)
            open(key, "w").close()
            st["endpoints"].append({
                "id": "%064x" % (i + 1), "network_id": NET_A, "pf_pci": PF_PCI, "vf": i, "vf_pci": vf_pci(i),
                "mac": "02:42:0a:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255, i & 255),
                "address4": "", "address6": "", "joined": True, "sandbox_key": key, "phase": "ready",
                "joined_at": int(time.time()), "saved": SAVED_VF})
        env.save_state(st)
        t0 = time.monotonic()
        env.start(wait=False)
        env.wait_ready(timeout=30 * SLOW)
        dt = time.monotonic() - t0
        r.check(dt < 2.0 * SLOW, "start-up with %d unseen joined endpoints answers in %.2f s (< 2 s)" % (n, dt))
        # the marks are hints a crash may lose: written by the next flush (a second later; 3000 files
        # take a while on a busy disk), not waited for by the start-up
        deadline = time.monotonic() + 15 * SLOW
        while True:
            eps = env.state()["endpoints"]
            if all(e.get("sandbox_seen") for e in eps) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        r.check(len(eps) == n and all(e.get("sandbox_seen") for e in eps),
                "every sandbox marked seen (written by the daemon's next flush), all kept",
                (len(eps), sum(1 for e in eps if e.get("sandbox_seen")), env.log()[-300:]))
        r.check(env.stop() == 0, "SIGTERM exits 0")
        # SIGTERM while start-up works through them: out within 1 s
        for e in eps:
            e["sandbox_seen"] = False
        env.save_state({"version": 1, "networks": st["networks"], "endpoints": eps})
        env.start(wait=False)
        time.sleep(0.05)
        t0 = time.monotonic()
        rc = env.stop(signal.SIGTERM, timeout=10 * SLOW)
        dt = time.monotonic() - t0
        r.check(dt < 1.0 * SLOW and rc in (0, -signal.SIGTERM), "SIGTERM during start-up: stopped in %.2f s" % dt, rc)


def check_valgrind(env, r):
    if env.valgrind:
        r.check(all(rc == 0 for _, rc in env.exit_codes), "valgrind: every SIGTERM stop exited 0", env.exit_codes)


def run_all(r):
    with Env() as env:
        env.start()
        # a timeout constant, not memory: shown by the plain build only (ASan/valgrind add 30 s each)
        plain = os.environ.get("VALGRIND") != "1" and "asan" not in os.environ.get("PLUGIN_BIN", "")
        idle = idle_connection_open(env) if plain else None
        test_framing(env, r)
        test_signals(env, r)
        test_replays(env, r)
        if idle:
            idle_connection_check(r, idle)  # before the flood: its evictions take the oldest idle
        test_connection_flood(env, r)
        test_connection_burst(env, r)
        r.check(env.stop() == 0, "SIGTERM exits 0")
    test_queued_answer_kept(r)
    test_open_files_limit(r)
    test_state_files(r)
    test_convert_v1(r)
    test_disk_full(r)
    test_startup_sweep(r)
