"""A client that talks to the plugin exactly as dockerd does.

POST /<Method> over the Unix socket, Accept: application/vnd.docker.plugins.v1.2+json, body = Go's
json.Encoder output (compact JSON + "\\n"), empty body for the argument-less calls. Every call is bounded
by a timeout. Shared by the host and test-bed suites.
"""
import http.client
import json
import socket

ACCEPT = "application/vnd.docker.plugins.v1.2+json"
NO_BODY = {"Plugin.Activate", "NetworkDriver.GetCapabilities", "IpamDriver.GetCapabilities",
           "IpamDriver.GetDefaultAddressSpaces"}


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("plugin.moby.localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def go_json(obj):
    """Compact JSON with a trailing newline, as Go's json.Encoder writes it."""
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


class PluginClient:
    def __init__(self, path, timeout=60):
        self.path = path
        self.timeout = timeout

    def raw(self, method, body=b"", http_method="POST", headers=None):
        """Returns (status, parsed JSON or None, raw bytes)."""
        conn = UnixHTTPConnection(self.path, self.timeout)
        try:
            h = {"Accept": ACCEPT}
            if headers:
                h.update(headers)
            conn.request(http_method, "/" + method, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return resp.status, parsed, data

    def call(self, method, args=None):
        """(status, JSON) for a well-formed call; args None = empty body."""
        body = b"" if args is None else go_json(args)
        status, parsed, _ = self.raw(method, body)
        return status, parsed


def docker_create_network(net_id, generic, pool="192.168.0.0/24", gateway="192.168.0.1/24", internal=False,
                          ipv6=False):
    """A CreateNetwork body as dockerd 20.10+ sends it."""
    options = {"com.docker.network.enable_ipv6": ipv6, "com.docker.network.generic": generic}
    if internal:
        options["com.docker.network.internal"] = True
    v4 = {"AddressSpace": "LocalDefault", "Pool": pool}
    if gateway:
        v4["Gateway"] = gateway
    return {"NetworkID": net_id, "Options": options, "IPv4Data": [v4], "IPv6Data": []}


def docker_create_endpoint(net_id, ep_id, address="", mac=""):
    return {"NetworkID": net_id, "EndpointID": ep_id,
            "Interface": {"Address": address, "AddressIPv6": "", "MacAddress": mac},
            "Options": {"com.docker.network.endpoint.exposedports": [],
                        "com.docker.network.portmap": []}}


class Results:
    """ok/not ok lines and the closing `suite: N passed, N failed` line."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = 0

    def check(self, cond, desc, detail=""):
        if cond:
            self.passed += 1
            print("ok - " + desc, flush=True)
        else:
            self.failed += 1
            print("not ok - %s%s" % (desc, ("  [" + str(detail)[:400] + "]") if detail != "" else ""), flush=True)
        return bool(cond)

    def summary(self):
        if self.passed + self.failed == 0:
            self.check(False, "no assertion ran")
        print("%s: %d passed, %d failed" % (self.suite, self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 else 1


def sh(cmd):
    """A shell command with a bound on its time; output captured."""
    import subprocess
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)


def spawn_plugin(binary, sock, state_dir, log_path, extra=(), tries=200):
    """Starts the daemon (log appended to log_path) and waits until it answers Activate.
    Returns (process, answered); answered is False if it exited or never answered."""
    import subprocess
    import time
    client = PluginClient(sock, timeout=10)
    logf = open(log_path, "a")
    proc = subprocess.Popen([binary, "--socket", sock, "--state-dir", state_dir, *extra], stdout=logf, stderr=logf)
    logf.close()
    for _ in range(tries):
        if proc.poll() is not None:
            return proc, False
        try:
            if client.call("Plugin.Activate")[0] == 200:
                return proc, True
        except OSError:
            pass
        time.sleep(0.05)
    return proc, False
