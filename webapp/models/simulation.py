"""A policy simulation (issue 11): the district's last twelve months replayed under another rule.

``parameters`` and ``result`` are canonical JSON text, as the audit chain keeps its ``data``: the
same bytes on SQLite and PostgreSQL, read with ``json.loads``."""
import json
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

SIMULATION_STATUSES = ("queued", "running", "done", "failed")


class PolicySimulation(db.Model):
    __tablename__ = "policy_simulation"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_in_range"),
        # The district's list, newest first.
        Index("ix_policy_simulation_district_created", "district_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    parameters: Mapped[str] = mapped_column(Text, default="{}")  # {"rule": "ratio"|"strict", "k", "start", "end"}
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text, default="")

    @property
    def params(self) -> dict:
        return json.loads(self.parameters or "{}")

    @property
    def outcome(self) -> dict | None:
        return json.loads(self.result) if self.result else None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")
