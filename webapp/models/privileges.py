"""Priority rights (льготы) and the claims parents make on an application."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .localized import Localized
from .types import UTCDateTime

TIERS = ("extraordinary", "priority", "ordinary")  # queue order, best first


class PrivilegeCategory(Localized, db.Model):
    __table_args__ = (CheckConstraint("tier IN ('extraordinary', 'priority')", name="tier_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    tier: Mapped[str] = mapped_column(String(16))
    document_required: Mapped[bool] = mapped_column(Boolean, default=True)


class PrivilegeClaim(db.Model):
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'verified', 'rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("privilege_category.id"))
    document_path: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[date | None] = mapped_column(Date)  # None: does not expire
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    category: Mapped[PrivilegeCategory] = relationship()
    application: Mapped["Application"] = relationship(back_populates="claims")  # noqa: F821

    def is_effective(self, today: date) -> bool:
        """Only a verified, unexpired claim moves an application up."""
        return self.status == "verified" and (self.valid_until is None or self.valid_until >= today)
