"""A sweep with 10,000 due items among 1,000,000 applications (bar: ≤ 10 s).

    python -m bench.sweep [--backend sqlite|postgresql|URL] [--invitations 5000] [--stop-lists 5000]

Set-up (not timed), on the seeded benchmark database, which it changes:
- invitations: N/25 bulletins of 25 places, in new groups of the 40 largest segments, are published
  and distributed through the services: N applications invited, each seat with its 3-working-day
  deadline;
- stop-lists: the N most recent queued applications are put on the stop-list until tomorrow (one
  UPDATE: what declines and lapses would have left behind).
The planner's statistics are refreshed (PostgreSQL ANALYZE, as autovacuum would have done in a
live database). Then the clock moves 7 days on (to 2 December 2026: no 1 September / 1 October in between), and
``sweep.run`` is timed: every invitation lapses (→ stop-list) and every stop-list ends (→ queue).
Jobs the sweep defers (distribution of the released seats, deliveries) are counted, not run, as
with Redis in production; a second sweep right after must find nothing.
"""
import argparse
import time
from datetime import timedelta

from bench.common import app_context, database_url, jobs_recorded, machine, peak_rss_mb
from bench.samples import largest_segment

BAR_S = 10
PLACES = 25


def run(url: str, invitations: int = 5000, stop_lists: int = 5000) -> dict:
    from sqlalchemy import select, update

    from webapp.extensions import db
    from webapp.models import Application, User
    from webapp.services import clock, sweep, tasks
    from webapp.services.actors import Actor

    with app_context(url), jobs_recorded() as jobs:
        session = db.session
        segment, size = largest_segment(session)
        department = Actor.of(session.scalar(select(User).where(User.role == "department").limit(1)))
        started = time.perf_counter()
        invited = _invite(session, department, invitations)
        setup_invitations = time.perf_counter() - started
        others = list(session.scalars(
            select(Application.id).where(Application.status == "queued").order_by(Application.id.desc())
            .limit(stop_lists)
        ))
        session.execute(update(Application).where(Application.id.in_(others))
                        .values(status="stop_listed", waiting=True, stop_listed_until=clock.now() + timedelta(days=1)))
        tasks.commit(session)
        _fresh_statistics(session)
        session.remove()
        clock.advance(timedelta(days=7))
        jobs.clear()
        started = time.perf_counter()
        done = sweep.run(session, clock.now())
        seconds = time.perf_counter() - started
        deferred = len(jobs)
        started = time.perf_counter()
        again = sweep.run(session, clock.now())
        second = time.perf_counter() - started
    return {"segment": segment, "segment_size": size, "invited": invited, "setup_invitations_s": setup_invitations,
            "stop_lists": len(others), "seconds": seconds, "done": dict(done), "deferred_jobs": deferred,
            "second_seconds": second, "second_done": dict(again)}


def _invite(session, actor, count: int) -> int:
    """``count`` invitations as real bulletins make them: 25-place bulletins in new groups of the
    largest segments' kindergartens, each segment distributed once through the services."""
    from sqlalchemy import func, select

    from webapp.models import Application, Group
    from webapp.services import bulletins, clock, distribution, tasks
    from webapp.services.queue import Segment

    segments = session.execute(
        select(Application.locality_id, Application.language, Application.birth_year)
        .where(Application.waiting.is_(True))
        .group_by(Application.locality_id, Application.language, Application.birth_year)
        .order_by(func.count().desc()).limit(40)
    ).all()
    segments = [s for s in segments if _kindergartens(session, *s)]
    bulletin_count = count // PLACES
    invited = 0
    for n, (locality, language, year) in enumerate(segments):
        share = bulletin_count // len(segments) + (1 if n < bulletin_count % len(segments) else 0)
        kindergartens = _kindergartens(session, locality, language, year)
        for i in range(share):
            group = Group(kindergarten_id=kindergartens[i % len(kindergartens)], name=f"Sweep bench {n}-{i}",
                          birth_year=year, language=language, capacity=PLACES, enrolled=0)
            session.add(group)
            session.flush()
            bulletin = bulletins.create(session, group.id, PLACES, actor, clock.now())
            bulletins.publish(session, bulletin.id, actor, clock.now())
        tasks.commit(session)
        invited += len(distribution.distribute(session, Segment(locality, language, year), clock.now()))
        tasks.commit(session)
    return invited


def _fresh_statistics(session) -> None:
    """PostgreSQL: the set-up has just grown the outbox and the seats from a few rows to thousands.
    A live database's autovacuum would have analysed them; without it, plans made for the tiny
    tables (sequential scans of the outbox for every idempotency check) would be timed instead."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()


def _kindergartens(session, locality: int, language: str, year: int) -> list[int]:
    from sqlalchemy import select

    from webapp.models import Group, Kindergarten

    return session.scalars(
        select(Group.kindergarten_id).join(Kindergarten, Kindergarten.id == Group.kindergarten_id)
        .where(Kindergarten.locality_id == locality, Group.language == language, Group.birth_year == year)
        .distinct().order_by(Group.kindergarten_id)
    ).all()


def report(url: str, result: dict) -> str:
    due = result["done"].get("invitations_expired", 0) + result["done"].get("stop_lists_ended", 0)
    verdict = "OK" if result["seconds"] <= BAR_S else f"OVER the {BAR_S} s bar"
    done = " ".join(f"{k}={v}" for k, v in sorted(result["done"].items()))
    return "\n".join([
        f"sweep [{url.split(':')[0]}]: {due} due ({result['invited']} invitations lapsing, "
        f"{result['stop_lists']} stop-lists ending) among 1M: {result['seconds']:.2f} s  {verdict}",
        f"  done: {done}; jobs deferred for workers: {result['deferred_jobs']}",
        f"  second sweep right after: {result['second_seconds']:.2f} s, done: {result['second_done'] or 'nothing'}",
        f"  (set-up: distributing {result['invited']} invitations took {result['setup_invitations_s']:.1f} s)",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--invitations", type=int, default=5000)
    parser.add_argument("--stop-lists", type=int, default=5000)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.invitations, args.stop_lists)))
    print(f"peak RSS of the benchmark process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
