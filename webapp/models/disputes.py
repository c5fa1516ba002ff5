"""A child registered by two accounts: the second account's attempt, kept for the department to
decide which account the child belongs to (keep it where it is, or move it with its applications)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

RESOLUTIONS = ("kept", "moved")


class ChildDispute(db.Model):
    __table_args__ = (
        CheckConstraint("resolution IS NULL OR resolution IN ('kept', 'moved')", name="resolution_known"),
        # One open dispute per child and claimant, however often the claimant tries again.
        Index("uq_child_dispute_open", "child_id", "claimant_id", unique=True,
              sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)  # the second account
    # The department that decides (services.disputes.district_for); None: no application anywhere yet.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(8))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # the department's, private (may name people)

    child: Mapped["Child"] = relationship()  # noqa: F821
    claimant: Mapped["User"] = relationship(foreign_keys=[claimant_id])  # noqa: F821
