"""The journal (common/journal.h: one commit and one fdatasync per change, compacted into the
record files in the background) on the real daemon:

- kill -9 at every journal fault point (--fault-journal POINT[:N]: _exit(99) there) during a run of
  network and pool changes, then a restart: every acknowledged change is there, nothing
  acknowledged as deleted comes back. Read twice: by tests/lib/plugin_state.py with the journal
  not yet compacted (its own replay), and by the restarted daemon (Status, IPAM answers);
- a torn last commit, and a corrupt commit in the middle: dropped with a log line naming the file
  and the offset, every commit before it kept (a corrupt one's file kept as <file>.damaged);
- downgrade: while the journal may hold commits state.json says version 3, and the previous plugin
  (built from git, cached in build/old-plugin/) refuses to start; after a clean stop (journal
  compacted, version 2 again) it starts with the same networks;
- commits found under a version 2 state.json (an older plugin's --init, a restored backup) are not
  replayed: the journal is kept aside;
- --no-journal: each change in its record file at once; a pending journal is compacted first."""

import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from hostlib import PF, REPO, SLOW, Env, hexid, network_body, plugin_state, wait_compacted

NETS = {c: hexid(c) for c in "abcde"}
BASE_COMMIT = "3c6ee4e"  # the last commit whose plugin knows no journal
POINTS = ["guard", "torn", "append", "synced", "append:4", "synced:6", "spare", "switch", "compact", "compacted",
          "compacted:2", "close"]


def rp(pool):
    return {"AddressSpace": "local", "Pool": pool, "SubPool": "", "Options": {}, "V6": False}


def steps():
    """The run: (what, argument), "pause" lets the background thread compact."""
    return [("cn", ("a", 100)), ("rp", "10.61.0.0/16"), ("cn", ("b", 200)), ("pause", None), ("dn", "a"),
            ("rp", "10.62.0.0/16"), ("rpl", "10.61.0.0/16"), ("pause", None), ("cn", ("c", 300)), ("dn", "b"),
            ("pause", None), ("rp", "10.63.0.0/16"), ("cn", ("d", 400)), ("pause", None), ("rpl", "10.62.0.0/16"),
            ("cn", ("e", 500))]


class Model:
    """What was acknowledged (answered 200), and the one change in flight when the daemon died."""

    def __init__(self):
        self.nets, self.pools, self.in_flight = set(), {}, None

    def apply(self, nets, pools, what, arg, answer=None):
        if what == "cn":
            nets.add(arg[0])
        elif what == "dn":
            nets.discard(arg)
        elif what == "rp":
            pools[arg] = answer
        elif what == "rpl":
            pools.pop(arg, None)

    def acked(self, what, arg, answer):
        self.apply(self.nets, self.pools, what, arg, answer)

    def outcomes(self):
        """Every state that is right: the in-flight change made or not."""
        out = [(set(self.nets), set(self.pools))]
        if self.in_flight:
            nets, pools = set(self.nets), dict(self.pools)
            self.apply(nets, pools, *self.in_flight, answer="?")
            out.append((nets, set(pools)))
        return out


def run_steps(env, model):
    """The steps until the daemon dies (or all are done)."""
    for what, arg in steps():
        if env.proc.poll() is not None:
            return
        if what == "pause":
            time.sleep(1.3)
            continue
        try:
            if what == "cn":
                x = env.call("NetworkDriver.CreateNetwork",
                             network_body(NETS[arg[0]], {"pf_iface": PF, "vlanid": str(arg[1])}), timeout=10 * SLOW)
            elif what == "dn":
                x = env.call("NetworkDriver.DeleteNetwork", {"NetworkID": NETS[arg]}, timeout=10 * SLOW)
            elif what == "rp":
                x = env.call("IpamDriver.RequestPool", rp(arg), timeout=10 * SLOW)
            else:
                x = env.call("IpamDriver.ReleasePool", {"PoolID": model.pools.get(arg, "")}, timeout=10 * SLOW)
        except OSError:
            model.in_flight = (what, arg)
            return
        if x.status != 200:
            model.in_flight = (what, arg)
            return
        model.acked(what, arg, x.json.get("PoolID") if what == "rp" and x.json else None)


def saved(env):
    """(networks, pools) as plugin_state.py reads the state dir (the journal replayed)."""
    st, ipam = env.state() or {}, env.ipam() or {}
    nets = {c for c, i in NETS.items() if i in {n["id"] for n in st.get("networks", [])}}
    pools = {p["pool"] for p in ipam.get("pools", [])}
    return nets, pools


