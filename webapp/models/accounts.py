"""Accounts' one-time codes: the 6-digit SMS codes that confirm a phone, reset a password or prove
a new phone before the account moves to it."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

CODE_PURPOSES = ("confirm_phone", "reset_password", "change_phone")


class PhoneCode(db.Model):
    """One code sent by SMS. Only a keyed hash of the code is kept; the row counts the attempts and
    is closed (``used_at``) when the code is accepted or replaced by a newer one."""

    __table_args__ = (
        CheckConstraint("purpose IN ('confirm_phone', 'reset_password', 'change_phone')", name="purpose_known"),
        Index("ix_phone_code_phone_created", "phone", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # Where it was sent: limits count per phone. For ``change_phone`` it is the new number, which the
    # account takes only once this code is accepted.
    phone: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
