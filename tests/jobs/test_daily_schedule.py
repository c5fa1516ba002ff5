"""The daily jobs over a simulated year: the clock moves day by day and the daily-job entry point runs
each morning. Reminders on the right days (none on days off where a working day is required), age-out
on 1 September, deactivation on 1 October, nothing twice."""
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from webapp.models import Application, AuditEvent, CalendarOverride, JobRun, Notification, Seat
from webapp.services import applications, calendar, clock, daily, invitations, referrals, reminders, tasks
from webapp.services.actors import Actor

ALMATY = ZoneInfo("Asia/Almaty")
SCHEDULE = daily.Schedule("Asia/Almaty", reminder_hour=10)
# Bulletins in the 2023 segment; each invites the head of its queue. Several sit next to holidays.
INVITE_DAYS = [date(2026, 1, 6), date(2026, 3, 5), date(2026, 3, 20), date(2026, 4, 29), date(2026, 5, 6),
               date(2026, 5, 26), date(2026, 7, 2), date(2026, 9, 16), date(2026, 10, 22), date(2026, 12, 11)]


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ALMATY).astimezone(ZoneInfo("UTC"))


class Year:
    """A district whose year is scripted: who applies, who confirms, who answers an invitation."""

    def __init__(self, factory):
        self.factory, self.session = factory, factory.session
        self.district = factory.district()
        self.locality = factory.locality(self.district)
        self.kindergarten = factory.kindergarten(self.locality)
        self.group = factory.group(self.kindergarten, birth_year=2023, capacity=30)
        self.staff = factory.staff(self.kindergarten)[1]
        self.parent = factory.user("parent")
        self.actions: dict[date, list] = {}

    def apply(self, born: date, when: datetime) -> Application:
        clock.set(when)
        child = self.factory.child(parent=self.parent, birth_date=born)
        application = self.factory.application(self.locality, child=child)
        tasks.commit(self.session)
        return application

    def publish(self, answer: bool) -> None:
        bulletin = self.factory.bulletin(self.group, places=1)
        tasks.commit(self.session)  # no Redis: distribution runs right after the commit
        seat = self.session.scalars(select(Seat).where(Seat.bulletin_id == bulletin.id)).first()
        if answer and seat is not None:
            self.actions.setdefault(clock.now().astimezone(ALMATY).date() + timedelta(days=1), []).append(
                lambda: self._respond_and_activate(seat.application_id))

    def _respond_and_activate(self, application_id: int) -> None:
        invitations.respond(self.session, application_id, Actor.of(self.parent), clock.now())
        tasks.commit(self.session)
        referrals.activate(self.session, application_id, self.staff, clock.now())
        tasks.commit(self.session)

    def live(self, first: date, last: date) -> None:
        """Each day: the scripted actions at 09:00, then the daily jobs at 10:00."""
        day = first
        while day <= last:
            clock.set(at(day, 9))
            for action in self.actions.pop(day, []):
                action()
            clock.set(at(day, 10))
            daily.run_due(self.session, clock.now(), SCHEDULE)
            day += timedelta(days=1)


def test_a_year_of_reminders_and_yearly_transitions(factory, session):
    year = Year(factory)
    unconfirmed = year.apply(date(2022, 5, 17), at(date(2025, 3, 3), 12))
    confirmed = year.apply(date(2022, 6, 1), at(date(2025, 3, 4), 12))
    school_age = year.apply(date(2020, 5, 1), at(date(2025, 3, 5), 12))
    for i in range(len(INVITE_DAYS)):  # the 2023 segment, applied this year: confirmed by applying
        year.apply(date(2023, 2, 1), at(date(2026, 1, 5), 12) + timedelta(minutes=i))
    year.actions[date(2026, 5, 11)] = [lambda: _confirm(session, confirmed, year.parent)]
    for i, day in enumerate(INVITE_DAYS):
        year.actions.setdefault(day, []).append(lambda answer=(i % 2 == 1): year.publish(answer))

    year.live(date(2026, 1, 1), date(2026, 12, 31))

    # Interest: 1 September and the 5th working day before 1 October (Thursday): 24 September.
    assert _sent(session, "reminder.interest") == {
        (unconfirmed.id, date(2026, 9, 1)), (unconfirmed.id, date(2026, 9, 24))}
    assert _sent(session, "application.aged_out") == {(school_age.id, date(2026, 9, 1))}
    assert _sent(session, "application.deactivated") == {(unconfirmed.id, date(2026, 10, 1))}
    assert _status(session, confirmed) == "queued"

    # Deadlines: on the working day before each deadline, unless the parent had already answered.
    expected = {key: day for key, day in _expected_deadline_reminders(session, year.district).items()
                if day <= date(2026, 12, 31)}
    actual = _deadline_reminders(session)
    assert actual == expected
    assert all(calendar.is_working_day(day) for day in actual.values())
    # Every expiry frees a place and invites the next child, so invitations run all year long.
    assert {kind for kind, _, _ in expected} == {"reminder.invitation", "reminder.referral"}
    assert len(expected) > 2 * len(INVITE_DAYS)
    # DESIGN §7's example: invited Friday 20 March, 23–25 March are holidays, due Monday 30 March.
    assert date(2026, 3, 27) in actual.values()
    assert not [day for day in actual.values() if date(2026, 3, 21) <= day <= date(2026, 3, 26)]


