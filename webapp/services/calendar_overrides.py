"""The department's corrections of the working-day calendar (DESIGN §7), and the year as the
department sees it: each day working, weekend, public holiday, weekend made working by a decree, or
overridden by the department.

An override applies to every deadline computed after it is saved (services.calendar reads them):
deadlines already set stay as the parent was told. An override that says what the package already
says is refused: it would change nothing and hide a later correction of the package.
"""
import calendar as weeks
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import CalendarOverride, District
from . import audit, calendar, locks
from .actors import require_department
from .errors import InvalidInput, NotFound

FIRST_YEAR, LAST_YEAR = 2000, 2100
NOTE_LENGTH = 300


@dataclass(frozen=True)
class Day:
    day: date
    state: str  # working | weekend | holiday | decreed_working
    holiday: str = ""  # the holiday's name (state holiday)
    override: CalendarOverride | None = None

    @property
    def working(self) -> bool:
        return self.override.is_working_day if self.override is not None else self.state in (
            "working", "decreed_working")


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list  # lists of 7 Day or None (Monday first)

    @property
    def special(self) -> list[Day]:
        """The days a reader wants named: holidays, decreed working days and overrides."""
        return [d for week in self.weeks for d in week
                if d is not None and (d.state in ("holiday", "decreed_working") or d.override is not None)]


def package_state(day: date) -> str:
    if calendar.package_says_working(day):
        return "working" if day.weekday() < 5 else "decreed_working"
    return "holiday" if day in _names(day.year, None) else "weekend"


@lru_cache(maxsize=32)
def _names(year: int, language: str | None):
    return holidays.country_holidays("KZ", years=year, language=language)


def holiday_name(day: date, language: str) -> str:
    """In the page's language where the package has it (Kazakh, English), else in the package's own
    language (Kazakh)."""
    known = holidays.country_holidays("KZ", years=day.year)
    wanted = {"en": "en_US"}.get(language, language)
    names = _names(day.year, wanted if wanted in known.supported_languages else known.default_language)
    return names.get(day) or ""


def year_view(session, district_id: int, year: int, language: str) -> list[Month]:
    overrides = {o.day: o for o in of_year(session, district_id, year)}
    months = []
    for number in range(1, 13):
        rows = []
        for week in weeks.Calendar(firstweekday=0).monthdatescalendar(year, number):
            rows.append([_day(d, overrides.get(d), language) if d.month == number else None for d in week])
        months.append(Month(date(year, number, 1), rows))
    return months


def _day(day: date, override, language: str) -> Day:
    state = package_state(day)
    return Day(day, state, holiday_name(day, language) if state == "holiday" else "", override)


def of_year(session, district_id: int, year: int) -> list[CalendarOverride]:
    return session.scalars(select(CalendarOverride).where(
        CalendarOverride.district_id == district_id, CalendarOverride.day >= date(year, 1, 1),
        CalendarOverride.day <= date(year, 12, 31)).order_by(CalendarOverride.day)).all()


def add(session, district_id: int, actor, now, day: date, working: bool, note: str) -> CalendarOverride:
    district = session.get(District, district_id)
    if district is None:
        raise NotFound()
    require_department(actor, district_id)
    note = (note or "").strip()
    if not isinstance(day, date) or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(_l("Enter a day between %(first)d and %(last)d."), first=FIRST_YEAR, last=LAST_YEAR)
    if not note:
        raise InvalidInput(_l("Give the reason for the override, such as the decree's number and date."))
    if len(note) > NOTE_LENGTH:
        raise InvalidInput(_l("The reason is longer than %(most)d characters."), most=NOTE_LENGTH)
    locks.acquire(session, f"calendar:{district_id}")  # a double submit waits, then finds the first one
    if session.scalar(select(CalendarOverride.id).where(CalendarOverride.district_id == district_id,
                                                          CalendarOverride.day == day)) is not None:
        raise InvalidInput(_l("This day already has an override: remove it first."))
    if calendar.package_says_working(day) == bool(working):
        raise InvalidInput(_l("The national calendar already counts this day so: the override would change nothing."))
    override = CalendarOverride(district_id=district_id, day=day, is_working_day=bool(working), note=note)
    session.add(override)
    session.flush()
    audit.record(session, "calendar.override_added", actor=actor, at=now, reason=note,
                 data={"district_id": district_id, "day": day.isoformat(), "working": bool(working)})
    return override


def remove(session, district_id: int, override_id: int, actor, now) -> bool:
    """True when removed; False when it was already gone (a double submit changes nothing)."""
    require_department(actor, district_id)
    locks.acquire(session, f"calendar:{district_id}")
    override = session.get(CalendarOverride, override_id, populate_existing=True)
    if override is None:
        return False
    if override.district_id != district_id:
        raise NotFound()
    day, working = override.day, override.is_working_day
    session.delete(override)
    session.flush()
    audit.record(session, "calendar.override_removed", actor=actor, at=now,
                 data={"district_id": district_id, "day": day.isoformat(), "working": working})
    return True

