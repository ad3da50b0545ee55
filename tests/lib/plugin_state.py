#!/usr/bin/env python3
"""The one reader (and, for tests, writer) of sriov-plugin's state dir.

The plugin keeps one file per record (README, "State"):
    state.json              {"version": 2, ...}: the marker; the records are in
    networks/<id>.json      one network each
    endpoints/<id>.json     one endpoint each
    ipam.json               {"version": 2, "next_id": N, ...}: the marker of
    pools/<id>.json         one IPAM pool each
    journal/<n>.log         changes not yet written into those files (common/journal_format.h);
                            state.json says {"version": 3} while it may hold any: then the
                            commits are replayed over the files, oldest file first
An older plugin (version 1) kept everything in state.json / ipam.json; both are read.
A running plugin compacts its journal meanwhile: a read is retried until the journal was the
same before and after it.

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
import struct
import sys

STATE_KINDS = ("networks", "endpoints")
JOURNAL = "journal"
HEADER_SIZE, HEAD_SIZE = 4096, 24
COMMIT_MAGIC = 0x544D434A  # "JCMT"


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), as common/crc32c.c."""
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _journal_epochs(state_dir):
    folder = os.path.join(state_dir, JOURNAL)
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted((int(n[:-4]), os.path.join(folder, n)) for n in names if re.fullmatch(r"[1-9][0-9]*\.log", n))


def read_journal_file(path, last_seq=0):
    """The commits of one journal file up to its clean end or its first damage:
    ([(seq, [(op, path, text or None)], offset)], end offset, why damaged or None)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER_SIZE or data[:8] != b"SRIOVJNL":
        raise ValueError("%s: not a journal file" % path)
    if struct.unpack_from("<I", data, 24)[0] != crc32c(data[:24]):
        raise ValueError("%s: header checksum mismatch" % path)
    commits, pos = [], HEADER_SIZE
    while pos < len(data):
        head = data[pos:pos + HEAD_SIZE]
        if not any(head):
            rest = data[pos:]
            return commits, pos, None if rest.count(0) == len(rest) else "data after the end"
        if len(head) < HEAD_SIZE:
            return commits, pos, "cut short"
        magic, length, seq, count, crc = struct.unpack("<IIQII", head)
        payload = data[pos + HEAD_SIZE:pos + HEAD_SIZE + length]
        if magic != COMMIT_MAGIC or len(payload) != length:
            return commits, pos, "torn"
        if crc != crc32c(head[4:20], crc32c(payload)) or seq <= last_seq:
            return commits, pos, "checksum"
        entries, at = [], 0
        for _ in range(count):
            op, _, plen, tlen = struct.unpack_from("<BBHI", payload, at)
            name = payload[at + 8:at + 8 + plen].decode()
            text = payload[at + 8 + plen:at + 8 + plen + tlen].decode() if op == 1 else None
            entries.append((op, name, text))
            at += 8 + plen + tlen
        commits.append((seq, entries, pos))
        last_seq = seq
        pos += (HEAD_SIZE + length + 7) & ~7
    return commits, pos, None


def _journal(state_dir):
    """(what was read, {path: newest text or None}) of a version 3 state dir's journal."""
    top = _marker(os.path.join(state_dir, "state.json"))
    if not top or top.get("version") != 3:
        return (), {}
    key, images, last = [], {}, 0
    for epoch, path in _journal_epochs(state_dir):
        try:
            commits, end, _ = read_journal_file(path, last)
        except FileNotFoundError:
            key.append((epoch, "gone"))  # compacted meanwhile: read again
            continue
        key.append((epoch, end))
        for seq, entries, _ in commits:
            last = seq
            for _, name, text in entries:
                images[name] = text
    return tuple(key), images


def journal_commits(state_dir):
    """Commits the journal holds (not yet in the record files)."""
    n, last = 0, 0
    for _, path in _journal_epochs(state_dir):
        try:
            commits, _, _ = read_journal_file(path, last)
        except FileNotFoundError:
            continue
        n += len(commits)
        last = commits[-1][0] if commits else last
    return n


