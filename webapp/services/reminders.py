"""Reminders to parents (DESIGN §5).

- **Interest**: on 1 September and on the 5th working day before 1 October, to the parents of
  waiting applications and of those holding a seat (responded, referred) whose interest is not
  confirmed for this year (they become inactive on 1 October otherwise, or on returning to waiting).
- **Deadlines**: on the last working day before the day of an invitation's or a referral's
  deadline. Nothing goes out on a day off: Friday reminds of a Monday deadline.

Working days are the district's (the package's calendar corrected by its overrides). Idempotency keys
carry the day or the deadline, so running a reminder twice sends nothing new, while an extended
referral gets a reminder for its new date.
"""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..models import WAITING, Application, Child, District, Seat
from . import calendar, notifications, tasks

INTEREST_WORKING_DAYS_BEFORE = 5
# Everyone who can still confirm and would lose their place without it: the waiting applications,
# and those holding a seat (responded, referred), who return to waiting if the kindergarten rejects
# the response or the referral lapses, and go straight to inactive after 1 October unconfirmed.
REMINDED = sorted(WAITING | {"responded", "referred"})
DEACTIVATION_DAY = (10, 1)  # 1 October
BATCH = 500


def interest_reminder_days(session, district, year: int) -> tuple[date, date]:
    """1 September and the 5th working day before 1 October of ``year``."""
    first_october = date(year, *DEACTIVATION_DAY)
    overrides = calendar.load_overrides(session, district.id, date(year, 8, 1), first_october)
    day, found = first_october, 0
    while found < INTEREST_WORKING_DAYS_BEFORE:
        day -= timedelta(days=1)
        if calendar.is_working_day(day, overrides):
            found += 1
    return date(year, 9, 1), day


def send_interest_reminders(session, now) -> int:
    """Remind every parent who still has to confirm this year; returns how many applications."""
    reminded = 0
    for district in session.scalars(select(District).order_by(District.id)).all():
        today = calendar.local_date(district, now)
        if today not in interest_reminder_days(session, district, today.year):
            continue
        ids = list(session.scalars(
            select(Application.id).where(
                Application.district_id == district.id, Application.status.in_(REMINDED),
                Application.interest_year < today.year,
            ).order_by(Application.id)
        ))
        for start in range(0, len(ids), BATCH):
            for application in _with_parents(session, ids[start:start + BATCH]):
                key = f"reminder.interest:{application.id}:{today.isoformat()}"
                if notifications.notify(session, application.child.parent, "reminder.interest",
                                        {"number": application.number}, application=application, key=key):
                    reminded += 1
            tasks.commit(session)
    return reminded


def send_deadline_reminders(session, now) -> int:
    """On a working day, remind of every deadline falling after today and up to the next working day."""
    reminded = 0
    for district in session.scalars(select(District).order_by(District.id)).all():
        today = calendar.local_date(district, now)
        overrides = calendar.load_overrides(session, district.id, today, today + timedelta(days=60))
        if not calendar.is_working_day(today, overrides):
            continue
        next_working_day = calendar.nth_working_day_after(today, 1, overrides)
        for seat, application in _seats_due_between(session, district, today, next_working_day):
            event = "reminder.invitation" if seat.state == "reserved" else "reminder.referral"
            key = f"{event}:{seat.id}:{seat.deadline_at.isoformat()}"
            due = calendar.local_day_text(district, seat.deadline_at)
            if notifications.notify(session, application.child.parent, event,
                                    {"number": application.number, "due": due}, application=application, key=key):
                reminded += 1
        tasks.commit(session)
    return reminded


def _seats_due_between(session, district, today: date, last_day: date):
    """Seats of the district whose deadline's local day is after ``today`` and up to ``last_day``."""
    zone = ZoneInfo(district.timezone)
    start = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    return session.execute(
        select(Seat, Application).join(Application, Application.id == Seat.application_id)
        .where(Application.district_id == district.id, Seat.state.in_(("reserved", "referred")),
               Seat.deadline_at >= start, Seat.deadline_at < end)
        .options(selectinload(Application.child).selectinload(Child.parent))
        .order_by(Seat.id)
    ).all()


def _with_parents(session, ids: list[int]) -> list[Application]:
    return list(session.scalars(
        select(Application).where(Application.id.in_(ids))
        .options(selectinload(Application.child).selectinload(Child.parent)).order_by(Application.id)
    ))
