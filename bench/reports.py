"""The department's reports and watch list (bar: each report ≤ 1 s), on an already seeded database.

    python -m bench.reports [--backend sqlite|postgresql|URL] [--samples 20] [--year-of-movement 12000]

For each report, the service call alone (a new database session each time, as in the web process),
then ``GET`` of its page and of its CSV through the Flask test client, logged in as the demo
district's operator (routing, the access check, the table and chart, the template; no network).
Nothing is cached between calls: every sample reads the database again. The first call of each kind
is reported apart (``first``), so that a slow cold start is not hidden by the warm ones.

The demo district's lived history covers only its last 14 days (bench/README.md), so the monthly
movement and the time to enrolment have little to read. ``--year-of-movement N`` first appends to the
audit chain a year that follows the demo's "now": N invitations of the district's applications, each
followed by a response, a referral and an enrolment 1–10 days later (one in five ends on the stop-list
instead), hashed into the chain like any event, and then times the reports one year on. It changes
the database: seed it again afterwards (a second run finds the year already there and reads it).
"""
import argparse
import re
import time
from datetime import datetime, timedelta

from bench.common import Timer, app_context, database_url, line, machine

BAR_MS = 1000
WARM_UP = 2
DEPARTMENT = ("+77000000002", "kezek-department")  # the demo department account (bench/README.md)
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def cases(session, district_id: int):
    from webapp.services import clock, reports, watch_list

    now = clock.now()
    return {
        "queue": (lambda: reports.queue_sizes(session, district_id), "/department/reports/queue"),
        "movement": (lambda: reports.monthly_movement(session, district_id, now), "/department/reports/movement"),
        "time-to-enrolment": (lambda: reports.time_to_enrolment(session, district_id, now),
                              "/department/reports/time-to-enrolment"),
        "free-places": (lambda: reports.free_places(session, district_id), "/department/reports/free-places"),
        "watch list": (lambda: watch_list.watch_list(session, district_id, now), "/department/watch-list"),
    }


def contents(session, district_id: int) -> dict:
    """What the data set holds for each report, for the record in docs/BENCHMARKS.md."""
    from webapp.services import clock, reports, watch_list

    now = clock.now()
    queue = reports.queue_sizes(session, district_id)
    movement = reports.monthly_movement(session, district_id, now)
    timing = reports.time_to_enrolment(session, district_id, now)
    places = reports.free_places(session, district_id)
    found = watch_list.watch_list(session, district_id, now)
    return {
        "queue": f"{len(queue)} segments, {sum(r.total for r in queue)} waiting",
        "movement": ", ".join(f"{kind} {sum(row[kind] for row in movement)}" for kind in reports.MOVEMENT)
                    + f" in {sum(1 for row in movement if any(row[k] for k in reports.MOVEMENT))} month(s)",
        "time-to-enrolment": f"{sum(row['enrolments'] for row in timing)} enrolments timed",
        "free-places": f"{len(places)} kindergartens, {sum(r['capacity'] for r in places)} places",
        "watch list": (f"late {len(found.late_responses)}, repeated {len(found.repeated)}, held back "
                       f"{len(found.held_back)}, expiring {found.expiring_total}, corrections {found.corrections_total}"),
    }


