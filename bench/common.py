"""What the benchmarks share: throw-away databases, the app, the pinned clock, percentiles.

Every benchmark runs against a database seeded by ``flask seed-demo`` at ``BENCH_NOW`` (see
bench/README.md). Rate limits are off (``KEZEK_RATELIMIT_ENABLED=false``): the benchmarks measure the
server's work, not the limiter.
"""
import os
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_NOW = "2026-11-25T04:00:00Z"  # a Wednesday, 09:00 in Almaty; the same "now" as the tests
DATABASES = {
    "sqlite": "sqlite:////tmp/kezek_bench.sqlite3",
    "postgresql": "postgresql://postgres@127.0.0.1:5432/kezek_bench",
}


def database_url(backend_or_url: str) -> str:
    return DATABASES.get(backend_or_url, backend_or_url)


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


def bench_env(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, KEZEK_RATELIMIT_ENABLED="false", KEZEK_CLOCK_NOW=BENCH_NOW,
               KEZEK_SECRET_KEY="bench-only-not-secret",
               KEZEK_INLINE_SWEEP_INTERVAL="0", FLASK_APP="wsgi")
    env.pop("REDIS_URL", None)  # jobs inline; the benchmarks replace the runner where it matters
    return env


def flask(url: str, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    return subprocess.run(command, cwd=ROOT, env=bench_env(url), check=True, text=True,
                          capture_output=capture)


def fresh_database(url: str) -> None:
    """An empty schema at the latest migration: the SQLite file is removed, the PostgreSQL database
    (which must be a scratch one: kezek_bench) dropped and created again."""
    if backend_of(url) == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    flask(url, "db", "upgrade")


def make_app(url: str):
    from webapp import create_app
    from webapp.services import clock

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "REDIS_URL": None, "INLINE_SWEEP_INTERVAL": 0, "TESTING": True})
    clock.set(BENCH_NOW)
    return app


@contextmanager
def app_context(url: str):
    """The app for ``url`` inside its app context; the engine's connections are closed on the way
    out, so that the benchmark database can be replaced (a file copy on SQLite) afterwards."""
    from webapp.extensions import db

    app = make_app(url)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@contextmanager
def jobs_recorded():
    """Replace the task runner by a recorder: what Redis would queue is counted, not run here, so a
    benchmark times the transaction itself (as in production, where workers do the rest)."""
    from webapp.services import tasks

    recorded: list = []
    previous = tasks._runner
    tasks.set_runner(lambda name, args: recorded.append(name))
    try:
        yield recorded
    finally:
        tasks.set_runner(previous)


class Timer:
    def __init__(self):
        self.samples: list[float] = []

    @contextmanager
    def measure(self):
        started = time.perf_counter()
        yield
        self.samples.append((time.perf_counter() - started) * 1000)

    def summary(self) -> dict:
        return summary(self.samples)

    @classmethod
    def over(cls, items: list, warm_up: int, measured, after) -> "Timer":
        """Time ``measured(item)`` for each item after ``warm_up`` discarded runs of the first ones;
        ``after(item, result)`` (checks, clean-up) runs untimed."""
        timer = cls()
        for n, item in enumerate(items[:warm_up] + items):
            with timer.measure():
                result = measured(item)
            after(item, result)
            if n < warm_up:
                timer.samples.clear()
        return timer


def summary(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"count": 0}

    def pick(p):
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return {"count": len(ordered), "p50": pick(50), "p95": pick(95), "p99": pick(99), "max": ordered[-1],
            "mean": statistics.fmean(ordered)}


def line(label: str, stats: dict, bar: float | None = None) -> str:
    if not stats.get("count"):
        return f"{label}: no samples"
    verdict = "" if bar is None else ("  OK" if stats["p95"] <= bar else f"  OVER the {bar:g} ms bar")
    return (f"{label}: n={stats['count']} p50={stats['p50']:.2f} ms p95={stats['p95']:.2f} ms "
            f"p99={stats['p99']:.2f} ms max={stats['max']:.2f} ms{verdict}")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpus = os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    model = ""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpus} cores ({model}), load average {load}, Python {sys.version.split()[0]}"
