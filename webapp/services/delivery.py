"""Delivering the outbox: SMS through the configured gateway, email over SMTP, the in-cabinet inbox.

Why nothing is sent twice and nothing is lost:

1. **Claim.** A due ``pending`` row becomes ``sending`` (attempts + 1, ``next_attempt_at`` = the end
   of a lease) in its own committed transaction, before anyone outside is contacted. Two workers
   can never claim the same row: the claim is one conditional UPDATE.
2. **Send** through the channel's gateway, with the row's idempotency key as the message id.
3. **Record** the outcome at once, one message per commit: ``sent``; or back to ``pending`` with a
   backoff; or ``failed`` after the last attempt (the department sees it and may re-send it).

A worker killed between 1 and 3 leaves ``sending`` rows behind. When their lease ends, ``recover``
returns them to ``pending``; the one that was on the wire when the worker died goes out again with
the same message id (and Message-ID), which providers use to drop the copy.
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ..models import Application, District, Notification
from . import clock, mailer, sms, tasks
from .errors import NotFound, WrongState

log = logging.getLogger(__name__)
SEND_ERRORS = (sms.SendFailed, mailer.SendFailed)


@dataclass(frozen=True)
class Settings:
    max_attempts: int = 5
    retry_delays: tuple = (60, 300, 900, 3600)  # seconds after attempt 1, 2, 3, 4…; the last repeats
    lease: timedelta = timedelta(minutes=5)  # longer than any gateway timeout
    batch: int = 100

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(
            max_attempts=int(config.get("NOTIFICATION_MAX_ATTEMPTS", cls.max_attempts)),
            retry_delays=tuple(config.get("NOTIFICATION_RETRY_DELAYS", cls.retry_delays)),
            lease=timedelta(seconds=float(config.get("NOTIFICATION_LEASE", cls.lease.total_seconds()))),
            batch=int(config.get("NOTIFICATION_BATCH", cls.batch)),
        )

    def delay_after(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.retry_delays[min(attempts, len(self.retry_delays)) - 1])


@dataclass
class Channels:
    """What delivery talks to, built once per job from the app's configuration."""

    config: dict
    sms_gateway: object
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def from_config(cls, config) -> "Channels":
        return cls(config, sms.gateway(config), Settings.from_config(config))


@dataclass
class Outcome:
    notification_id: int
    status: str  # sent | retry | failed | not_due | skipped
    channel: str = ""
    event: str = ""
    application: str | None = None  # its number, for the logs
    attempts: int = 0
    error: str = ""
    next_attempt_at: object = None


# --- sending ----------------------------------------------------------------------------------------

@contextmanager
def outbox_connection(session):
    """A connection of its own, in autocommit: every statement below is one short transaction (a
    claim, an outcome), never mixed with the caller's unit of work, and one round trip each.

    On PostgreSQL outcomes are committed without waiting for the disk (``synchronous_commit off``):
    one flush per message would cap delivery at the disk's flush rate. Claims still wait for it. Only
    a crash of the database server itself can lose the last outcomes; their rows are then still
    ``sending`` and go out again after the lease, with the same message id.
    """
    with session.get_bind().connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET synchronous_commit TO off")
        try:
            yield connection
        finally:
            if postgres and not connection.invalidated:
                connection.exec_driver_sql("RESET synchronous_commit")


def deliver(session, notification_id: int, now, channels: Channels) -> Outcome:
    """Deliver one row if it is due; a row already sent, failed or in another worker's hands is skipped."""
    with outbox_connection(session) as connection:
        claimed = _claim(connection, now, channels.settings, Notification.id == notification_id)
        if claimed:
            return send_claimed(connection, claimed[0], now, channels)
        row = connection.execute(
            select(Notification.status, Notification.next_attempt_at, Notification.channel, Notification.event,
                   Notification.attempts).where(Notification.id == notification_id)
        ).first()
    if row is not None and row.status == "pending" and row.next_attempt_at and row.next_attempt_at > now:
        # Woken early (the scheduler counts whole seconds): not yet, but do come back.
        return Outcome(notification_id, "not_due", row.channel, row.event, attempts=row.attempts,
                       next_attempt_at=row.next_attempt_at)
    return Outcome(notification_id, "skipped")


def claim_due(connection, now, settings: Settings) -> list:
    """Claim up to one batch of due rows (with what sending needs); deliver each with ``send_claimed``."""
    return _claim(connection, now, settings, None)


