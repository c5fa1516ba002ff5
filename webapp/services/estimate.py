"""A waiting-time estimate for the lookup page: a range of months, never a promise.

Method (``seasonal_pace``): take the invitations of the application's segment in each of the last
12 full calendar months (district local time; ``invitation.created`` events, counted by
services.movement_log). Assume each coming month, starting with the current one counted whole,
brings as many invitations as the same calendar month did in that year, at between three quarters
and one and a quarter of that pace. The range runs from the first month in which the running total
at the faster pace reaches the application's position to the first month in which it does at the
slower pace. Invitations are the queue's real throughput (the seats that came free, seasons and
all); the ±25 % is the honest width of "most likely", not a confidence interval.

Enough history: at least 12 invitations in those 12 months, in at least 3 different months, and a
range that ends within 36 months. Otherwise, and for an application that is not waiting, there is
no estimate (None): a guess from a handful of invitations would read as a promise.
"""
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, func, select

from ..models import MovementTotal
from . import movement_log, queue
from .movement import last_months
from .queue import Segment

METHOD = "seasonal_pace"
MIN_INVITATIONS = 12
MIN_MONTHS_WITH_INVITATIONS = 3
HORIZON_MONTHS = 36
FASTER, SLOWER = 1.25, 0.75


@dataclass(frozen=True)
class Estimate:
    earliest: date  # the 1st of the first month of the range
    latest: date  # the 1st of its last month
    position: int
    invitations_last_12_months: int
    method: str = METHOD

    def describe_range(self) -> str:
        return _("Most likely between %(earliest)s and %(latest)s.",
                 earliest=format_date(self.earliest, "LLLL yyyy"), latest=format_date(self.latest, "LLLL yyyy"))

    def describe_method(self) -> str:
        return ngettext(
            "Estimated from the %(num)d invitation in this queue over the last 12 months, assuming the coming "
            "months bring between three quarters and one and a quarter as many as the same months did; not a "
            "promise.",
            "Estimated from the %(num)d invitations in this queue over the last 12 months, assuming the coming "
            "months bring between three quarters and one and a quarter as many as the same months did; not a "
            "promise.", self.invitations_last_12_months)


def for_application(session, application, now: datetime,
                    explanation: queue.Explanation | None = None) -> Estimate | None:
    """The estimate for a waiting application, or None (not waiting, or not enough history). Pass
    the lookup's ``queue.explain`` result when there is one."""
    if not application.waiting:
        return None
    district = application.district  # held by the application: loaded once for both pieces
    zone = ZoneInfo(district.timezone)
    months = last_months(now, zone, 13)
    past, current = months[:-1], months[-1]
    per_month = invitations_by_month(session, Segment.of(application), past)
    total = sum(per_month.values())
    if total < MIN_INVITATIONS or sum(1 for n in per_month.values() if n) < MIN_MONTHS_WITH_INVITATIONS:
        return None
    position = (explanation or queue.explain(session, application)).position
    earliest = _month_reached(position, per_month, current, FASTER)
    latest = _month_reached(position, per_month, current, SLOWER)
    if earliest is None or latest is None:
        return None
    return Estimate(earliest, latest, position, total)


_INVITATIONS = (  # built once: cheaper than building it per lookup
    select(MovementTotal.month, func.sum(MovementTotal.count))
    .where(MovementTotal.locality_id == bindparam("locality_id"), MovementTotal.language == bindparam("language"),
           MovementTotal.birth_year == bindparam("birth_year"), MovementTotal.kind == movement_log.INVITED,
           MovementTotal.month.in_(bindparam("months", expanding=True)))
    .group_by(MovementTotal.month)
)


def invitations_by_month(session, segment: Segment, months: list[date]) -> dict[date, int]:
    rows = session.execute(_INVITATIONS, dict(segment.as_dict(), months=months)).all()
    found = {month: int(n) for month, n in rows}
    return {month: found.get(month, 0) for month in months}


def _month_reached(position: int, per_month: dict[date, int], current: date, pace: float) -> date | None:
    by_calendar_month = {month.month: n for month, n in per_month.items()}
    year, month, running = current.year, current.month, 0
    for _step in range(HORIZON_MONTHS):
        running += by_calendar_month.get(month, 0)
        if running * pace >= position:
            return date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None
