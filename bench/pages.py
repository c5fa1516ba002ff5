"""Public pages against the read services they call (bar: a page's server time p95 at most 5 ms
above its service's p95), on an already seeded database.

    python -m bench.pages [--backend sqlite|postgresql|URL] [--samples 300]

For each page, the same random inputs are timed twice: the service call alone (what the route
asks for), then ``GET`` of the page through the Flask test client (routing, form checks, the other
small reads of the route, the template, compression; no network), a new database session each time
as in the web process. Lookups use real application numbers, half of them in the largest segment;
queue pages are random pages of the largest segment.
"""
import argparse
import random

from bench.common import Timer, app_context, database_url, line, machine
from bench.samples import largest_segment, lookup_queries

MARGIN_MS = 5
WARM_UP = 20


def cases(session, rng, samples: int) -> list[tuple]:
    """(page, [(service call, URL)]) with the inputs drawn once, so both timings see the same."""
    from sqlalchemy import select

    from webapp.models import Kindergarten, Locality, Referral
    from webapp.services import (catalogue, clock, district_overview, kindergarten_profile, lookup,
                                 position_report, referral_check, transparency)

    segment, size = largest_segment(session)
    localities = list(session.scalars(select(Locality.id)))
    kindergartens = list(session.scalars(select(Kindergarten.id)))
    tokens = list(session.scalars(select(Referral.token).limit(500)))
    numbers = [q for q in lookup_queries(session, rng, samples * 2)[0] if not q.isdigit()][:samples]
    years = catalogue.birth_years(session)
    pick = rng.choice
    pages = max(1, size // 50)
    lang = "kk"
    draws = {
        "home": [((lambda: district_overview.totals(session)), "/") for _ in range(samples)],
        "registry": [
            ((lambda loc=loc, y=y: catalogue.kindergartens(session, lang, loc, None, y, 1, 20)),
             f"/kindergartens?locality={loc}" + (f"&birth_year={y}" if y else ""))
            for loc, y in ((pick(localities), pick([None, *years])) for _ in range(samples))],
        "kindergarten": [
            ((lambda k=k: kindergarten_profile.profile(session, k, lang)), f"/kindergartens/{k}")
            for k in (pick(kindergartens) for _ in range(samples))],
        "queue page": [
            ((lambda p=p: lookup.queue_page(session, segment, p, 50)),
             f"/queue?locality={segment.locality_id}&language={segment.language}&birth_year={segment.birth_year}&page={p}")
            for p in (rng.randint(1, pages) for _ in range(samples))],
        "lookup": [((lambda q=q: position_report.report(session, q, clock.now())), f"/queue/lookup?q={q}")
                   for q in numbers],
        "bulletins": [((lambda: catalogue.bulletins(session, lang, None, None, None, 1, 20)), "/bulletins")
                      for _ in range(samples)],
        "transparency": [((lambda: transparency.summary(session, lang)), "/transparency") for _ in range(samples)],
        "referral check": [((lambda t=t: referral_check.check(session, t, clock.now())), f"/verify/{t}")
                           for t in (pick(tokens) for _ in range(samples))] if tokens else [],
    }
    return segment, size, draws


def run(url: str, samples: int = 300, seed: int = 11) -> dict:
    from webapp.extensions import db

    results = {}
    with app_context(url) as app:
        segment, size, draws = cases(db.session, random.Random(seed), samples)
        db.session.remove()
        client = app.test_client()

        def fresh_session(_item, _result):
            db.session.remove()

        def page_ok(item, response):
            assert response.status_code == 200, (item[1], response.status_code, response.data[:300])
            db.session.remove()

        for page, items in draws.items():
            if not items:
                continue
            service = Timer.over(items, WARM_UP, lambda item: item[0](), fresh_session)
            html = Timer.over(items, WARM_UP, lambda item: client.get(
                item[1], headers={"Accept-Encoding": "br, gzip", "Accept-Language": "kk"}), page_ok)
            results[page] = {"service": service.summary(), "page": html.summary()}
    return {"segment": str(segment), "segment_size": size, "pages": results}


def report(url: str, result: dict) -> str:
    rows = [f"public pages [{url.split(':')[0]}], largest segment {result['segment']} ({result['segment_size']} waiting):"]
    for page, figures in result["pages"].items():
        extra = figures["page"]["p95"] - figures["service"]["p95"]
        verdict = "OK" if extra <= MARGIN_MS else f"OVER the {MARGIN_MS} ms margin"
        rows.append(f"  {page}: page p95 - service p95 = {extra:+.2f} ms  {verdict}")
        rows.append("    " + line("service", figures["service"]))
        rows.append("    " + line("page   ", figures["page"]))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.samples)))


if __name__ == "__main__":
    main()
