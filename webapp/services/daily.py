"""Daily jobs: each runs once per local day, at the first tick after its hour.

``JobRun.last_day`` records the day a job last finished. It is written only after the job's work is
committed, so a job cut short (a crash, a deploy) runs again at the next tick; the work itself is
idempotent (transitions re-check states, reminders carry the day in their idempotency keys), so
that second run cannot send or change anything twice.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from ..models import JobRun
from . import audit, movement_log, reminders, sweep, tasks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyJob:
    name: str
    run: Callable  # (session, now, today) -> a count or a summary
    reminder: bool = False  # parents are not messaged at night: waits for the reminder hour


def _sweep(session, now, today):
    # 1 September (age-out) and 1 October (deactivation) happen here at the first tick of the day;
    # the 5-minute sweep runs the same code, so whichever comes first does the work.
    return dict(sweep.run(session, now))


def _checkpoint(session, now, today):
    row = audit.checkpoint(session, today - timedelta(days=1))
    tasks.commit(session)
    return row.seq if row else 0


def _close_movement_months(session, now, today):
    written = movement_log.close_months(session, now)
    tasks.commit(session)
    return written


JOBS = (
    DailyJob("sweep", _sweep),
    DailyJob("audit_checkpoint", _checkpoint),
    DailyJob("movement_months", _close_movement_months),
    DailyJob("interest_reminders", lambda session, now, today: reminders.send_interest_reminders(session, now),
             reminder=True),
    DailyJob("deadline_reminders", lambda session, now, today: reminders.send_deadline_reminders(session, now),
             reminder=True),
)


@dataclass(frozen=True)
class Schedule:
    timezone: str = "Asia/Almaty"
    reminder_hour: int = 10  # local time

    @classmethod
    def from_config(cls, config) -> "Schedule":
        return cls(config.get("TIMEZONE", cls.timezone), int(config.get("REMINDER_HOUR", cls.reminder_hour)))

    def today(self, now) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def hour(self, now) -> int:
        return now.astimezone(ZoneInfo(self.timezone)).hour


class DailyJobsFailed(RuntimeError):
    """Some daily jobs raised; the others ran. They are tried again at the next tick."""


def due(session, now, schedule: Schedule) -> list[DailyJob]:
    today = schedule.today(now)
    late_enough = schedule.hour(now) >= schedule.reminder_hour
    return [job for job in JOBS
            if (late_enough or not job.reminder) and _last_day(session, job.name) < today]


def run_due(session, now, schedule: Schedule) -> dict:
    """Run every daily job not yet done today; returns {name: result}. Raises after the others ran."""
    today, results, failures = schedule.today(now), {}, []
    for job in due(session, now, schedule):
        try:
            results[job.name] = job.run(session, now, today)
            _mark_done(session, job.name, today)
        except Exception:  # noqa: BLE001 - one broken job must not starve the others; raised below
            session.rollback()
            log.exception("daily job %s failed", job.name)
            failures.append(job.name)
    if failures:
        raise DailyJobsFailed(f"daily jobs failed: {', '.join(failures)}")
    return results


def _last_day(session, name: str) -> date:
    row = session.get(JobRun, name, populate_existing=True)
    return row.last_day if row else date.min


def _mark_done(session, name: str, today: date) -> None:
    row = session.get(JobRun, name)
    if row is None:
        session.add(JobRun(name=name, last_day=today))
    else:
        row.last_day = max(row.last_day, today)
    try:
        tasks.commit(session)
    except IntegrityError:  # another process finished the same job a moment earlier
        session.rollback()
