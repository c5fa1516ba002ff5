"""Dates and numbers in the visitor's locale and the district's time zone (Flask-Babel)."""
from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_decimal

from ..services import clock


def init_app(app) -> None:
    app.jinja_env.filters.update(day=day, month=month, moment=moment, number=number)


def _instant(value):
    return clock.parse(value) if isinstance(value, str) else value


def day(value) -> str:
    """"30 March 2026" in the visitor's language; an instant is first moved to local time."""
    if value is None:
        return ""
    value = _instant(value)
    if isinstance(value, datetime):
        return format_date(value, "long")  # converts to BABEL_DEFAULT_TIMEZONE first
    return format_date(value, "long") if isinstance(value, date) else str(value)


def month(value) -> str:
    """"March 2026": a month as a calendar names it (standalone form, as Kazakh and Russian need)."""
    return format_date(value, "LLLL yyyy") if value is not None else ""


def moment(value) -> str:
    """Date and time, local: "30 March 2026, 23:59"."""
    if value is None:
        return ""
    return format_datetime(_instant(value), "d MMMM y, HH:mm")


def number(value) -> str:
    return format_decimal(value) if value is not None else ""
