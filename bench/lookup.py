"""Position lookup (bar: p95 ≤ 25 ms server-side), on an already seeded database.

    python -m bench.lookup [--backend sqlite|postgresql|URL] [--samples 2000]

Random waiting applications, half of them in the largest segment, one query in three by IIN:
- ``service``: ``queue.find`` + ``queue.explain``, the two calls behind every lookup;
- ``api``: ``GET /api/v1/queue/lookup?q=`` through the Flask test client (routing, validation,
  JSON; no network), a new database session per request as in the web process.
"""
import argparse
import random

from bench.common import Timer, app_context, database_url, line, machine, peak_rss_mb
from bench.samples import lookup_queries

BAR_MS = 25
WARM_UP = 50


def run(url: str, samples: int = 2000, seed: int = 42) -> dict:
    from webapp.extensions import db
    from webapp.services import queue

    with app_context(url) as app:
        queries, segment, size = lookup_queries(db.session, random.Random(seed), samples)
        db.session.remove()
        def explained(query, explanation):
            assert explanation is not None, query
            db.session.remove()

        def answered(query, response):
            assert response.status_code == 200 and response.get_json()["position"], (query, response.data[:200])

        service = Timer.over(queries, WARM_UP, lambda q: queue.explain(db.session, queue.find(db.session, q)),
                             explained)
        client = app.test_client()
        api = Timer.over(queries, WARM_UP, lambda q: client.get(f"/api/v1/queue/lookup?q={q}"), answered)
    return {"segment": segment, "segment_size": size, "service": service.summary(), "api": api.summary()}


def report(url: str, result: dict) -> str:
    rows = [f"position lookup [{url.split(':')[0]}], largest segment {result['segment']} "
            f"({result['segment_size']} waiting):",
            "  " + line("queue.find + queue.explain", result["service"], BAR_MS)]
    rows.append("  " + line("GET /api/v1/queue/lookup", result["api"], BAR_MS))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.samples)))
    print(f"peak RSS of the benchmark process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
