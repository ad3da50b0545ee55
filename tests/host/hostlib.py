"""Host-side test harness for sriov-plugin: a private network namespace with veths named like a
fake PF and its VFs, a fake sysfs tree, the real daemon started inside the namespace, and a client
that speaks to it exactly as dockerd does (POST /<Method>, Accept v1.2+json, json.Encoder bodies).

Python 3 stdlib only. Every socket operation has a timeout; every wait is bounded."""

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import plugin_state  # noqa: E402  (the one reader of the state dir's layout)
FAKESYS = os.path.join(REPO, "tests", "fakesys", "make-fake-sysfs.sh")
ACCEPT = "application/vnd.docker.plugins.v1.2+json"
# Slow daemons (valgrind, sanitizers) get proportionally longer bounds.
SLOW = float(os.environ.get("HOST_SLOW", "10" if os.environ.get("VALGRIND") == "1" else "1"))
CALL_TIMEOUT = 10 * SLOW

LOCK_FILE = "daemon.lock"  # plugin/daemon/state_lock.h: one daemon per state dir
PF = "sriovpf0"          # the fake PF: a veth in the namespace and class/net/sriovpf0 in the fake sysfs
PF_PCI = "0000:01:00.0"
TOTALVFS = 4
PLAIN = "plain0"         # a PCI NIC without SR-IOV (fake sysfs only)
GHOST = "ghost0"         # an SR-IOV PF in the fake sysfs whose netdev is not in the namespace
GHOST_PCI = "0000:03:00.0"


def vf_netdev(i):
    return "%sv%d" % (PF, i)


