"""Throughput under load (DESIGN §12): gunicorn with 2 workers, wrk on loopback, 8 connections.

    python -m bench.load [--backend sqlite|postgresql|URL] [--seed] [--applications 1000000]
                         [--duration 10] [--connections 8]

On an already seeded database (``--seed`` seeds a fresh one first), one run, one scenario after the
other, each ``--duration`` seconds after a short warm-up:

- ``trivial``: ``GET /healthz`` (one ``SELECT 1``): what the server does with no work at all;
- ``lookup``: ``GET /api/v1/queue/lookup?q=`` over 2,000 real numbers and IINs of waiting
  applications (half in the largest segment, one in three by IIN);
- ``page``: ``GET /api/v1/queue`` of the largest segment, a random page of 50 rows at any depth;
- ``registry``: ``GET /api/v1/kindergartens?per_page=20``, a random page;
- ``lookup, 1 client``: the lookups again with one connection, for the latency of one request.

Printed per scenario: requests/s, the ratio to the trivial route, p50/p95/p99 latency (wrk, so
including loopback), non-2xx answers; then the RSS of each gunicorn worker after the run.
Needs ``wrk`` (Debian: ``apt-get install -y wrk``). Rate limits are off, the clock pinned.
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, app_context, backend_of, bench_env, database_url, machine

LUA = ROOT / "bench" / "lua" / "paths.lua"
OUT = ROOT / "bench" / "out"
BARS = {"lookup": 0.5, "page": 0.25, "registry": 0.25}  # throughput ÷ trivial
RSS_BAR_MB = 150
ONE_CLIENT_P95_BAR_MS = 5
WARM_UP_S = 2


def sample_paths(url: str, rng: random.Random) -> dict[str, list[str]]:
    from sqlalchemy import func, select

    from bench.samples import lookup_queries
    from webapp.extensions import db
    from webapp.models import Kindergarten

    with app_context(url):
        queries, segment, size = lookup_queries(db.session, rng, 2000)
        kindergartens = db.session.scalar(select(func.count(Kindergarten.id)))
    pages = max(1, math.ceil(size / 50))
    where = f"locality={segment.locality_id}&language={segment.language}&birth_year={segment.birth_year}"
    return {
        "trivial": ["/healthz"],
        "lookup": [f"/api/v1/queue/lookup?q={q}" for q in queries],
        "page": [f"/api/v1/queue?{where}&per_page=50&page={rng.randint(1, pages)}" for _ in range(2000)],
        "registry": [f"/api/v1/kindergartens?per_page=20&page={page}"
                     for page in range(1, max(1, math.ceil(kindergartens / 20)) + 1)],
        "_segment": [f"{segment.locality_id}/{segment.language}/{segment.birth_year}: {size} waiting, "
                     f"{pages} pages of 50; {kindergartens} kindergartens"],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=bench_env(url),
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def wrk(port: int, paths_file: Path, seconds: int, connections: int) -> dict:
    threads = min(2, connections)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
         f"http://127.0.0.1:{port}"],
        env=dict(os.environ, WRK_PATHS=str(paths_file)), text=True, capture_output=True, check=True,
    )
    found = re.search(r"RESULT (.*)", done.stdout)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    figures = {key: int(value) for key, value in (pair.split("=") for pair in found.group(1).split())}
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def worker_rss_mb(master_pid: int) -> list[float]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                sizes.append(int(row.split()[1]) / 1024)
    return sizes


def run(url: str, seconds: int = 10, connections: int = 8, seed: int = 42) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    paths = sample_paths(url, random.Random(seed))
    port = free_port()
    server = start_server(url, port)
    results = {"segment": paths.pop("_segment")[0], "connections": connections, "seconds": seconds}
    try:
        with tempfile.TemporaryDirectory() as folder:
            files = {}
            for name, items in paths.items():
                files[name] = Path(folder) / f"{name}.txt"
                files[name].write_text("\n".join(items) + "\n")
            for name in paths:  # warm both workers' caches and connections on every route first
                wrk(port, files[name], WARM_UP_S, connections)
            for name in paths:
                results[name] = wrk(port, files[name], seconds, connections)
            results["lookup_one_client"] = wrk(port, files["lookup"], seconds, 1)
        results["worker_rss_mb"] = worker_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def report(url: str, result: dict) -> str:
    trivial = result["trivial"]["rps"]
    rows = [f"load [{backend_of(url)}]: gunicorn 2 workers, wrk {result['connections']} connections, "
            f"{result['seconds']} s each; largest segment {result['segment']}",
            f"  {'scenario':<18} {'req/s':>8} {'÷ trivial':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'non-2xx':>7}  bar"]
    for name in ("trivial", "lookup", "page", "registry", "lookup_one_client"):
        figures = result[name]
        ratio = figures["rps"] / trivial
        bar = ""
        if name in BARS:
            bar = f"≥ {BARS[name]:g}: " + ("OK" if ratio >= BARS[name] else "MISSED")
        if name == "lookup_one_client":
            p95 = figures["p95_us"] / 1000
            bar = f"p95 ≤ {ONE_CLIENT_P95_BAR_MS} ms: " + ("OK" if p95 <= ONE_CLIENT_P95_BAR_MS else "MISSED")
        rows.append(f"  {name:<18} {figures['rps']:>8.0f} {ratio:>9.2f} {figures['p50_us'] / 1000:>7.2f} "
                    f"{figures['p95_us'] / 1000:>7.2f} {figures['p99_us'] / 1000:>7.2f} "
                    f"{figures['status_errors'] + figures['errors']:>7}  {bar}")
    sizes = result["worker_rss_mb"]
    verdict = "OK" if sizes and max(sizes) <= RSS_BAR_MB else "MISSED"
    rows.append(f"  worker RSS after the run: {', '.join(f'{size:.0f} MB' for size in sizes)} "
                f"(bar ≤ {RSS_BAR_MB} MB: {verdict})")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--seed", action="store_true", help="Seed a fresh database first.")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine(), flush=True)
    if args.seed:
        from bench import seed

        print(seed.report(url, seed.run(url, args.applications)), flush=True)
    result = run(url, args.duration, args.connections)
    result["machine"] = machine()
    print(report(url, result))
    OUT.mkdir(exist_ok=True)
    (OUT / f"load-{backend_of(url)}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
