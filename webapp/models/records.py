"""Records the system keeps: the audit chain, the notification outbox, calendar overrides, locks."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class AuditEvent(db.Model):
    """Append-only and hash-chained (DESIGN §8); nothing ever updates or deletes a row."""

    # The transparency page lists the latest events of one action (distribution runs), the
    # department's audit viewer those of one role (its own, an admin's): without these indexes that
    # is a backward scan of millions of events for the few that match. The department's reports
    # count one district's events of a few actions per month: by action and time, with the
    # application (whose number names the district), the index alone answers them.
    __table_args__ = (Index("ix_audit_event_action_seq", "action", "seq"),
                      Index("ix_audit_event_actor_role_seq", "actor_role", "seq"),
                      Index("ix_audit_event_action_at", "action", "at", "application"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))  # exactly the string that was hashed
    action: Mapped[str] = mapped_column(String(64))
    application: Mapped[str | None] = mapped_column(String(32), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    private_digest: Mapped[str] = mapped_column(String(64))
    # The secret salt of private_digest (hex, 128 bits): never published, so the digest cannot be
    # guessed from a dictionary of accounts and categories, yet the department can prove the details.
    private_salt: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):
    """The chain head at the end of a day, published so that history cannot be rewritten quietly."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32))


class Notification(db.Model):
    """Outbox: written in the business transaction, delivered by a job after commit."""

    __table_args__ = (Index("ix_notification_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email | inbox
    event: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    read: Mapped[bool] = mapped_column(Boolean, default=False)  # for the in-cabinet inbox
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class CalendarOverride(db.Model):
    """A department's correction of the working-day calendar (decrees the package does not know)."""

    __table_args__ = (UniqueConstraint("district_id", "day", name="uq_override_district_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    day: Mapped[date] = mapped_column(Date)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")


class Lock(db.Model):
    """A named row to serialise writers on SQLite, which has no advisory locks (see services.locks)."""

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, default=0)


class JobRun(db.Model):
    """When a daily job last ran, so that a restarted scheduler does not run it twice in one day."""

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)
