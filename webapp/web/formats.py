"""Dates and numbers in the visitor's locale and the district's time zone.

Babel does the formatting; the locale and time zone are looked up once per request (a 50-row page
formats 100 values, and Flask-Babel's per-call lookups were a third of its rendering time)."""
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import g
from flask_babel import get_locale, get_timezone

from ..services import clock


def init_app(app) -> None:
    app.jinja_env.filters.update(day=day, month=month, moment=moment, number=number)
    app.before_request(_forget)


def _forget() -> None:
    """A request inside a longer app context (tests) looks the visitor's locale up again."""
    g.pop("_formats", None)


def _context():
    cached = g.get("_formats")
    if cached is None:
        cached = g._formats = (get_locale(), get_timezone())
    return cached


def _instant(value):
    return clock.parse(value) if isinstance(value, str) else value


def day(value) -> str:
    """"30 March 2026" in the visitor's language; an instant is first moved to local time."""
    if value is None:
        return ""
    value = _instant(value)
    locale, zone = _context()
    if isinstance(value, datetime):
        value = value.astimezone(zone).date()
    return format_date(value, "long", locale=locale) if isinstance(value, date) else str(value)


def month(value) -> str:
    """"March 2026": a month as a calendar names it (standalone form, as Kazakh and Russian need)."""
    return format_date(value, "LLLL yyyy", locale=_context()[0]) if value is not None else ""


def moment(value) -> str:
    """Date and time, local: "30 March 2026, 23:59"."""
    if value is None:
        return ""
    locale, zone = _context()
    return format_datetime(_instant(value), "d MMMM y, HH:mm", tzinfo=zone, locale=locale)


def number(value) -> str:
    return format_decimal(value, locale=_context()[0]) if value is not None else ""
