"""Working days in Kazakhstan and deadlines counted in them (DESIGN §7).

The ``holidays`` package knows public holidays, observed days and the weekend days that decrees made
working; a department's overrides correct it for decrees the package does not know yet.
"""
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..models import CalendarOverride

END_OF_DAY = time(23, 59, 59, 999999)
LOOKAHEAD_DAYS = 120  # far more than any deadline (10 working days) can span


@lru_cache(maxsize=64)
def _kz(year: int):
    return holidays.country_holidays("KZ", years=year)


def package_says_working(day: date) -> bool:
    return _kz(day.year).is_working_day(day)


_CACHE = "calendar_overrides"


def load_overrides(session, district_id: int | None, start: date, end: date) -> dict[date, bool]:
    """The district's overrides in [start, end]. Read once per transaction and range: distribution
    and the sweep compute a deadline for every invitation and stop-list, nearly always over the
    same days. The cache lives in the session and ends with the transaction (and with any change
    of an override), so it never outlives what the database says."""
    if district_id is None:
        return {}
    if any(isinstance(obj, CalendarOverride) for obj in (*session.new, *session.deleted)):
        session.flush()  # flushing clears the cache below
    cache = session.info.setdefault(_CACHE, {})
    key = (district_id, start, end)
    if key not in cache:
        rows = session.execute(
            select(CalendarOverride.day, CalendarOverride.is_working_day).where(
                CalendarOverride.district_id == district_id,
                CalendarOverride.day >= start,
                CalendarOverride.day <= end,
            )
        )
        cache[key] = {day: working for day, working in rows}
    return dict(cache[key])


@event.listens_for(Session, "after_transaction_end")
def _forget_overrides(session, transaction) -> None:
    if transaction.parent is None:  # the transaction itself, not a flush's inner one
        session.info.pop(_CACHE, None)


@event.listens_for(Session, "after_flush")
def _forget_changed_overrides(session, flush_context) -> None:
    if any(isinstance(obj, CalendarOverride) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_CACHE, None)


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    return package_says_working(day)


def nth_working_day_after(day: date, n: int, overrides: dict[date, bool] | None = None) -> date:
    """The Nth working day strictly after ``day``."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current, found = day, 0
    while found < n:
        current += timedelta(days=1)
        if is_working_day(current, overrides):
            found += 1
    return current


def end_of_nth_working_day(session, district, moment: datetime, n: int) -> datetime:
    """23:59:59.999999 local time of the Nth working day after the local day of ``moment``, in UTC."""
    zone = ZoneInfo(district.timezone)
    local_day = moment.astimezone(zone).date()
    overrides = load_overrides(session, district.id, local_day, local_day + timedelta(days=LOOKAHEAD_DAYS))
    due_day = nth_working_day_after(local_day, n, overrides)
    return datetime.combine(due_day, END_OF_DAY, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def local_date(district, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(district.timezone)).date()


def working_days_between(session, district, start: datetime, end: datetime) -> int:
    """Whole working days after the local day of ``start`` up to and including that of ``end``."""
    first, last = local_date(district, start), local_date(district, end)
    overrides = load_overrides(session, district.id, first, last)
    days = (first + timedelta(days=i) for i in range(1, (last - first).days + 1))
    return sum(1 for day in days if is_working_day(day, overrides))


def local_day_text(district, moment: datetime) -> str:
    """A deadline as a parent reads it: the local date, DD.MM.YYYY."""
    return local_date(district, moment).strftime("%d.%m.%Y")