def served(env):
    """(networks, pools) as the running daemon has them: Status lists the networks; a pool is
    held when a RequestPool of its prefix is refused as overlapping."""
    x = env.call("SriovPlugin.Status")
    ids = {n["id"] for n in (x.json or {}).get("networks", [])}
    nets = {c for c, i in NETS.items() if i in ids}
    pools = set()
    for pool in ("10.61.0.0/16", "10.62.0.0/16", "10.63.0.0/16"):
        y = env.call("IpamDriver.RequestPool", rp(pool))
        if y.status == 200:
            env.call("IpamDriver.ReleasePool", {"PoolID": y.json["PoolID"]})
        elif "overlaps" in (y.err or ""):
            pools.add(pool)
    return nets, pools


def test_fault_point(r, point):
    with Env() as env:
        model = Model()
        env.start(extra=("--fault-journal", point))
        run_steps(env, model)
        try:
            env.proc.wait(timeout=4 * SLOW)  # a point in the background thread
        except subprocess.TimeoutExpired:
            env.proc.send_signal(signal.SIGTERM)  # "close": at the clean stop
        rc = env.stop()
        name = point.split(":")[0]
        r.check(rc == 99 and "fault injection: stopping at journal point %s" % name in env.log(),
                "%s: the daemon stopped there (exit 99)" % point, (rc, env.log()[-500:]))
        right = model.outcomes()
        got = saved(env)
        r.check(got in right, "%s: plugin_state.py reads every acknowledged change (journal replayed, %d commits "
                "not compacted)" % (point, plugin_state.journal_commits(env.state_dir)), (got, right))
        env.start()
        r.check("fault injection" not in env.log(), "%s: restarted" % point)
        now = served(env)
        r.check(now == got, "%s: the restarted daemon has what was saved, nothing deleted back" % point, (now, got))
        if point == "torn":
            r.check("torn or corrupt tail at offset 4096" in env.log(), "torn: the cut commit named in the log",
                    env.log()[-800:])
        r.check(env.stop() == 0, "%s: SIGTERM exits 0" % point)
        r.check(plugin_state.journal_commits(env.state_dir) == 0 and marker_version(env) == 2,
                "%s: a clean stop leaves the journal empty and state.json version 2" % point)
        r.check(saved(env) == now, "%s: the record files alone say the same" % point)


def marker_version(env):
    with open(os.path.join(env.state_dir, "state.json")) as f:
        return json.load(f).get("version")


def pending_run(env, r, count):
    """count networks created and acknowledged, the daemon killed before any compaction (it
    dies at its first switch of journal files); returns the journal file holding them."""
    env.start(extra=("--fault-journal", "spare"))
    for i, c in enumerate("abcde"[:count]):
        x = env.call("NetworkDriver.CreateNetwork", network_body(NETS[c], {"pf_iface": PF, "vlanid": str(100 + i)}))
        r.check(x.status == 200, "seed: CreateNetwork %s" % c, x)
    env.proc.wait(timeout=10 * SLOW)
    files = sorted(glob.glob(os.path.join(env.state_dir, "journal", "*.log")))
    r.check(env.proc.returncode == 99 and len(files) == 1 and plugin_state.journal_commits(env.state_dir) == count,
            "seed: %d commits in one journal file, none compacted" % count, (env.proc.returncode, files))
    return files[0]


