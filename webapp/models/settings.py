"""System settings the administration edits from the browser (the SMS sender name, the mail From
address…). Only values that are safe to show live here: API tokens and SMTP passwords stay in the
environment. A key without a row falls back to the configuration."""
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Setting(db.Model):
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # the configuration name it overrides
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
