"""The queue's order statistics, kept in step with the applications (DESIGN §4, §12).

``QueueTally`` counts the waiting applications of one (segment, tier) submitted in one UTC week
(``day`` is its Monday);
``QueueCount`` counts them per (segment, tier) over all days. With them a position is a handful of
small sums plus a count within one week, a deep queue page starts at the right week, and the registry
reads queue sizes without touching the applications. Both are derived data: services.tally keeps
them exact in the transaction of every change and rebuilds or checks them from the applications.
"""
from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class QueueTally(db.Model):
    __tablename__ = "queue_tally"

    locality_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    birth_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # Monday of submitted_at's UTC week
    waiting: Mapped[int] = mapped_column(Integer, default=0)


class QueueCount(db.Model):
    __tablename__ = "queue_count"

    locality_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    birth_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    waiting: Mapped[int] = mapped_column(Integer, default=0)
