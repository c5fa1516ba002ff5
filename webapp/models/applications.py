"""Queue applications (заявления) and the kindergartens a parent prefers."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .types import UTCDateTime

STATUSES = (
    "queued", "invited", "responded", "referred", "enrolled",
    "stop_listed", "inactive", "aged_out", "withdrawn",
)
WAITING = frozenset({"queued", "invited", "stop_listed"})  # only these have a position
FINAL = frozenset({"enrolled", "withdrawn", "aged_out"})


class Application(db.Model):
    __table_args__ = (
        CheckConstraint("language IN ('kk', 'ru')", name="language_known"),
        CheckConstraint("tier IN ('extraordinary', 'priority', 'ordinary')", name="tier_known"),
        CheckConstraint(
            "status IN ('queued', 'invited', 'responded', 'referred', 'enrolled', 'stop_listed',"
            " 'inactive', 'aged_out', 'withdrawn')",
            name="status_known",
        ),
        # The queue index: a position is a count over one (segment, tier) slice of it.
        Index(
            "ix_application_queue",
            "locality_id", "language", "birth_year", "waiting", "tier", "submitted_at", "number",
        ),
        Index("ix_application_status_stop", "status", "stop_listed_until"),
        # One open application per child, whatever races the services lose.
        Index(
            "uq_application_one_open_per_child", "child_id", unique=True,
            sqlite_where=text("status NOT IN ('enrolled', 'withdrawn', 'aged_out')"),
            postgresql_where=text("status NOT IN ('enrolled', 'withdrawn', 'aged_out')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    # The segment (DESIGN §4): locality × language × the child's birth year.
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"), active_history=True)
    language: Mapped[str] = mapped_column(String(2), active_history=True)
    birth_year: Mapped[int] = mapped_column(Integer, active_history=True)
    # active_history on the columns that place an application in the queue tally: a change made to
    # an expired object still shows its old value to services.tally at flush time.
    # Kept in step with the claims by services.privileges.refresh_tier: the queue reads it directly.
    tier: Mapped[str] = mapped_column(String(16), default="ordinary", active_history=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", active_history=True)
    # Derived from status by the validator below, stored so that the queue index can use it.
    waiting: Mapped[bool] = mapped_column(Boolean, default=True, active_history=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, active_history=True)  # never changes
    interest_year: Mapped[int] = mapped_column(Integer)  # last year interest was confirmed
    stop_listed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    child: Mapped["Child"] = relationship()  # noqa: F821
    locality: Mapped["Locality"] = relationship()  # noqa: F821
    district: Mapped["District"] = relationship()  # noqa: F821
    preferences: Mapped[list["ApplicationPreference"]] = relationship(
        order_by="ApplicationPreference.rank", cascade="all, delete-orphan"
    )
    claims: Mapped[list["PrivilegeClaim"]] = relationship(  # noqa: F821
        back_populates="application", order_by="PrivilegeClaim.id"
    )

    @validates("status")
    def _keep_waiting_in_step(self, key, value):
        self.waiting = value in WAITING
        return value

    @property
    def segment(self) -> tuple[int, str, int]:
        return (self.locality_id, self.language, self.birth_year)

    @property
    def preferred_kindergarten_ids(self) -> list[int]:
        return [p.kindergarten_id for p in self.preferences]


class ApplicationPreference(db.Model):
    __table_args__ = (
        UniqueConstraint("application_id", "kindergarten_id", name="uq_preference_kindergarten"),
        UniqueConstraint("application_id", "rank", name="uq_preference_rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    kindergarten_id: Mapped[int] = mapped_column(ForeignKey("kindergarten.id"))
    rank: Mapped[int] = mapped_column(Integer)  # 1 = first choice
