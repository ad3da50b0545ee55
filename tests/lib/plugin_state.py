#!/usr/bin/env python3
"""The one reader (and, for tests, writer) of sriov-plugin's state dir.

The plugin keeps one file per record (README, "State"):
    state.json              {"version": 2, ...}: the marker; the records are in
    networks/<id>.json      one network each
    endpoints/<id>.json     one endpoint each
    ipam.json               {"version": 2, "next_id": N, ...}: the marker of
    pools/<id>.json         one IPAM pool each
An older plugin (version 1) kept everything in state.json / ipam.json; both are read.

load(state_dir)      -> {"version": 1, "networks": [...], "endpoints": [...]}
load_ipam(state_dir) -> {"version": 1, "next_id": N, "pools": [...]}
i.e. the shape the single files had, so callers need not know the layout. Records come
sorted by ID (pools in request order). A missing state gives None.

Command line (for shell suites):
    python3 tests/lib/plugin_state.py STATE_DIR [state|networks|endpoints|ipam|pools] [count]
prints that part as JSON (default: state), or with "count" how many entries it has;
exit 1 (message on stderr) when it cannot be read, 2 on bad usage.
"""
import json
import os
import re
import sys

STATE_KINDS = ("networks", "endpoints")


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def _marker(path):
    """The parsed file at path, or None when absent."""
    try:
        return _read_json(path)
    except FileNotFoundError:
        return None


def _records(folder):
    """Every <id>.json of folder, sorted by ID; .json.tmp files (a crash's leftovers) skipped."""
    out = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json.tmp") or not name.endswith(".json"):
            continue
        try:
            out.append(_read_json(os.path.join(folder, name)))
        except FileNotFoundError:
            pass  # removed by the running plugin since the listing: it is gone
    return out


def load(state_dir):
    """Networks and endpoints, as state.json version 1 held them (None when no state)."""
    top = _marker(os.path.join(state_dir, "state.json"))
    if top is None:
        return None
    if top.get("version") == 1:
        return top
    return {"version": 1, **{k: _records(os.path.join(state_dir, k)) for k in STATE_KINDS}}


def _pool_order(pool):
    m = re.match(r"sriov-(\d+)-", pool.get("id", ""))
    return (int(m.group(1)) if m else float("inf"), pool.get("id", ""))


def load_ipam(state_dir):
    """Pools and next_id, as ipam.json version 1 held them (None when no IPAM state)."""
    top = _marker(os.path.join(state_dir, "ipam.json"))
    if top is None:
        return None
    if top.get("version") == 1:
        return top
    pools = sorted(_records(os.path.join(state_dir, "pools")), key=_pool_order)
    return {"version": 1, "next_id": top.get("next_id"), "pools": pools}


# ---- writing, for tests that seed a stopped plugin's state ----

def _write_atomic(path, text):
    """tmp + rename, as the plugin does (no fsync: a test's seed need not survive a power cut)."""
    tmp = path + ".tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def _write_folder(folder, records):
    os.makedirs(folder, mode=0o700, exist_ok=True)
    keep = set()
    for rec in records:
        name = rec["id"] + ".json"
        keep.add(name)
        _write_atomic(os.path.join(folder, name), json.dumps(rec, indent=1, sort_keys=True) + "\n")
    for name in os.listdir(folder):
        if name not in keep:
            os.unlink(os.path.join(folder, name))


def save(state_dir, doc):
    """Writes doc ({"networks": [...], "endpoints": [...]}) as the plugin's layout."""
    for kind in STATE_KINDS:
        _write_folder(os.path.join(state_dir, kind), doc.get(kind, []))
    _write_atomic(os.path.join(state_dir, "state.json"),
                  json.dumps({"version": 2, "layout": "networks/<id>.json, endpoints/<id>.json"}, indent=1) + "\n")


def save_ipam(state_dir, doc):
    """Writes doc ({"next_id": N, "pools": [...]}) as the plugin's layout."""
    _write_folder(os.path.join(state_dir, "pools"), doc.get("pools", []))
    _write_atomic(os.path.join(state_dir, "ipam.json"),
                  json.dumps({"version": 2, "next_id": doc.get("next_id", 1), "layout": "pools/<id>.json"},
                             indent=2) + "\n")


def main(argv):
    parts = {"state": lambda d: load(d), "networks": lambda d: (load(d) or {}).get("networks"),
             "endpoints": lambda d: (load(d) or {}).get("endpoints"), "ipam": lambda d: load_ipam(d),
             "pools": lambda d: (load_ipam(d) or {}).get("pools")}
    count = len(argv) == 4 and argv[3] == "count"
    if len(argv) not in (2, 3, 4) or (len(argv) >= 3 and argv[2] not in parts) or (len(argv) == 4 and not count):
        print("usage: %s STATE_DIR [%s] [count]" % (argv[0], "|".join(parts)), file=sys.stderr)
        return 2
    try:
        out = parts[argv[2] if len(argv) >= 3 else "state"](argv[1])
    except (OSError, ValueError) as e:
        print("%s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    if out is None:
        print("%s: no saved state there" % argv[1], file=sys.stderr)
        return 1
    if count:
        print(len(out))
        return 0
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
