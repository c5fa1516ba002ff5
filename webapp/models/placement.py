"""Placement: bulletins of free places, the seats applications claim on them, and referrals."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

ACTIVE_SEAT_STATES = ("reserved", "held", "referred", "filled")


class Bulletin(db.Model):
    __table_args__ = (
        # The seat invariant, enforced by the database itself: claimed counts active seats, and
        # services claim with a conditional UPDATE, so no race can give a seat twice.
        CheckConstraint("claimed >= 0 AND claimed <= places", name="claimed_within_places"),
        CheckConstraint("status IN ('draft', 'published', 'closed', 'withdrawn')", name="status_known"),
        Index("ix_bulletin_segment", "locality_id", "language", "birth_year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("kindergarten_group.id"), index=True)
    # Copied from the group so that distribution and the catalogue need no joins.
    kindergarten_id: Mapped[int] = mapped_column(ForeignKey("kindergarten.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"))
    language: Mapped[str] = mapped_column(String(2))
    birth_year: Mapped[int] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    group: Mapped["Group"] = relationship()  # noqa: F821
    kindergarten: Mapped["Kindergarten"] = relationship()  # noqa: F821

    @property
    def free_places(self) -> int:
        return self.places - self.claimed

    @property
    def segment(self) -> tuple[int, str, int]:
        return (self.locality_id, self.language, self.birth_year)


class Seat(db.Model):
    __table_args__ = (
        CheckConstraint(
            "state IN ('reserved', 'held', 'referred', 'filled', 'released')", name="state_known"
        ),
        # At most one live seat per application, whatever the code above does.
        Index(
            "uq_seat_one_active_per_application", "application_id", unique=True,
            sqlite_where=text("state != 'released'"), postgresql_where=text("state != 'released'"),
        ),
        Index("ix_seat_state_deadline", "state", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletin.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    state: Mapped[str] = mapped_column(String(16), default="reserved")
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    bulletin: Mapped[Bulletin] = relationship()
    application: Mapped["Application"] = relationship()  # noqa: F821
    referral: Mapped["Referral | None"] = relationship(back_populates="seat", uselist=False)


class Referral(db.Model):
    """The направление: proof that a seat was given, checkable by anyone with its QR token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # secret, in the QR code
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="issued")  # issued | used | expired | cancelled

    seat: Mapped[Seat] = relationship(back_populates="referral")
    application: Mapped["Application"] = relationship()  # noqa: F821
