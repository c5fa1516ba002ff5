"""What the public lookup page says about one application besides its position: what happens next
and by when, and its own public history (its events in the audit feed, DESIGN §8)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..models import Application, AuditEvent, Referral, Seat
from . import audit, policy

LIVE_SEAT_STATES = ("reserved", "held", "referred")


@dataclass(frozen=True)
class NextStep:
    """``kind`` names the sentence the page shows; ``deadline`` is the moment it refers to (UTC)."""

    kind: str
    deadline: datetime | None = None
    interest_year: int | None = None
    stop_list_days: int = policy.DEFAULT.stop_list_working_days  # the district's, for the sentence


def find(session, number: str) -> Application | None:
    return session.scalar(select(Application).where(Application.number == number))


def next_step(session, application: Application, now) -> NextStep:
    status = application.status
    if status in ("invited", "responded"):
        seat = _live_seat(session, application.id)
        return NextStep(status, seat.deadline_at if seat else None,
                        stop_list_days=policy.of(application.district).stop_list_working_days)
    if status == "referred":
        referral = session.scalar(select(Referral).where(
            Referral.application_id == application.id, Referral.status == "issued"))
        return NextStep(status, referral.due_at if referral else None)
    if status == "stop_listed":
        return NextStep(status, application.stop_listed_until)
    if status == "queued":
        return NextStep(status, interest_year=application.interest_year)
    return NextStep(status)


def history(session, number: str, limit: int = 50) -> list[dict]:
    """The application's public events, oldest first (at most ``limit``, the latest ones)."""
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.application == number).order_by(AuditEvent.seq.desc()).limit(limit)
    ).all()
    return [dict(audit.public_record(row), hash=row.hash) for row in reversed(rows)]


def _live_seat(session, application_id: int) -> Seat | None:
    return session.scalar(select(Seat).where(
        Seat.application_id == application_id, Seat.state.in_(LIVE_SEAT_STATES)).order_by(Seat.id.desc()))