def _journal_ends(state_dir):
    """Each journal file and where its commits end, walking their heads only (no checksum):
    what changes when the plugin appends, switches files or compacts one."""
    out = []
    for epoch, path in _journal_epochs(state_dir):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            out.append((epoch, "gone"))
            continue
        pos = HEADER_SIZE
        while pos + HEAD_SIZE <= len(data):
            magic, length = struct.unpack_from("<II", data, pos)
            if magic != COMMIT_MAGIC:
                break
            pos += (HEAD_SIZE + length + 7) & ~7
        out.append((epoch, pos, data[:HEADER_SIZE]))
    return out


def _consistent(state_dir, read):
    """read(images) with the journal as it was before and after it (a running plugin compacts)."""
    for _ in range(50):
        before = _journal_ends(state_dir)
        out = read(_journal(state_dir)[1])
        if _journal_ends(state_dir) == before:
            return out
    return out


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def _marker(path):
    """The parsed file at path, or None when absent."""
    try:
        return _read_json(path)
    except FileNotFoundError:
        return None


def _records(folder, images=None):
    """Every <id>.json of folder, sorted by ID, with the journal's newer texts (images, keyed
    "<folder>/<id>.json") over them; .json.tmp files (a crash's leftovers) skipped."""
    kind = os.path.basename(folder)
    texts = {}
    for name in os.listdir(folder):
        if name.endswith(".json.tmp") or not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(folder, name)) as f:
                texts[name] = f.read()
        except FileNotFoundError:
            pass  # removed by the running plugin since the listing: it is gone
    for path, text in (images or {}).items():
        if path.startswith(kind + "/"):
            texts[path[len(kind) + 1:]] = text
    return [json.loads(texts[n]) for n in sorted(texts, key=lambda n: n[:-5]) if texts[n] is not None]


def load(state_dir):
    """Networks and endpoints, as state.json version 1 held them (None when no state)."""
    top = _marker(os.path.join(state_dir, "state.json"))
    if top is None:
        return None
    if top.get("version") == 1:
        return top
    return _consistent(state_dir, lambda images: {"version": 1, **{k: _records(os.path.join(state_dir, k), images)
                                                                   for k in STATE_KINDS}})


def _pool_order(pool):
    m = re.match(r"sriov-(\d+)-", pool.get("id", ""))
    return (int(m.group(1)) if m else float("inf"), pool.get("id", ""))


def load_ipam(state_dir):
    """Pools and next_id, as ipam.json version 1 held them (None when no IPAM state)."""
    def read(images):
        top = json.loads(images["ipam.json"]) if "ipam.json" in images else \
            _marker(os.path.join(state_dir, "ipam.json"))
        if top is None or top.get("version") == 1:
            return top
        pools = sorted(_records(os.path.join(state_dir, "pools"), images), key=_pool_order)
        return {"version": 1, "next_id": top.get("next_id"), "pools": pools}
    return _consistent(state_dir, read)


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


def compact(state_dir):
    """A stopped plugin's journal written into the record files (as the plugin would at its
    next start) and removed; state.json back to version 2. For tests that rewrite the state."""
    _, images = _journal(state_dir)
    for path, text in images.items():
        full = os.path.join(state_dir, path)
        if text is None:
            if os.path.lexists(full):
                os.unlink(full)
        else:
            _write_atomic(full, text)
    for _, path in _journal_epochs(state_dir):
        os.unlink(path)
    top = _marker(os.path.join(state_dir, "state.json"))
    if top and top.get("version") == 3:
        _write_atomic(os.path.join(state_dir, "state.json"),
                      json.dumps({"version": 2, "layout": "networks/<id>.json, endpoints/<id>.json"}, indent=1) + "\n")


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
    compact(state_dir)
    for kind in STATE_KINDS:
        _write_folder(os.path.join(state_dir, kind), doc.get(kind, []))
    _write_atomic(os.path.join(state_dir, "state.json"),
                  json.dumps({"version": 2, "layout": "networks/<id>.json, endpoints/<id>.json"}, indent=1) + "\n")


def save_ipam(state_dir, doc):
    """Writes doc ({"next_id": N, "pools": [...]}) as the plugin's layout."""
    compact(state_dir)
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