def append_year_of_movement(session, flows: int, seed: int = 11) -> datetime:
    """N invitation-to-enrolment stories in the year after "now", appended to the chain in time
    order (as the services would have), and the "now" one year on at which to read them."""
    import random

    from sqlalchemy import select

    from webapp.models import Application, District
    from webapp.services import audit, clock
    from webapp.services.actors import SYSTEM, Actor

    rng = random.Random(seed)
    start = clock.now()
    head = audit.head(session)
    if head.at > clock.iso(start + timedelta(days=1)):  # appended by an earlier run: read it again
        _analyze(session)
        return start + timedelta(days=365)
    district = session.scalars(select(District).where(District.code == "GM")).one()
    numbers = list(session.scalars(select(Application.number).where(Application.district_id == district.id)
                                   .order_by(Application.id).limit(flows)))
    staff, parent = Actor("staff", 0, district.id, 1, "bench"), Actor("parent", 0, name="bench")
    events = []
    for number in numbers:
        invited = start + timedelta(days=rng.uniform(0.01, 350))
        steps = [("invitation.created", "queued", "invited", SYSTEM, invited)]
        if rng.random() < 0.2:
            steps.append(("invitation.expired", "invited", "stop_listed", SYSTEM, invited + timedelta(days=4)))
        else:
            responded = invited + timedelta(hours=rng.uniform(1, 70))
            referred = responded + timedelta(hours=rng.uniform(1, 40))
            steps += [("invitation.responded", "invited", "responded", parent, responded),
                      ("response.activated", "responded", "referred", staff, referred),
                      ("application.enrolled", "referred", "enrolled", staff,
                       referred + timedelta(days=rng.uniform(0.1, 8)))]
        events += [audit.PendingEvent(a, number, f, t, who, at=at) for a, f, t, who, at in steps]
    events.sort(key=lambda e: e.at)
    seq, prev = head.seq, head.hash
    for pending in events:
        seq += 1
        row = audit.build_row(seq, prev, pending)
        prev = row.hash
        session.add(row)
    session.commit()
    _analyze(session)  # as after the seeding (and as autovacuum would): the planner sees the new year
    return start + timedelta(days=365)


def _analyze(session) -> None:
    from sqlalchemy import text

    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE audit_event"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()


def run(url: str, samples: int = 20, year_of_movement: int = 0) -> dict:
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import User

    from webapp.services import clock

    results = {}
    with app_context(url) as app:
        if year_of_movement:
            clock.set(append_year_of_movement(db.session, year_of_movement))
            db.session.remove()
        district_id = db.session.scalars(select(User.district_id).where(User.phone == DEPARTMENT[0])).one()
        held = contents(db.session, district_id)
        db.session.remove()
        get = _logged_in(app)

        def fresh_session(_item, _result):
            db.session.remove()

        def page_ok(item, response):
            assert response.status_code == 200, (item, response.status_code, response.data[:300])
            db.session.remove()

        for name, (call, path) in cases(db.session, district_id).items():
            first = _first(call)
            db.session.remove()
            items = [path] * samples
            service = Timer.over(items, WARM_UP, lambda _path: call(), fresh_session)
            page = Timer.over(items, WARM_UP, lambda p: get(p), page_ok)
            figures = {"first": first, "service": service.summary(), "page": page.summary()}
            if path.startswith("/department/reports/"):
                figures["csv"] = Timer.over(items, WARM_UP, lambda p: get(p + "?format=csv"), page_ok).summary()
            results[name] = figures
    return {"reports": results, "contents": held}


def _logged_in(app):
    """GET as the demo operator, logged in through the real form. Each request in an app context of
    its own, as in the web process (Flask-Login keeps the user on ``g``)."""
    client = app.test_client()

    def get(path, **kw):
        with app.app_context():
            return client.get(path, headers={"Accept-Language": "ru"}, **kw)

    token = TOKEN.search(get("/account/log-in").get_data(as_text=True)).group(1)
    with app.app_context():
        done = client.post("/account/log-in", data={"csrf_token": token, "phone": DEPARTMENT[0],
                                                    "password": DEPARTMENT[1]})
    assert done.status_code == 303, done.status_code
    return get


def _first(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def report(url: str, result: dict) -> str:
    rows = [f"department reports [{url.split(':')[0]}] (bar: p95 ≤ {BAR_MS} ms):"]
    for name, figures in result["reports"].items():
        rows.append(f"  {name} — data: {result['contents'][name]}; first service call {figures['first']:.1f} ms")
        for kind in ("service", "page", "csv"):
            if kind in figures:
                rows.append("    " + line(f"{kind:7}", figures[kind], BAR_MS))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--year-of-movement", type=int, default=0, metavar="N")
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.samples, args.year_of_movement)))


if __name__ == "__main__":
    main()
