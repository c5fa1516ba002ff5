"""What "Movement explained" reads (DESIGN §8): the changes to each segment's waiting set, derived
from the public audit events (services.movement_log writes them, services.movement reads them).

Both tables are derived data: ``flask movement rebuild`` recreates them from the audit chain."""
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class MovementTotal(db.Model):
    """Net change of a segment's waiting applications of one tier in one local calendar month, per
    kind of change (``services.movement_log.KINDS``); kind ``invited`` counts invitations instead."""

    locality_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    birth_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the 1st, district local time
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class MovementChange(db.Model):
    """One application's change to its segment's waiting set (all kinds but submissions, which are
    always behind everyone already waiting): enough to tell whether it was ahead of another one in
    the same tier, by (submitted_at, number) — the queue's own order.

    ``running`` is the sum of ``delta`` over the rows of the same segment, tier, month and kind up to
    this one in that order, filled once the month is over (services.movement_log.close_months), so
    that "how many of them were ahead of me" is one index seek instead of a sum."""

    __table_args__ = (
        Index("ix_movement_change_before", "locality_id", "language", "birth_year", "tier", "month", "kind",
              "submitted_at", "number", "delta", "running"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2))
    birth_year: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(16))
    month: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(24))
    delta: Mapped[int] = mapped_column(Integer)
    running: Mapped[int | None] = mapped_column(Integer)
