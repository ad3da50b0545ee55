#!/usr/bin/env python3
"""Reads the plugin's /metrics page for the guest suites (t-metrics.sh):
  metrics_query.py fetch URL OUT              GET URL (http://HOST:PORT/metrics) into OUT; exit 1 unless 200
  metrics_query.py value PAGE NAME [k=v ...]  the one matching sample's value ("none" and exit 1 if not exactly one)
  metrics_query.py series PAGE [NAME] [k=v ...]  how many samples match (NAME "" = any name)
  metrics_query.py calls PAGE                 "METHOD COUNT" per method: sriov_api_requests_total over every outcome
  metrics_query.py get PAGE "VAR NAME [k=v ...]" ...   VAR=value per spec, for a shell's eval (one Python
                                              start for many values: Python starts slowly in a TCG guest);
                                              value "none" unless exactly one sample matches
  metrics_query.py status FILE EP PREFIX      PREFIX_vf, PREFIX_vf_pci and PREFIX_<counter> of endpoint EP in a
                                              `status --json` file, for a shell's eval"""
import json
import re
import sys
import urllib.request

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(path):
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            m = SERIES.match(line)
            if not m:
                sys.exit("not a sample line: %r" % line)
            yield m.group(1), dict(LABEL.findall(m.group(3) or "")), float(m.group(4))


def matching(path, name, want):
    return [v for n, labels, v in samples(path)
            if (not name or n == name) and all(labels.get(k) == w for k, w in want.items())]


def main():
    cmd = sys.argv[1]
    if cmd == "fetch":
        r = urllib.request.urlopen(sys.argv[2], timeout=30)
        with open(sys.argv[3], "wb") as f:
            f.write(r.read())
        return 0 if r.status == 200 else 1
    if cmd == "get":
        page = list(samples(sys.argv[2]))
        for spec in sys.argv[3:]:
            var, name, *labels = spec.split()
            want = dict(a.split("=", 1) for a in labels)
            found = [v for n, l, v in page if n == name and all(l.get(k) == w for k, w in want.items())]
            print("%s=%s" % (var, ("%d" % found[0] if found[0] == int(found[0]) else found[0]) if len(found) == 1
                             else "none"))
        return 0
    if cmd == "status":
        view = json.load(open(sys.argv[2]))
        ep = next((e for n in view["networks"] for e in n["endpoint_list"] if e["id"] == sys.argv[3]), {})
        out = {"vf": ep.get("vf"), "vf_pci": ep.get("vf_pci")}
        out.update((k, v) for k, v in (ep.get("counters") or {}).items() if not isinstance(v, dict))
        for k, v in out.items():
            print("%s_%s=%s" % (sys.argv[4], k, "none" if v is None else v))
        return 0
    if cmd == "calls":
        total = {}
        for n, labels, v in samples(sys.argv[2]):
            if n == "sriov_api_requests_total":
                total[labels["method"]] = total.get(labels["method"], 0) + int(v)
        for method in sorted(total):
            print(method, total[method])
        return 0
    want = dict(a.split("=", 1) for a in sys.argv[4:])
    found = matching(sys.argv[2], sys.argv[3], want)
    if cmd == "series":
        print(len(found))
        return 0
    if len(found) != 1:
        print("none")
        return 1
    print("%d" % found[0] if found[0] == int(found[0]) else found[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