def test_torn_tail(r):
    with Env() as env:
        path = pending_run(env, r, 3)
        commits, end, _ = plugin_state.read_journal_file(path)
        last = commits[-1][2]
        with open(path, "r+b") as f:  # the last commit cut in its middle: a power cut mid-write
            f.seek(last + (end - last) // 2)
            f.write(b"\0" * (end - last))
        r.check(saved(env)[0] == {"a", "b"}, "plugin_state.py drops the torn commit too", saved(env))
        env.start()
        want = "journal %s: torn or corrupt tail at offset %d" % (path, last)
        r.check(want in env.log() and "the 2 commits before it are kept" in env.log(),
                "the torn tail logged with its file and offset", env.log()[-800:])
        r.check(served(env)[0] == {"a", "b"}, "the two commits before it kept, the torn one dropped")
        r.check(wait_compacted(env.state_dir) and not os.path.exists(path), "compacted; the torn file gone")
        r.check(env.stop() == 0, "SIGTERM exits 0")


def test_corrupt_middle(r):
    with Env() as env:
        path = pending_run(env, r, 3)
        commits, _, _ = plugin_state.read_journal_file(path)
        second = commits[1][2]
        with open(path, "r+b") as f:  # one byte of the second commit's text flipped
            f.seek(commits[2][2] - 20)
            b = f.read(1)
            f.seek(commits[2][2] - 20)
            f.write(bytes([b[0] ^ 0x20]))
        env.start()
        want = "journal %s: commit at offset %d is corrupt (checksum mismatch" % (path, second)
        r.check(want in env.log() and "1 later commits of this file" in env.log() and
                "the 1 commits before it are kept" in env.log(), "the corrupt commit logged with its file and offset",
                env.log()[-800:])
        r.check(served(env)[0] == {"a"}, "every commit before it kept; it and the one after it dropped")
        r.check(wait_compacted(env.state_dir) and os.path.exists(path + ".damaged"),
                "compacted; the file kept as .damaged")
        r.check(env.stop() == 0, "SIGTERM exits 0")
        env.start()
        r.check("corrupt" not in env.log() and served(env)[0] == {"a"}, "the kept file is not read again")
        r.check(env.stop() == 0, "SIGTERM exits 0")


def old_plugin():
    """The plugin of BASE_COMMIT (no journal), built once into build/old-plugin/."""
    out = os.path.join(REPO, "build", "old-plugin", BASE_COMMIT, "sriov-plugin")
    if os.path.exists(out):
        return out
    src = tempfile.mkdtemp(prefix="sriov-old-")
    try:
        archive = subprocess.run(["git", "-C", REPO, "archive", BASE_COMMIT], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", src], input=archive.stdout, check=True)
        subprocess.run(["nice", "-n", "10", "make", "-C", src, "-j2", "OPT=-O0", "build/sriov-plugin"],
                       capture_output=True, check=True)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copy(os.path.join(src, "build", "sriov-plugin"), out)
        return out
    finally:
        shutil.rmtree(src, ignore_errors=True)


def test_downgrade(r):
    try:
        old = old_plugin()
    except (OSError, subprocess.CalledProcessError) as e:
        r.check(False, "the previous plugin (%s) built from git" % BASE_COMMIT, e)
        return
    with Env() as env:
        pending_run(env, r, 2)
        r.check(marker_version(env) == 3, "a journal holding commits: state.json says version 3")
        with Env(plugin_bin=old) as old_env:
            old_env.state_dir = env.state_dir
            old_env.start(wait=False)
            try:
                rc = old_env.proc.wait(timeout=20 * SLOW)
            except subprocess.TimeoutExpired:
                rc = old_env.stop(signal.SIGKILL)
            r.check(rc not in (0, None) and "not a version 1 state file" in old_env.log() and
                    not os.path.exists(old_env.sock),
                    "the previous plugin refuses the state dir rather than start without the journal",
                    (rc, old_env.log()[-400:]))
            env.start()
            r.check(served(env)[0] == {"a", "b"}, "this plugin still has both networks")
            r.check(env.stop() == 0 and marker_version(env) == 2, "a clean stop: version 2 again")
            old_env.start()
            x = old_env.call("NetworkDriver.CreateNetwork",
                             network_body(NETS["a"], {"pf_iface": PF, "vlanid": "100"}))
            r.check("2 networks" in old_env.log() and x.status == 200,
                    "after a clean stop the previous plugin starts with the same networks", old_env.log()[-400:])
            r.check(old_env.stop() == 0, "previous plugin: SIGTERM exits 0")


def test_foreign_marker(r):
    with Env() as env:
        pending_run(env, r, 2)
        # an older plugin's --init (or a backup put back): a version 2 marker over the folders
        with open(os.path.join(env.state_dir, "state.json"), "w") as f:
            json.dump({"version": 2, "layout": "networks/<id>.json, endpoints/<id>.json"}, f)
        env.start()
        r.check("not replayed, kept as" in env.log() and served(env)[0] == set(),
                "commits under a version 2 marker are not replayed", env.log()[-600:])
        r.check(glob.glob(os.path.join(env.state_dir, "journal.abandoned-*")), "the journal kept aside")
        r.check(env.stop() == 0, "SIGTERM exits 0")


def test_no_journal(r):
    with Env() as env:
        pending_run(env, r, 2)
        env.start(extra=("--no-journal",))
        r.check("written to the record files directly (--no-journal)" in env.log() and
                plugin_state.journal_commits(env.state_dir) == 0 and marker_version(env) == 2,
                "--no-journal: the pending journal compacted first, version 2", env.log()[-400:])
        x = env.call("NetworkDriver.CreateNetwork", network_body(NETS["c"], {"pf_iface": PF, "vlanid": "300"}))
        r.check(x.status == 200 and os.path.isfile(os.path.join(env.state_dir, "networks", NETS["c"] + ".json")) and
                plugin_state.journal_commits(env.state_dir) == 0 and marker_version(env) == 2,
                "--no-journal: the change in its record file at once, nothing in the journal", x)
        r.check(served(env)[0] == {"a", "b", "c"}, "--no-journal: every network")
        r.check(env.stop() == 0, "SIGTERM exits 0")


def run_all(r):
    for point in POINTS:
        test_fault_point(r, point)
    test_torn_tail(r)
    test_corrupt_middle(r)
    test_foreign_marker(r)
    test_no_journal(r)
    test_downgrade(r)
