"""Instants as integer microseconds since 1970 (UTC): a million applications sort and compare fast.

The demo's past ends at ``horizon`` (a little before "now"): everything before it is written in
bulk, everything after it is played through the services (see ``history``).
"""
from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1)
SECOND = 1_000_000
DAY = 86_400 * SECOND
SWEEP_AFTER_MIDNIGHT = 0  # the nightly sweep runs at local midnight: the day has changed


def to_us(moment: datetime) -> int:
    return (moment.astimezone(timezone.utc).replace(tzinfo=None) - EPOCH) // timedelta(microseconds=1)


def to_datetime(us: int) -> datetime:
    return (EPOCH + timedelta(microseconds=us)).replace(tzinfo=timezone.utc)


_DAY_TEXT: dict[int, str] = {}


def _text(us: int, template: str) -> str:
    # Arithmetic and a cache of day strings: three times faster than building a datetime.
    day, rest = divmod(us, DAY)
    day_text = _DAY_TEXT.get(day)
    if day_text is None:
        day_text = _DAY_TEXT[day] = (EPOCH + timedelta(days=day)).date().isoformat()
    seconds, fraction = divmod(rest, SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return template % (day_text, hours, minutes, seconds, fraction)


def db_text(us: int) -> str:
    """The naive-UTC text both databases accept, exactly as SQLAlchemy writes it on SQLite."""
    return _text(us, "%s %02d:%02d:%02d.%06d")


def audit_text(us: int) -> str:
    """The same instant as ``clock.iso`` writes it into audit records."""
    return _text(us, "%sT%02d:%02d:%02d.%06dZ")


class Calendar:
    """Local dates and the yearly moments of the district's time zone, precomputed for speed."""

    def __init__(self, zone_name: str, first_year: int, last_year: int):
        self.zone = ZoneInfo(zone_name)
        self._midnights: dict[int, int] = {}
        self.years = list(range(first_year, last_year + 1))
        self.year_starts = [self.midnight(date(y, 1, 1)) for y in self.years]

    def midnight(self, day: date) -> int:
        return self.midnight_of(day.toordinal())

    def midnight_of(self, ordinal: int) -> int:
        """Local midnight of a day given as a date ordinal (cached: a few thousand days are asked for)."""
        found = self._midnights.get(ordinal)
        if found is None:
            found = to_us(datetime.combine(date.fromordinal(ordinal), time(0), tzinfo=self.zone))
            self._midnights[ordinal] = found
        return found

    def sweep_moment(self, day: date) -> int:
        return self.midnight(day) + SWEEP_AFTER_MIDNIGHT

    def year_of(self, us: int) -> int:
        return self.years[bisect_right(self.year_starts, us) - 1]

    def local_date(self, us: int) -> date:
        return to_datetime(us).astimezone(self.zone).date()
