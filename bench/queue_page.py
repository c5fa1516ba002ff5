"""A 50-row queue page (bar: p95 ≤ 50 ms) at random pages of the largest segment.

    python -m bench.queue_page [--backend sqlite|postgresql|URL] [--samples 500]

- ``queue.page``: the service (counts, then one ranked slice per tier);
- ``api``: ``GET /api/v1/queue?locality=&language=&birth_year=&page=&per_page=50`` through the Flask
  test client (the masked names, JSON), a new database session per request.
"""
import argparse
import math
import random

from bench.common import Timer, app_context, database_url, line, machine
from bench.samples import largest_segment

BAR_MS = 50
PER_PAGE = 50
WARM_UP = 20


def run(url: str, samples: int = 500, seed: int = 7) -> dict:
    from webapp.extensions import db
    from webapp.services import queue

    rng = random.Random(seed)
    with app_context(url) as app:
        segment, size = largest_segment(db.session)
        pages = [rng.randint(1, math.ceil(size / PER_PAGE)) for _ in range(samples)]
        db.session.remove()
        def in_order(number, page):
            total, rows = page
            assert total == size and len(rows) == min(PER_PAGE, size - (number - 1) * PER_PAGE)
            first = (number - 1) * PER_PAGE + 1
            assert [p for p, _ in rows] == list(range(first, first + len(rows)))
            db.session.remove()

        def answered(number, response):
            assert response.status_code == 200 and response.get_json()["items"], response.data[:200]

        service = Timer.over(pages, WARM_UP, lambda n: queue.page(db.session, segment, n, PER_PAGE), in_order)
        client = app.test_client()
        query = f"locality={segment.locality_id}&language={segment.language}&birth_year={segment.birth_year}"
        api = Timer.over(pages, WARM_UP, lambda n: client.get(f"/api/v1/queue?{query}&page={n}&per_page={PER_PAGE}"),
                         answered)
    return {"segment": segment, "segment_size": size, "service": service.summary(), "api": api.summary()}


def report(url: str, result: dict) -> str:
    rows = [f"queue page of 50 [{url.split(':')[0]}], largest segment {result['segment']} "
            f"({result['segment_size']} waiting), random pages:",
            "  " + line("queue.page", result["service"], BAR_MS)]
    rows.append("  " + line("GET /api/v1/queue", result["api"], BAR_MS))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.samples)))


if __name__ == "__main__":
    main()
