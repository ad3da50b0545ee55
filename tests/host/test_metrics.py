"""Host suite `metrics`: /metrics on --metrics-addr (a Unix socket and TCP on the namespace's
loopback), `status --json` counters and pools, events, and logs by priority; against the real
daemon in a private namespace with a fake sysfs whose VFs are veths: their counters come from
the veths themselves, in the daemon's namespace or, for a joined endpoint, in a sandbox
namespace the test makes (the veth moved there, found by the endpoint's MAC)."""
import json
import os
import re
import secrets
import socket
import subprocess
import time

from hostlib import (PF, PF_PCI, REPO, TOTALVFS, Env, UnixHTTPConnection, hexid, network_body, run,
                     seed_endpoint, vf_netdev, vf_pci)

NET = hexid("a")
EP_HOST = hexid("1")   # VF 0, not joined: its veth in the daemon's namespace
EP_SB = hexid("2")     # VF 1, joined: its veth in a sandbox namespace
MAC_HOST = "02:42:0a:09:00:0a"
MAC_SB = "02:42:0a:09:00:0b"
SEND = 37              # frames sent to each VF: a count no other traffic makes
SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """[(name, {labels}, value)] of a text-format page (comments skipped)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        if not m:
            raise ValueError("not a sample line: %r" % line)
        out.append((m.group(1), dict(LABEL.findall(m.group(3) or "")), float(m.group(4))))
    return out


def find(samples, name, **labels):
    return [(l, v) for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items())]


def value(samples, name, **labels):
    got = find(samples, name, **labels)
    return got[0][1] if len(got) == 1 else None


def get(sock, path="/metrics", method="GET"):
    conn = UnixHTTPConnection(sock, timeout=20)
    try:
        conn.request(method, path, headers={"Host": "localhost"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def promtool():
    p = subprocess.run(["bash", os.path.join(REPO, "scripts", "promtool.sh")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=600)
    return p.stdout.strip() if p.returncode == 0 else None


def promtool_check(tool, text):
    p = subprocess.run([tool, "check", "metrics"], input=text, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    return p.returncode == 0, p.stdout


def send_frames(env, ifname, dst_mac, count, netns=None):
    """count Ethernet frames (type 0x88b5, local experimental) out of ifname towards dst_mac."""
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
            "s.bind((sys.argv[1],0))\n"
            "f=bytes.fromhex(sys.argv[2].replace(':',''))+bytes.fromhex('020000000001')+b'\\x88\\xb5'+bytes(50)\n"
            "[s.send(f) for _ in range(int(sys.argv[3]))]\n")
    run(["ip", "netns", "exec", netns or env.ns, "python3", "-c", code, ifname, dst_mac, str(count)])


def status_json(env):
    p = subprocess.run([env.plugin_bin, "status", "--json", "--socket", env.sock], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    return json.loads(p.stdout) if p.returncode == 0 else None


def status_table(env):
    p = subprocess.run([env.plugin_bin, "status", "--socket", env.sock], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    return p.stdout


def endpoint_entry(st, ep_id):
    for n in (st or {}).get("networks", []):
        for e in n.get("endpoint_list", []):
            if e.get("id") == ep_id:
                return e
    return None


def pf_entry(st):
    for p in (st or {}).get("pfs", []):
        if p.get("pci") == PF_PCI:
            return p
    return None


def test_metrics(env, r, sandbox):
    msock = os.path.join(env.tmp, "metrics.sock")
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    seed_endpoint(env, NET, EP_HOST, 0, mac=MAC_HOST)
    seed_endpoint(env, NET, EP_SB, 1, mac=MAC_SB, joined=True, sandbox="/var/run/netns/" + sandbox,
                  joined_at=int(time.time()))
    # VF 1's netdev goes into the sandbox (dockerd's move at Join) and keeps the endpoint's MAC
    env.ns_run("ip", "link", "set", vf_netdev(1), "address", MAC_SB, "netns", sandbox)
    run(["ip", "netns", "exec", sandbox, "ip", "link", "set", vf_netdev(1), "name", "eth0", "up"])
    for i in (0, 2, 3):
        env.ns_run("ip", "link", "set", vf_netdev(i) + "p", "up")
    env.ns_run("ip", "link", "set", vf_netdev(1) + "p", "up")
    env.ns_run("ip", "link", "set", vf_netdev(0), "address", MAC_HOST, "up")
    env.ns_run("ip", "link", "set", vf_netdev(3), "up")  # up on the host, not ours: foreign
    env.start(extra=["--metrics-addr", "unix:" + msock])

    status, headers, text = get(msock)
    r.check(status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
            "GET /metrics: 200, text format 0.0.4", (status, headers))
    before = parse(text)
    send_frames(env, vf_netdev(0) + "p", MAC_HOST, SEND)
    send_frames(env, vf_netdev(1) + "p", MAC_SB, SEND)
    time.sleep(0.2)
    status, _, text = get(msock)
    after = parse(text)
    tool = promtool()
    r.check(tool is not None, "promtool fetched (scripts/promtool.sh)")
    if tool:
        ok, out = promtool_check(tool, text)
        r.check(ok, "promtool check metrics passes on the live page", out[:1500])

    common = {"pf": PF, "network": NET, "vlan": "100"}
    for ep, vf, where in ((EP_HOST, 0, "host namespace"), (EP_SB, 1, "sandbox")):
        labels = dict(common, endpoint=ep, vf=str(vf), pci=vf_pci(vf), source="netdev")
        b = value(before, "sriov_vf_rx_packets_total", **labels)
        a = value(after, "sriov_vf_rx_packets_total", **labels)
        r.check(b is not None and a is not None and a - b >= SEND,
                "VF %d (%s): rx packets grew by >= %d, labelled pf/vf/pci/network/endpoint/vlan/source" %
                (vf, where, SEND), (b, a, [s for s in after if s[0] == "sriov_vf_rx_packets_total"]))
        rb = value(after, "sriov_vf_rx_bytes_total", **labels)
        r.check(rb is not None and rb >= SEND * 64, "VF %d: rx bytes counted" % vf, rb)
        r.check(value(after, "sriov_vf_rx_dropped_total", **labels) is not None and
                value(after, "sriov_vf_tx_packets_total", **labels) is not None,
                "VF %d: tx packets and drops present" % vf)
    free_vf = find(after, "sriov_vf_rx_packets_total", vf="2")
    r.check(len(free_vf) == 1 and free_vf[0][0].get("endpoint", "") == "" and
            free_vf[0][0].get("source") == "netdev", "a free VF's counters: its netdev, no endpoint label",
            free_vf)
    pool = {s: value(after, "sriov_pf_vfs", pf=PF, pci=PF_PCI, state=s)
            for s in ("in_use", "released", "free", "foreign", "unusable")}
    r.check(pool == {"in_use": 2, "released": 0, "free": 1, "foreign": 1, "unusable": 0},
            "pool gauges: 2 in use, 1 free, 1 foreign (up on the host)", pool)
    r.check(value(after, "sriov_pf_vfs_enabled", pf=PF) == TOTALVFS, "VFs enabled gauge")
    r.check(value(after, "sriov_network_endpoints", network=NET, pci=PF_PCI) == 2,
            "network endpoints gauge", find(after, "sriov_network_endpoints"))
    r.check(value(after, "sriov_network_vfs_free", network=NET, pci=PF_PCI) == 1, "network free VFs gauge")
    r.check(value(after, "sriov_pf_up", pf=PF) == 1, "PF up gauge")
    r.check(len(find(after, "sriov_build_info")) == 1 and find(after, "sriov_build_info")[0][0].get("version"),
            "build info with the version")
    r.check(value(after, "sriov_vf_info", vf="1", endpoint=EP_SB, role="in_use") == 1, "VF info: role and owner")

    # API calls: counted per method and outcome, exactly
    def calls(samples, method, outcome="ok"):
        return value(samples, "sriov_api_requests_total", method=method, outcome=outcome) or 0
    for _ in range(5):
        env.call("NetworkDriver.GetCapabilities")
    for _ in range(2):
        env.call("NetworkDriver.CreateEndpoint", raw=b"{not json")
    env.call("NetworkDriver.EndpointOperInfo", {"NetworkID": NET, "EndpointID": EP_SB})
    env.call("NetworkDriver.NoSuchMethod", {})
    _, _, text = get(msock)
    later = parse(text)
    r.check(calls(later, "NetworkDriver.GetCapabilities") - calls(after, "NetworkDriver.GetCapabilities") == 5,
            "5 GetCapabilities counted (answered from the constant response)")
    r.check(calls(later, "NetworkDriver.CreateEndpoint", "invalid") - calls(after, "NetworkDriver.CreateEndpoint",
                                                                           "invalid") == 2,
            "2 invalid CreateEndpoint counted as outcome=invalid")
    r.check(calls(later, "NetworkDriver.EndpointOperInfo") - calls(after, "NetworkDriver.EndpointOperInfo") == 1,
            "1 EndpointOperInfo counted")
    r.check((value(later, "sriov_api_unknown_requests_total") or 0) -
            (value(after, "sriov_api_unknown_requests_total") or 0) == 1, "unknown method counted")
    r.check((value(later, "sriov_errors_total", kind="invalid") or 0) -
            (value(after, "sriov_errors_total", kind="invalid") or 0) == 2, "errors by kind")
    count = value(later, "sriov_api_request_duration_seconds_count", method="NetworkDriver.EndpointOperInfo")
    r.check(count == calls(later, "NetworkDriver.EndpointOperInfo"), "latency histogram count = calls", count)

    # status --json and the table
    st = status_json(env)
    e = endpoint_entry(st, EP_SB)
    c = (e or {}).get("counters") or {}
    r.check(c.get("rx_packets", 0) >= SEND and c.get("source", {}).get("rx_packets") == "netdev" and
            "rx_bytes" in c and "tx_bytes" in c and "tx_packets" in c and "rx_dropped" in c and "tx_dropped" in c,
            "status --json: the sandboxed endpoint's raw counters and their sources", e)
    e = endpoint_entry(st, EP_HOST)
    r.check(((e or {}).get("counters") or {}).get("rx_packets", 0) >= SEND, "status --json: host endpoint counters", e)
    p = pf_entry(st)
    r.check(p and p.get("pool") == {"in_use": 2, "released": 0, "free": 1, "foreign": 1, "unusable": 0} and
            "carrier" in p and "speed_mbps" in p, "status --json: PF pool, carrier and speed", p)
    table = status_table(env)
    r.check("VFs in use 2, free 1, foreign 1, unusable 0" in table and EP_SB[:12] in table and
            re.search(r"\b%d\b" % SEND, table) is not None, "status table: pool line and traffic rows", table[-1500:])

    # docker rm: the endpoint's series go, the pool goes back
    x = env.call("NetworkDriver.DeleteEndpoint", {"NetworkID": NET, "EndpointID": EP_HOST})
    r.check(x.status == 200, "DeleteEndpoint", x)
    env.ns_run("ip", "link", "set", vf_netdev(0), "down")  # dockerd's netns teardown leaves it down
    _, _, text = get(msock)
    gone = parse(text)
    r.check(not [s for s in gone if s[1].get("endpoint") == EP_HOST], "the deleted endpoint's series are gone",
            [s for s in gone if s[1].get("endpoint") == EP_HOST][:3])
    r.check(value(gone, "sriov_pf_vfs", pf=PF, state="in_use") == 1 and
            value(gone, "sriov_pf_vfs", pf=PF, state="free") == 2, "pool gauges back: 1 in use, 2 free",
            find(gone, "sriov_pf_vfs"))
    r.check(value(gone, "sriov_vf_events_total", event="given_back") - value(later, "sriov_vf_events_total",
                                                                         event="given_back") == 1,
            "given_back event counted")
    r.check(re.search(r" event=given_back network=%s endpoint=%s pf=%s pf_pci=%s vf=0 vf_pci=%s" %
                      (NET, EP_HOST, PF, PF_PCI, re.escape(vf_pci(0))), env.log()) is not None,
            "the give-back is one structured line with its fields", env.log()[-1500:])

    # read-only, and nothing else
    status, _, _ = get(msock, method="POST")
    r.check(status == 405, "POST /metrics: 405", status)
    status, _, _ = get(msock, path="/")
    r.check(status == 404, "GET /: 404", status)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    r.check(not os.path.exists(msock), "metrics socket removed at stop")


def test_sandbox_key_not_a_netns(env, r, sandbox):
    """A confined service (its own mount namespace, made before dockerd bind-mounted the key) sees
    a SandboxKey as a plain file: the netdev is still found, in the namespace the kernel gave our
    namespace an id for when the link moved there."""
    env.start()
    x = env.call("NetworkDriver.CreateNetwork", network_body(NET, {"pf_iface": PF, "vlanid": "100"}))
    r.check(x.status == 200, "CreateNetwork", x)
    r.check(env.stop() == 0, "SIGTERM exits 0")
    key = os.path.join(env.tmp, "plain-sandbox-key")
    open(key, "w").close()
    seed_endpoint(env, NET, EP_SB, 1, mac=MAC_SB, joined=True, sandbox=key, joined_at=int(time.time()))
    env.ns_run("ip", "link", "set", vf_netdev(1), "address", MAC_SB, "netns", sandbox)
    run(["ip", "netns", "exec", sandbox, "ip", "link", "set", vf_netdev(1), "name", "eth0", "up"])
    env.ns_run("ip", "link", "set", vf_netdev(1) + "p", "up")
    env.start()
    send_frames(env, vf_netdev(1) + "p", MAC_SB, SEND)
    time.sleep(0.2)
    e = endpoint_entry(status_json(env), EP_SB)
    c = (e or {}).get("counters") or {}
    r.check((c.get("rx_packets") or 0) >= SEND and c.get("in_sandbox") is True and c.get("netdev") == "eth0",
            "status --json: a sandboxed netdev's counters when its SandboxKey is no netns to the daemon", e)
    r.check(env.stop() == 0, "SIGTERM exits 0")


def test_tcp_and_options(env, r):
    env.start(extra=["--metrics-addr", ":19464"])
    code = ("import urllib.request\n"
            "r=urllib.request.urlopen('http://127.0.0.1:19464/metrics',timeout=20)\n"
            "print(r.status, r.headers['Content-Type'])\n")
    p = run(["ip", "netns", "exec", env.ns, "python3", "-c", code], check=False)
    r.check(p.returncode == 0 and p.stdout.startswith("200 text/plain; version=0.0.4"),
            "--metrics-addr :PORT serves 127.0.0.1:PORT", (p.stdout, p.stderr[-300:]))
    r.check(env.stop() == 0, "SIGTERM exits 0")
    for bad, why in (("nohost", "expected HOST:PORT"), ("127.0.0.1:0", "port must be 1-65535"),
                     ("unix:relative", "absolute path")):
        p = subprocess.run(env.command(extra=["--metrics-addr", bad]), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=30)
        r.check(p.returncode == 2 and why in p.stdout, "--metrics-addr %s refused: %s" % (bad, why), p.stdout)


def test_log_by_priority(env, r):
    """Errors and warnings on stderr, information on stdout (a managed plugin's stderr is filed
    by dockerd at level=error)."""
    out_path, err_path = os.path.join(env.tmp, "out.log"), os.path.join(env.tmp, "err.log")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(env.command(), stdout=out, stderr=err)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not os.path.exists(env.sock):
            time.sleep(0.05)
        time.sleep(0.2)
        env.call("NetworkDriver.CreateNetwork", network_body(hexid("e"), {"pf_iface": "nosuch0"}))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with open(out_path, errors="replace") as f:
        out = f.read()
    with open(err_path, errors="replace") as f:
        err = f.read()
    r.check(" info sriov-plugin " in out and " serving on " in out, "information goes to stdout", out[-500:])
    r.check(re.search(r" error .*nosuch0", err) is not None, "an error goes to stderr", err[-500:])
    r.check(not re.search(r"^\S+ (info|debug) ", err, re.M), "nothing but errors and warnings on stderr",
            err[-800:])


def run_all(r):
    sandbox = "sriovsb-" + secrets.token_hex(4)
    with Env() as env:
        run(["ip", "netns", "add", sandbox])
        try:
            env.start()
            test_metrics(env, r, sandbox)
        finally:
            run(["ip", "netns", "del", sandbox], check=False)
    sandbox = "sriovsb-" + secrets.token_hex(4)
    with Env() as env:
        run(["ip", "netns", "add", sandbox])
        try:
            test_sandbox_key_not_a_netns(env, r, sandbox)
        finally:
            run(["ip", "netns", "del", sandbox], check=False)
    with Env() as env:
        test_tcp_and_options(env, r)
        test_log_by_priority(env, r)