def test_the_interest_reminder_follows_the_districts_calendar(factory, session):
    year = Year(factory)
    session.add(CalendarOverride(district_id=year.district.id, day=date(2026, 9, 28), is_working_day=False,
                                 note="decree"))
    unconfirmed = year.apply(date(2022, 5, 17), at(date(2025, 3, 3), 12))
    assert reminders.interest_reminder_days(session, year.district, 2026) == (date(2026, 9, 1), date(2026, 9, 23))
    year.live(date(2026, 9, 22), date(2026, 9, 25))
    assert _sent(session, "reminder.interest") == {(unconfirmed.id, date(2026, 9, 23))}


def test_daily_jobs_run_once_a_day_and_reminders_wait_for_their_hour(factory, session):
    year = Year(factory)
    unconfirmed = year.apply(date(2022, 5, 17), at(date(2025, 3, 3), 12))
    clock.set(at(date(2026, 9, 1), 0) + timedelta(minutes=5))
    assert [job.name for job in daily.due(session, clock.now(), SCHEDULE)] == [
        "sweep", "audit_checkpoint", "movement_months"]
    assert set(daily.run_due(session, clock.now(), SCHEDULE)) == {"sweep", "audit_checkpoint", "movement_months"}
    assert _sent(session, "reminder.interest") == set()  # parents are not messaged at midnight

    clock.set(at(date(2026, 9, 1), 10))
    assert set(daily.run_due(session, clock.now(), SCHEDULE)) == {"interest_reminders", "deadline_reminders"}
    assert daily.run_due(session, clock.now(), SCHEDULE) == {}
    clock.set(at(date(2026, 9, 1), 18))
    assert daily.run_due(session, clock.now(), SCHEDULE) == {}
    assert _sent(session, "reminder.interest") == {(unconfirmed.id, date(2026, 9, 1))}
    assert {row.name: row.last_day for row in session.scalars(select(JobRun))} == {
        job.name: date(2026, 9, 1) for job in daily.JOBS}

    # A daily job that is cut short runs again at the next tick; its keys keep it from sending twice.
    session.execute(JobRun.__table__.update().values(last_day=date(2026, 8, 31)))
    tasks.commit(session)
    assert daily.run_due(session, clock.now(), SCHEDULE)["interest_reminders"] == 0
    assert len(_rows(session, "reminder.interest")) == 2  # inbox and SMS, once


def test_a_failing_daily_job_does_not_stop_the_others(factory, session, monkeypatch):
    Year(factory)
    broken = daily.DailyJob("audit_checkpoint", lambda session, now, today: 1 / 0)
    monkeypatch.setattr(daily, "JOBS", (broken,) + tuple(job for job in daily.JOBS if job.name != broken.name))
    clock.set(at(date(2026, 9, 1), 10))
    with pytest.raises(daily.DailyJobsFailed, match="audit_checkpoint"):
        daily.run_due(session, clock.now(), SCHEDULE)
    assert [job.name for job in daily.due(session, clock.now(), SCHEDULE)] == ["audit_checkpoint"]


# --- helpers ------------------------------------------------------------------------------------------

def _confirm(session, application, parent) -> None:
    applications.confirm_interest(session, application.id, Actor.of(parent), clock.now())
    tasks.commit(session)


def _rows(session, event: str) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).where(Notification.event == event)))


def _sent(session, event: str) -> set[tuple[int, date]]:
    """(application id, local day) of every inbox message of ``event``."""
    return {(row.application_id, row.created_at.astimezone(ALMATY).date())
            for row in _rows(session, event) if row.channel == "inbox"}


def _status(session, application) -> str:
    session.expire_all()
    return session.get(Application, application.id).status


def _deadline_reminders(session) -> dict[tuple[str, int, str], date]:
    """{(event, seat id, deadline): local day sent}, read from the outbox's idempotency keys."""
    found = {}
    for event in ("reminder.invitation", "reminder.referral"):
        for row in _rows(session, event):
            if row.channel != "inbox":
                continue
            # "<event>:<seat id>:<deadline, ISO>:inbox"
            seat_id, deadline = row.idempotency_key[len(event) + 1:].rsplit(":", 1)[0].split(":", 1)
            key = (event, int(seat_id), deadline)
            assert key not in found, f"{key} reminded twice"
            found[key] = row.created_at.astimezone(ALMATY).date()
    return found


def _expected_deadline_reminders(session, district) -> dict[tuple[str, int, str], date]:
    """From the audit log: each deadline given, and whether the parent answered before the reminder."""
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    answered = {json.loads(e.data)["seat_id"]: clock.parse(e.at)
                for e in events if e.action == "invitation.responded"}
    kinds = {"invitation.created": "reminder.invitation", "response.activated": "reminder.referral"}
    expected = {}
    for event in (e for e in events if e.action in kinds):
        kind, data = kinds[event.action], json.loads(event.data)
        due = clock.parse(data["due_at"])
        day = due.astimezone(ALMATY).date() - timedelta(days=1)
        while not calendar.is_working_day(day):  # the working day before the deadline's day
            day -= timedelta(days=1)
        if kind == "reminder.invitation" and answered.get(data["seat_id"], at(day, 11)) < at(day, 10):
            continue  # the parent answered before the reminder was due
        expected[(kind, data["seat_id"], due.isoformat())] = day
    return expected
