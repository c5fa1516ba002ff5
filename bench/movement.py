""""Movement explained" and the waiting-time estimate on the lookup page (bar: p95 ≤ 5 ms for both
together), on an already seeded database.

    python -m bench.movement [--backend sqlite|postgresql|URL] [--samples 1000]

Random waiting applications of the largest segment. The page has already called ``queue.find`` and
``queue.explain`` for the position; what is timed is what the two pieces add on top:
``movement.of(…, explanation)`` + ``estimate.for_application(…, explanation)``, a new database
session per sample as in the web process. The lookup itself is measured by bench.lookup.
"""
import argparse
import random

from bench.common import Timer, app_context, database_url, line, machine, peak_rss_mb
from bench.samples import largest_segment, waiting_applications

BAR_MS = 5
WARM_UP = 50


def run(url: str, samples: int = 1000, seed: int = 42) -> dict:
    from webapp.extensions import db
    from webapp.services import clock, estimate, movement, queue

    with app_context(url):
        segment, size = largest_segment(db.session)
        numbers = [number for number, _ in waiting_applications(db.session, random.Random(seed), samples, segment)]
        db.session.remove()
        both, alone = Timer(), Timer()
        explained = estimated = 0
        for n, number in enumerate(numbers[:WARM_UP] + numbers):
            db.session.remove()
            application = queue.find(db.session, number)
            explanation = queue.explain(db.session, application)
            now = clock.now()
            with both.measure():
                with alone.measure():
                    months = movement.of(db.session, application, now, explanation)
                guess = estimate.for_application(db.session, application, now, explanation)
            assert months[-1].position_end == explanation.position, number
            if n < WARM_UP:
                both.samples.clear()
                alone.samples.clear()
            else:
                explained += sum(1 for m in months if m.explained)
                estimated += guess is not None
        db.session.remove()
    return {"segment": segment, "segment_size": size, "both": both.summary(), "movement": alone.summary(),
            "explained_months": explained, "estimates": estimated}


def report(url: str, result: dict) -> str:
    return "\n".join([
        f"movement + estimate [{url.split(':')[0]}], largest segment {result['segment']} "
        f"({result['segment_size']} waiting):",
        "  " + line("movement.of + estimate.for_application", result["both"], BAR_MS),
        "  " + line("movement.of alone", result["movement"]),
        f"  {result['explained_months']} explained months, {result['estimates']} estimates given",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.samples)))
    print(f"peak RSS of the benchmark process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
