"""Every benchmark of DESIGN §12 that needs a big queue, on each backend, in one go.

    python -m bench.run_all [--backends sqlite,postgresql] [--applications 1000000]

Per backend: seed a fresh database (timed, peak RSS), then position lookups, queue pages and
``distribute`` on it; then a freshly seeded one (a file copy on SQLite, a second seeding on
PostgreSQL) for the sweep, which changes thousands of rows. Figures are printed and kept as JSON in
bench/out/ (ignored by git). Databases: /tmp/kezek_bench.sqlite3 and PostgreSQL kezek_bench.
"""
import argparse
import json
import shutil
import time
from pathlib import Path

from bench import distribute, lookup, queue_page, seed, sweep
from bench.common import ROOT, backend_of, database_url, machine

OUT = ROOT / "bench" / "out"


def run_backend(url: str, applications: int, pristine: Path | None) -> dict:
    results = {"seed": seed.run(url, applications)}
    print(seed.report(url, results["seed"]), flush=True)
    if pristine is not None:  # SQLite: keep the seeded file to restore for the sweep
        shutil.copyfile(url.removeprefix("sqlite:///"), pristine)
    results["lookup"] = lookup.run(url)
    print(lookup.report(url, results["lookup"]), flush=True)
    results["queue_page"] = queue_page.run(url)
    print(queue_page.report(url, results["queue_page"]), flush=True)
    results["distribute"] = distribute.run(url)
    print(distribute.report(url, results["distribute"]), flush=True)
    if pristine is not None:
        shutil.copyfile(pristine, url.removeprefix("sqlite:///"))
        for suffix in ("-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        results["reseed"] = seed.run(url, applications)
    results["sweep"] = sweep.run(url)
    print(sweep.report(url, results["sweep"]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--applications", type=int, default=1_000_000)
    args = parser.parse_args()
    print(machine(), flush=True)
    OUT.mkdir(exist_ok=True)
    for backend in args.backends.split(","):
        url = database_url(backend)
        pristine = Path("/tmp/kezek_bench_pristine.sqlite3") if backend_of(url) == "sqlite" else None
        started = time.perf_counter()
        results = run_backend(url, args.applications, pristine)
        results["machine"] = machine()
        (OUT / f"{backend_of(url)}-{args.applications}.json").write_text(json.dumps(results, indent=2, default=str))
        print(f"[{backend}] all benchmarks in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