def _claim(connection, now, settings: Settings, which) -> list:
    """Mark due pending rows ``sending`` (attempts + 1, a lease) in one statement; load them in id order."""
    due = (
        select(Notification.id)
        .where(Notification.status == "pending",
               or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .order_by(Notification.id).limit(settings.batch)
        .with_for_update(skip_locked=True)  # PostgreSQL: parallel workers take disjoint batches
    )
    if which is not None:
        due = due.where(which)
    with _durable(connection):  # a claim must be on disk before anyone is contacted
        ids = connection.execute(
            update(Notification).where(Notification.id.in_(due.scalar_subquery()))
            .values(status="sending", attempts=Notification.attempts + 1, next_attempt_at=now + settings.lease)
            .returning(Notification.id)
        ).scalars().all()
    if not ids:
        return []
    return list(connection.execute(
        select(Notification.id, Notification.attempts, Notification.channel, Notification.event,
               Notification.language, Notification.recipient, Notification.subject, Notification.body,
               Notification.idempotency_key, Application.number, District.email.label("district_email"),
               District.name_kk, District.name_ru, District.name_en)
        .outerjoin(Application, Application.id == Notification.application_id)
        .outerjoin(District, District.id == Application.district_id)
        .where(Notification.id.in_(ids)).order_by(Notification.id)
    ))


@contextmanager
def _durable(connection):
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET synchronous_commit TO on")
    try:
        yield
    finally:
        connection.exec_driver_sql("SET synchronous_commit TO off")


def send_claimed(connection, row, now, channels: Channels) -> Outcome:
    """Send one claimed row and record the outcome at once."""
    outcome = Outcome(row.id, "sent", row.channel, row.event, row.number, row.attempts)
    if not _renew_lease(connection, row, channels.settings):
        return Outcome(row.id, "skipped")
    try:
        stored = _send(row, now, channels)
    except SEND_ERRORS as error:
        _record_failure(connection, outcome, str(error), now, channels.settings)
    except Exception as error:  # noqa: BLE001 - a bug must not hold the rest of the batch hostage
        log.exception("notification %s could not be delivered", row.id)
        _record_failure(connection, outcome, f"internal error: {error!r}", now, channels.settings)
    else:
        _record(connection, row.id, row.attempts, status="sent", sent_at=now, last_error="",
                next_attempt_at=None, **stored)
    return outcome


def _send(row, now, channels: Channels) -> dict:
    """Hand the message to its channel; returns what to store on the row besides the status."""
    if row.channel == "sms":
        channels.sms_gateway.send(row.recipient, row.body, row.idempotency_key)
        return {}
    if row.channel == "email":
        config = channels.config
        district_name = (getattr(row, f"name_{row.language}", None) or row.name_ru or "") if row.number else ""
        letter = mailer.compose(row, number=row.number, district_name=district_name,
                                reply_to=row.district_email or config.get("MAIL_REPLY_TO"), mail_from=config.get("MAIL_FROM", "kezek@localhost"),
                                now=now)
        mailer.send(letter.message, config)
        return {"subject": letter.subject[:300], "body_html": letter.html}
    if row.channel == "inbox":  # rows written before the inbox was filled directly
        return {}
    raise sms.SendFailed(f"unknown channel {row.channel!r}")


def _record_failure(connection, outcome: Outcome, error: str, now, settings: Settings) -> None:
    outcome.error = error[:1000]
    if outcome.attempts >= settings.max_attempts:
        outcome.status = "failed"
        _record(connection, outcome.notification_id, outcome.attempts, status="failed", last_error=outcome.error,
                next_attempt_at=None)
        return
    outcome.status, outcome.next_attempt_at = "retry", now + settings.delay_after(outcome.attempts)
    _record(connection, outcome.notification_id, outcome.attempts, status="pending", last_error=outcome.error,
            next_attempt_at=outcome.next_attempt_at)


def _renew_lease(connection, row, settings: Settings) -> bool:
    """Extend this row's lease just before contacting anyone, fenced by the attempt number. In a
    slow batch a later row's lease may have run out and the row gone to another worker: then this
    worker must not send it too, or the message would go out twice."""
    renewed = connection.execute(
        update(Notification)
        .where(Notification.id == row.id, Notification.status == "sending", Notification.attempts == row.attempts)
        .values(next_attempt_at=clock.now() + settings.lease)
    )
    return renewed.rowcount == 1


def _record(connection, row_id: int, attempts: int, **values) -> None:
    # Fenced by the attempt number: a worker that outlived its lease cannot overwrite a newer attempt.
    connection.execute(
        update(Notification)
        .where(Notification.id == row_id, Notification.status == "sending", Notification.attempts == attempts)
        .values(**values)
    )


# --- recovery and the department's view ---------------------------------------------------------------

def recover(session, now, settings: Settings) -> int:
    """Rows whose worker died mid-delivery (lease over) go back to pending, or fail if out of tries."""
    lost = (Notification.status == "sending", Notification.next_attempt_at <= now)
    session.execute(
        update(Notification).where(*lost, Notification.attempts >= settings.max_attempts)
        .values(status="failed", last_error="the worker stopped during the last attempt; outcome unknown",
                next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    returned = session.execute(
        update(Notification).where(*lost)
        .values(status="pending", last_error="the worker stopped during delivery; sending again")
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return returned


def overdue(session, now, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Pending rows that should have gone out over a minute ago: their job was lost (Redis was down)."""
    since = now - older_than
    return session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.status == "pending",
            or_(Notification.next_attempt_at <= since,
                (Notification.next_attempt_at.is_(None)) & (Notification.created_at <= since)),
        )
    )


def counts(session) -> dict[str, int]:
    return dict(session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())


def failed(session, district_id: int | None = None, limit: int = 100) -> list[tuple[Notification, str | None]]:
    """Permanently failed messages, newest first, with their application numbers."""
    query = (
        select(Notification, Application.number)
        .outerjoin(Application, Application.id == Notification.application_id)
        .where(Notification.status == "failed").order_by(Notification.id.desc()).limit(limit)
    )
    if district_id is not None:
        query = query.where(Application.district_id == district_id)
    return [tuple(row) for row in session.execute(query)]


def resend(session, notification_id: int, now) -> Notification:
    """Give a failed message a fresh set of attempts (after the provider or the address was fixed)."""
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound()
    if row.status != "failed":
        raise WrongState(_l("Only a failed message can be sent again; this one is %(status)s."),
                         status=row.status)
    row.status, row.attempts, row.next_attempt_at = "pending", 0, None
    row.last_error = f"re-sent by the department at {now.isoformat()}; before: {row.last_error}"[:1000]
    tasks.defer(session, "deliver_notification", row.id)
    return row