def vf_pci(i):
    return "0000:01:%02x.%d" % (0x10 + i // 8, i % 8)


def go_json(obj):
    """What Go's json.Encoder writes: compact JSON and a newline (HTML-safe escapes are irrelevant here)."""
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


def run(cmd, check=True, timeout=20):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix socket, like Go's plugin client (Host: plugin.moby.localhost)."""

    def __init__(self, path, timeout=CALL_TIMEOUT):
        super().__init__("plugin.moby.localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Reply:
    def __init__(self, status, raw, headers=None):
        self.status = status
        self.raw = raw
        self.headers = headers or {}
        try:
            self.json = json.loads(raw.decode("utf-8", "replace")) if raw else None
        except ValueError:
            self.json = None

    @property
    def err(self):
        if isinstance(self.json, dict) and isinstance(self.json.get("Err"), str):
            return self.json["Err"]
        return None

    def __repr__(self):
        return "Reply(%s, %r)" % (self.status, self.raw[:300])


def call(sock_path, method, body=None, raw=None, timeout=CALL_TIMEOUT, extra_headers=None, http_method="POST"):
    """POST /<method>. body: an object encoded like json.Encoder; raw: exact bytes; neither: empty body."""
    data = raw if raw is not None else (go_json(body) if body is not None else b"")
    conn = UnixHTTPConnection(sock_path, timeout=timeout)
    headers = {"Accept": ACCEPT, "User-Agent": "Go-http-client/1.1", "Accept-Encoding": "gzip",
               "Content-Length": str(len(data))}
    if extra_headers:
        headers.update(extra_headers)
    try:
        conn.request(http_method, "/" + method.lstrip("/") if not method.startswith("/") else method,
                     body=data, headers=headers)
        r = conn.getresponse()
        return Reply(r.status, r.read(), dict(r.getheaders()))
    finally:
        conn.close()


def raw_exchange(sock_path, payload, timeout=CALL_TIMEOUT):
    """Sends raw bytes, reads until the server closes or the answer is complete; returns (status, body)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    data = b""
    try:
        s.connect(sock_path)
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before taking everything
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = None
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v.strip())
                if length is not None and len(body) >= length:
                    break
    except socket.timeout:
        pass
    finally:
        s.close()
    if not data.startswith(b"HTTP/"):
        return None, data
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


class Results:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            if os.environ.get("HOST_VERBOSE"):
                print("  ok   %s" % what)
        else:
            self.failed += 1
            print("  FAIL %s%s" % (what, (": " + str(detail)[:600]) if detail != "" else ""))
        sys.stdout.flush()
        return bool(cond)


class Env:
    """A namespace, a fake sysfs, a state dir and the daemon. Use as a context manager."""

    def __init__(self, plugin_bin=None, valgrind=False):
        self.plugin_bin = os.path.abspath(plugin_bin or os.environ.get("PLUGIN_BIN") or
                                          os.path.join(REPO, "build", "sriov-plugin"))
        self.valgrind = valgrind or os.environ.get("VALGRIND") == "1"
        self.tmp = tempfile.mkdtemp(prefix="sriov-host-")
        os.chmod(self.tmp, 0o755)
        self.ns = "sriovtest-" + secrets.token_hex(4)
        self.sysfs = os.path.join(self.tmp, "sys")
        self.state_dir = os.path.join(self.tmp, "state")
        self.sock = os.path.join(self.tmp, "run", "sriov.sock")
        self.proc = None
        self.log_path = None
        self.runs = 0
        self.exit_codes = []
        self.wrap = []  # prepended to the daemon's command (e.g. nsenter into a mount namespace)

    def __enter__(self):
        try:
            self.setup()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def ns_run(self, *cmd, check=True):
        return run(["ip", "netns", "exec", self.ns] + list(cmd), check=check)

    def setup(self):
        if not os.path.exists(self.plugin_bin):
            raise RuntimeError("%s missing: run make first" % self.plugin_bin)
        run(["ip", "netns", "add", self.ns])
        self.ns_run("ip", "link", "set", "lo", "up")
        self.ns_run("ip", "link", "add", PF, "type", "veth", "peer", "name", PF + "p")
        for i in range(TOTALVFS):
            self.ns_run("ip", "link", "add", vf_netdev(i), "type", "veth", "peer", "name", vf_netdev(i) + "p")
        run([FAKESYS, "-r", self.sysfs, "-p", PF, "-a", PF_PCI, "-t", str(TOTALVFS), "-n", "0"])
        run([FAKESYS, "-r", self.sysfs, "-p", PLAIN, "-a", "0000:02:00.0", "--no-sriov"])
        run([FAKESYS, "-r", self.sysfs, "-p", GHOST, "-a", GHOST_PCI, "-t", "2", "-n", "0"])
        os.makedirs(os.path.join(self.sysfs, "class", "net", "lo"))  # a netdev with no device link

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        run(["ip", "netns", "del", self.ns], check=False)
        if os.environ.get("HOST_KEEP"):
            print("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- the daemon ----

    def command(self, sock=None, extra=(), state_dir=None):
        cmd = [self.plugin_bin, "--socket", sock or self.sock, "--state-dir", state_dir or self.state_dir,
               "--sysfs", self.sysfs, "--log-level", "debug", "--reclaim-interval", "0"] + list(extra)
        if self.valgrind:
            cmd = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
                   "--error-exitcode=42", "--log-file=%s/valgrind-%d.log" % (self.tmp, self.runs)] + cmd
        return self.wrap + ["ip", "netns", "exec", self.ns] + cmd

    def start(self, wait=True, extra=()):
        self.runs += 1
        self.log_path = os.path.join(self.tmp, "daemon-%d.log" % self.runs)
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command(extra=extra), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if wait:
            self.wait_ready()
        return self.proc

    def wait_ready(self, timeout=None):
        timeout = timeout or (60 if self.valgrind else 10)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited with %d: %s" % (self.proc.returncode, self.log()[-2000:]))
            try:
                if call(self.sock, "Plugin.Activate", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("daemon not answering after %ss: %s" % (timeout, self.log()[-2000:]))

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Signals the daemon and returns its exit status (-signal if killed)."""
        timeout = timeout or (60 if self.valgrind else 20)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(timeout=10)
            rc = "timeout (killed, %s)" % rc
        self.exit_codes.append((sig, rc))
        return rc

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def valgrind_logs(self):
        out = ""
        for name in sorted(os.listdir(self.tmp)):
            if name.startswith("valgrind-"):
                with open(os.path.join(self.tmp, name), errors="replace") as f:
                    out += f.read()
        return out

    # ---- what the tests look at ----

    def call(self, method, body=None, **kw):
        return call(self.sock, method, body, **kw)

    def state_path(self):
        """state.json: the marker of networks/ and endpoints/ (plugin_state.py)."""
        return os.path.join(self.state_dir, "state.json")

    def state(self):
        """{"networks": [...], "endpoints": [...]} as saved (None when there is none)."""
        try:
            return plugin_state.load(os.path.dirname(self.state_path()))
        except OSError:
            return None

    def ipam(self):
        """{"next_id": N, "pools": [...]} as saved (None when there is none)."""
        try:
            return plugin_state.load_ipam(os.path.dirname(self.state_path()))
        except OSError:
            return None

    def save_state(self, doc):
        """Writes doc ({"networks": [...], "endpoints": [...]}) into a stopped daemon's state dir."""
        plugin_state.save(os.path.dirname(self.state_path()), doc)

    def state_files(self):
        """Every path under the state dir, relative to it (folders end in /), but the lock file:
        daemon.lock says which daemon runs on the dir (rewritten by each start), it is not state
        (lock_text() reads it)."""
        out = []
        for root, dirs, names in os.walk(self.state_dir):
            rel = os.path.relpath(root, self.state_dir)
            for n in dirs:
                out.append(os.path.normpath(os.path.join(rel, n)) + "/")
            for n in names:
                if rel == "." and n == LOCK_FILE:
                    continue
                out.append(os.path.normpath(os.path.join(rel, n)))
        return sorted(out)

    def lock_text(self):
        """What the daemon holding the state dir wrote in its lock file (None: no file)."""
        try:
            with open(os.path.join(self.state_dir, LOCK_FILE), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def snapshot(self):
        """The saved state (networks, endpoints, pools: as plugin_state reads them, the journal
        replayed, so that the daemon compacting it meanwhile changes nothing) and every numvfs
        in the fake sysfs, byte for byte."""
        snap = {}
        if os.path.isdir(self.state_dir):
            snap["state"] = json.dumps(self.state(), sort_keys=True)
            snap["ipam"] = json.dumps(self.ipam(), sort_keys=True)
        devices = os.path.join(self.sysfs, "bus", "pci", "devices")
        for dev in sorted(os.listdir(devices)):
            p = os.path.join(devices, dev, "sriov_numvfs")
            if os.path.exists(p):
                with open(p, "rb") as f:
                    snap["numvfs/" + dev] = f.read()
        return snap

    def numvfs(self, pci=PF_PCI):
        with open(os.path.join(self.sysfs, "bus", "pci", "devices", pci, "sriov_numvfs")) as f:
            return f.read().strip()

    def link(self, name):
        p = self.ns_run("ip", "-j", "link", "show", "dev", name, check=False)
        if p.returncode != 0:
            return None
        return json.loads(p.stdout)[0]


def network_body(net_id, generic, ipv4=None, internal=False):
    opts = {"com.docker.network.enable_ipv4": True, "com.docker.network.enable_ipv6": False,
            "com.docker.network.generic": generic}
    if internal:
        opts["com.docker.network.internal"] = True
    v4 = ipv4 if ipv4 is not None else [{"AddressSpace": "LocalDefault", "Pool": "10.9.0.0/16",
                                         "Gateway": "10.9.0.1/16", "AuxAddresses": {}}]
    return {"NetworkID": net_id, "Options": opts, "IPv4Data": v4, "IPv6Data": []}


def endpoint_body(net_id, ep_id, address="10.9.0.2/16", mac=""):
    return {"NetworkID": net_id, "EndpointID": ep_id,
            "Interface": {"Address": address, "AddressIPv6": "", "MacAddress": mac},
            "Options": {"com.docker.network.endpoint.exposedports": [],
                        "com.docker.network.portmap": []}}


def seed_endpoint(env, net_id, ep_id, vf, mac="02:42:0a:09:00:63", joined=False, sandbox="", phase="ready",
                  joined_at=0, unjoined_at=None):
    """Adds an endpoint record to a stopped daemon's state, as if CreateEndpoint had worked on
    real hardware (the namespace's veths have no VFs, so CreateEndpoint itself cannot succeed here)."""
    st = env.state()
    st["endpoints"].append({
        "id": ep_id, "network_id": net_id, "pf_pci": PF_PCI, "vf": vf, "vf_pci": vf_pci(vf), "mac": mac,
        "address4": "10.9.0.%d/16" % (vf + 10), "address6": "", "joined": joined, "sandbox_key": sandbox,
        "phase": phase, "joined_at": joined_at,
        "saved": {"mac": "00:00:00:00:00:00", "vlan": 0, "qos": 0, "vlan_proto": 33024, "spoofchk": True,
                  "trust": False, "link_state": 0, "min_tx_rate": 0, "max_tx_rate": 0, "has_spoofchk": True,
                  "has_trust": True, "has_link_state": True, "has_rate": True}})
    if unjoined_at is not None:
        st["endpoints"][-1]["unjoined_at"] = unjoined_at
    env.save_state(st)


def wait_compacted(state_dir, timeout=10):
    """Until the daemon has written its journal's commits into the record files (compaction, in
    the background, within a second or two); whether it has."""
    deadline = time.monotonic() + timeout * SLOW
    while plugin_state.journal_commits(state_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    return plugin_state.journal_commits(state_dir) == 0


def hexid(ch):
    return ch * 64
