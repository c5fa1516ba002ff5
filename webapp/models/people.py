"""People: accounts (parents, staff, department operators, admins) and children."""
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

ROLES = ("parent", "staff", "department", "admin")


class User(UserMixin, db.Model):
    __table_args__ = (
        CheckConstraint("role IN ('parent', 'staff', 'department', 'admin')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)  # +77XXXXXXXXX
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="parent")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    kindergarten_id: Mapped[int | None] = mapped_column(ForeignKey("kindergarten.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(300), default="")
    iin: Mapped[str | None] = mapped_column(String(12))
    language: Mapped[str] = mapped_column(String(2), default="ru")
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Channels the account chose for notifications; the cabinet's inbox always receives them.
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    children: Mapped[list["Child"]] = relationship(back_populates="parent", order_by="Child.id")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active


class Child(db.Model):
    __table_args__ = (CheckConstraint("sex IN ('M', 'F')", name="sex_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    iin: Mapped[str] = mapped_column(String(12), unique=True)
    surname: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    parent: Mapped[User] = relationship(back_populates="children")

    @property
    def masked_name(self) -> str:
        """Initials only ("А. С."), the most a public page may show."""
        return mask_name(self.name, self.surname)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.name, self.patronymic) if part)


def mask_name(name: str, surname: str) -> str:
    return f"{name[:1]}. {surname[:1]}."
