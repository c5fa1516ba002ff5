"""Seeding time and peak memory of ``flask seed-demo`` (bar: 1,000,000 applications ≤ 5 min, ≤ 2 GB).

    python -m bench.seed [--backend sqlite|postgresql|URL] [--applications 1000000] [--seed 1]

The database is made fresh first (``flask db upgrade``); the clock is pinned at BENCH_NOW. Prints the
wall time of the seed-demo process, its peak RSS, the time of each phase it logs, and the summary.
"""
import argparse
import re
import resource
import subprocess
import sys
import time

from bench.common import ROOT, bench_env, database_url, fresh_database, machine

SEED_LIMIT_S, RSS_LIMIT_MB = 300, 2048


def run(url: str, applications: int, seed: int = 1) -> dict:
    fresh_database(url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo", "--applications", str(applications),
         "--seed", str(seed)],
        cwd=ROOT, env=bench_env(url), text=True, capture_output=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"seed-demo failed:\n{done.stdout}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    phases = dict(re.findall(r"seed-demo: (.+?) in ([\d.]+) s", done.stderr))
    return {"seconds": seconds, "rss_mb": max(peak, before) / 1024, "phases": phases, "summary": done.stdout.strip()}


def report(url: str, result: dict) -> str:
    verdict = "OK" if result["seconds"] <= SEED_LIMIT_S and result["rss_mb"] <= RSS_LIMIT_MB else "OVER the bar"
    phases = ", ".join(f"{name} {value} s" for name, value in result["phases"].items())
    return (f"seed-demo [{url.split(':')[0]}]: {result['seconds']:.1f} s wall, peak RSS {result['rss_mb']:.0f} MB"
            f"  {verdict}\n  phases: {phases}\n" + "\n".join("  " + row for row in result["summary"].splitlines()[:5]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.applications, args.seed)))


if __name__ == "__main__":
    main()
