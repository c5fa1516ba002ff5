#!/usr/bin/env python3
"""Verify Kezek's public audit chain yourself, with nothing but Python 3's standard library.

    python3 verify_audit.py https://kezek.example.kz [--checkpoints saved.json] [--limit 1000]

1. Reads the chain head (GET /api/v1/audit/head) and every published daily checkpoint
   (GET /api/v1/audit/checkpoints, all pages).
2. Downloads the whole feed (GET /api/v1/audit/events?after_seq=…&limit=…, following
   next_after_seq) and re-computes every hash as DESIGN §8 defines it:
   hash = SHA-256(prev_hash + canonical JSON of the record without "hash"), lowercase hex, where the
   canonical JSON has sorted keys, no spaces and UTF-8 text, the first prev_hash is 64 zeros, and
   seq runs 1, 2, 3, … without gaps.
3. The head and every checkpoint (published, and those of --checkpoints FILE, a copy of the
   checkpoints JSON saved earlier) must name an event of the verified chain with the same hash: a
   rewritten day or a chain cut short fails.

Prints "ok: N events, head <hash>" and exits 0, or "broken at seq S: why" and exits 1.
"""
import argparse
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

GENESIS = "0" * 64
TIMEOUT = 60


class Broken(Exception):
    def __init__(self, seq: int, why: str):
        super().__init__(f"broken at seq {seq}: {why}")
        self.seq = seq


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def get(base: str, path: str, **query):
    url = f"{base.rstrip('/')}/api/v1/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "verify_audit"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.loads(response.read().decode("utf-8"))


def published_checkpoints(base: str) -> list[dict]:
    found, page = [], 1
    while True:
        body = get(base, "audit/checkpoints", page=page, per_page=100)
        found.extend(body["items"])
        if not body["items"] or len(found) >= body["total"]:
            return found
        page += 1


def saved_checkpoints(path: str) -> list[dict]:
    """A file saved from /audit/checkpoints: the response itself, or a list of its items."""
    with open(path, encoding="utf-8") as handle:
        body = json.load(handle)
    return body["items"] if isinstance(body, dict) else body


def expected_hashes(head: dict, checkpoints: list[dict]) -> dict[int, tuple[str, str]]:
    """seq → (hash it must have, where that was published)."""
    wanted = {}
    for point in checkpoints:
        wanted[int(point["seq"])] = (point["hash"], f"checkpoint of {point['day']}")
    if head["seq"]:
        wanted[int(head["seq"])] = (head["hash"], "head")
    return wanted


def verify(base: str, limit: int, extra_checkpoints: list[dict]) -> tuple[int, str]:
    """(number of events, head hash) of a chain that holds; raises Broken at the first fault."""
    head = get(base, "audit/head")
    wanted = expected_hashes(head, published_checkpoints(base) + extra_checkpoints)
    seq, prev, after = 0, GENESIS, 0
    while True:
        body = get(base, "audit/events", after_seq=after, limit=limit)
        for record in body["items"]:
            seq += 1
            claimed = record.pop("hash", None)
            if record.get("seq") != seq:
                raise Broken(seq, f"expected seq {seq}, the feed gives {record.get('seq')}")
            if record.get("prev_hash") != prev:
                raise Broken(seq, "prev_hash is not the hash of the event before")
            computed = hashlib.sha256((prev + canonical_json(record)).encode("utf-8")).hexdigest()
            if computed != claimed:
                raise Broken(seq, "the record does not hash to its hash")
            if seq in wanted and wanted[seq][0] != computed:
                raise Broken(seq, f"differs from the {wanted[seq][1]}")
            prev = computed
        after = body.get("next_after_seq")
        if after is None:
            break
    missing = sorted(s for s in wanted if s > seq)
    if missing:
        raise Broken(seq + 1, f"the chain ends at seq {seq}, but the {wanted[missing[-1]][1]} "
                              f"names seq {missing[-1]}")
    return seq, prev


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", help="the site, e.g. https://kezek.example.kz")
    parser.add_argument("--checkpoints", metavar="FILE", help="checkpoints JSON saved earlier, to compare too")
    parser.add_argument("--limit", type=int, default=1000, help="events per request (at most 1000)")
    args = parser.parse_args(argv)
    extra = saved_checkpoints(args.checkpoints) if args.checkpoints else []
    try:
        count, head = verify(args.base_url, max(1, min(args.limit, 1000)), extra)
    except Broken as broken:
        print(str(broken))
        return 1
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        print(f"could not read the feed from {args.base_url}: {error}")
        return 1
    print(f"ok: {count} events, head {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
