"""What did not run or was not delivered: the administration's view of ``flask jobs status`` and
``flask notifications failed`` / ``resend``, built on the same functions.

- Background jobs (RQ): only when Redis is configured; a Redis that does not answer is reported, not
  raised, so the page still shows the rest.
- Daily jobs: each runs once per local day (``services.daily``); one not done today after its hour
  has failed or not run yet, and the next tick tries it again.
- Messages: the outbox's permanently failed rows, each with a re-send (the CLI's ``resend``, audited).
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..models import JobRun
from . import audit, daily, delivery
from .errors import Forbidden

FAILED_JOBS_SHOWN = 50


@dataclass
class QueueState:
    configured: bool
    error: str = ""  # Redis configured but not answering
    counts: dict = field(default_factory=dict)
    failed_jobs: list = field(default_factory=list)  # FailedJob


@dataclass(frozen=True)
class FailedJob:
    id: str
    name: str
    ended_at: object
    error: str  # the last line of the traceback


@dataclass(frozen=True)
class DailyState:
    name: str
    last_day: date | None
    done_today: bool
    due: bool  # should have run by now (its hour has come) and has not


def queue_state(app, actor) -> QueueState:
    _require_admin(actor)
    if not app.config.get("REDIS_URL"):
        return QueueState(configured=False)
    from .. import queueing

    try:
        counts = queueing.status(app)
        registry = queueing.queue(app).failed_job_registry
        jobs = _failed_jobs(app, registry.get_job_ids(0, FAILED_JOBS_SHOWN - 1))
    except Exception as error:  # noqa: BLE001 - Redis down: say so, show the database's part
        return QueueState(configured=True, error=str(error) or error.__class__.__name__)
    return QueueState(configured=True, counts=counts, failed_jobs=jobs)


def _failed_jobs(app, ids: list[str]) -> list[FailedJob]:
    from rq.job import Job

    from .. import queueing

    found = Job.fetch_many(ids, connection=queueing.connection(app))
    return [FailedJob(job.id, (job.func_name or "").rpartition(".")[2], job.ended_at, _last_line(job))
            for job in found if job is not None]


def _last_line(job) -> str:
    result = job.latest_result() if hasattr(job, "latest_result") else None
    text = (getattr(result, "exc_string", None) or job.exc_info or "").strip()
    return text.splitlines()[-1][:300] if text else ""


def daily_states(session, actor, now, schedule: daily.Schedule) -> list[DailyState]:
    _require_admin(actor)
    today = schedule.today(now)
    due = {job.name for job in daily.due(session, now, schedule)}
    last = {row.name: row.last_day for row in session.scalars(select(JobRun))}
    return [DailyState(job.name, last.get(job.name), last.get(job.name) == today, job.name in due)
            for job in daily.JOBS]


def outbox_counts(session, actor, now) -> tuple[dict, int]:
    _require_admin(actor)
    return delivery.counts(session), delivery.overdue(session, now)


def failed_messages(session, actor, limit: int = 100) -> list:
    _require_admin(actor)
    return delivery.failed(session, None, limit)


def resend(session, actor, notification_id: int, now):
    """A failed message gets a fresh set of attempts; delivery starts after the commit."""
    _require_admin(actor)
    row = delivery.resend(session, notification_id, now)
    audit.record(session, "notification.resent", actor=actor, at=now,
                 data={"notification_id": row.id, "channel": row.channel, "event": row.event},
                 private={"recipient": row.recipient})
    return row


def _require_admin(actor) -> None:
    if actor.role != "admin":
        raise Forbidden()
