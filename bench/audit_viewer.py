"""The department's audit viewer on the seeded district (the chain of a 1,000,000-application demo):
first pages and deep pages of the district's events, with each filter, and the chain check from the
last checkpoint.

    python -m bench.audit_viewer [--backend sqlite|postgresql|URL] [--samples 20]
"""
import argparse
import random
from datetime import date

from bench.common import Timer, app_context, database_url, line, machine

BAR_MS = 1000  # a page of the office, as the reports' bar


def run(url: str, samples: int = 20, seed: int = 11) -> dict:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Application, AuditEvent, District, Kindergarten
    from webapp.services import audit, audit_viewer

    rng = random.Random(seed)
    results = {}
    with app_context(url):
        session = db.session
        district = session.scalars(select(District).order_by(District.id)).first()
        head = session.scalar(select(func.max(AuditEvent.seq)))
        kindergarten = session.scalars(select(Kindergarten).where(Kindergarten.district_id == district.id)).first()
        numbers = session.scalars(select(Application.number).where(Application.district_id == district.id)
                                  .order_by(func.random()).limit(samples)).all()
        Filter = audit_viewer.EventFilter
        cases = {
            "newest page": lambda i: (Filter(), None),
            "deep page (random seq)": lambda i: (Filter(), rng.randint(1, head)),
            "application": lambda i: (Filter(application=numbers[i % len(numbers)]), None),
            "kindergarten": lambda i: (Filter(kindergarten_id=kindergarten.id), None),
            "role department": lambda i: (Filter(actor_role="department"), None),
            "role staff, deep": lambda i: (Filter(actor_role="staff"), rng.randint(1, head)),
            "action invitation.created": lambda i: (Filter(action="invitation.created"), None),
            "a month a year ago": lambda i: (Filter(since=date(2025, 11, 1), until=date(2025, 11, 30)), None),
        }
        for name, make in cases.items():
            timer = Timer()
            for i in range(samples):
                wanted, before = make(i)
                with timer.measure():
                    audit_viewer.events(session, district.id, wanted, before=before)
                session.rollback()
            results[name] = timer.summary()
        timer = Timer()
        for _ in range(3):
            with timer.measure():
                status = audit.verify_from_checkpoint(session)
            session.rollback()
        results["chain from the last checkpoint"] = timer.summary()
        results["_chain"] = (status.checkpoint.seq if status.checkpoint else 0, status.verified_seq, head)
    return results


def report(url: str, results: dict) -> str:
    start, verified, head = results.pop("_chain")
    rows = [f"audit viewer [{url.split(':')[0]}], chain head seq {head}, checked from seq {start}:"]
    rows += ["  " + line(name, summary, BAR_MS) for name, summary in results.items()]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    url = database_url(args.backend)
    print(machine())
    print(report(url, run(url, args.samples)))


if __name__ == "__main__":
    main()
