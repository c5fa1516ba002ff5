"""``distribute`` for a freshly published 25-seat bulletin (bar: ≤ 100 ms), in the largest segment.

    python -m bench.distribute [--backend sqlite|postgresql|URL] [--runs 20]

Each run adds a 25-place group to one of the segment's kindergartens (in turn), publishes a bulletin
for it with distribution held back, then times ``distribution.distribute`` for the segment alone
(``distribute``) and with the commit that appends its audit events (``distribute + commit``). Jobs
that Redis would queue (deliveries, deadline timers) are counted, not run. The database is changed:
use the throw-away benchmark database.
"""
import argparse

from bench.common import Timer, app_context, database_url, jobs_recorded, line, machine
from bench.samples import largest_segment

BAR_MS = 100
PLACES = 25
WARM_UP = 2


def run(url: str, runs: int = 20) -> dict:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Group, Kindergarten, User
    from webapp.services import bulletins, clock, distribution, tasks
    from webapp.services.actors import Actor

    alone, committed, invited = Timer(), Timer(), []
    with app_context(url), jobs_recorded() as jobs:
        session = db.session  # scoped: after remove() the next use starts a fresh session
        segment, size = largest_segment(session)
        kindergartens = session.scalars(
            select(Kindergarten.id).join(Group, Group.kindergarten_id == Kindergarten.id)
            .where(Kindergarten.locality_id == segment.locality_id, Group.language == segment.language,
                   Group.birth_year == segment.birth_year).order_by(Kindergarten.id)
        ).all()
        department = Actor.of(session.scalar(select(User).where(User.role == "department").limit(1)))
        for n in range(runs + WARM_UP):
            serial = session.scalar(select(func.count()).select_from(Group)) + 1
            group = Group(kindergarten_id=kindergartens[n % len(kindergartens)], name=f"Bench {serial}",
                          birth_year=segment.birth_year, language=segment.language, capacity=PLACES, enrolled=0)
            session.add(group)
            session.flush()
            bulletin = bulletins.create(session, group.id, PLACES, department, clock.now())
            bulletins.publish(session, bulletin.id, department, clock.now())
            session.info.pop("tasks_pending", None)  # hold back the distribution publishing would start
            tasks.commit(session)
            session.remove()
            with committed.measure():
                with alone.measure():
                    result = distribution.distribute(session, segment, clock.now())
                tasks.commit(session)
            invited.append(len(result))
            session.remove()
            if n < WARM_UP:  # the first run of a process imports the holiday calendars and warms caches
                alone.samples.clear(), committed.samples.clear(), invited.clear()
    return {"segment": segment, "segment_size": size, "alone": alone.summary(), "committed": committed.summary(),
            "invited": invited, "jobs": len(jobs)}


def report(url: str, result: dict) -> str:
    return "\n".join([
        f"distribute, fresh {PLACES}-seat bulletin [{url.split(':')[0]}], largest segment {result['segment']} "
        f"({result['segment_size']} waiting), invited per run: {min(result['invited'])}–{max(result['invited'])}:",
        "  " + line("distribute", result["alone"], BAR_MS),
        "  " + line("distribute + commit", result["committed"], BAR_MS),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.runs)))


if __name__ == "__main__":
    main()
