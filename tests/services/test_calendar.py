"""Working days and deadlines (DESIGN §7). Dates are read off the 2026–2027 Kazakh calendar:
Nauryz 21–23 March 2026 with 24–25 March observed (21–22 fall on the weekend), New Year 1–2 January
with 4 January 2027 observed (2 January is a Saturday), Independence Day 16 December."""
from datetime import date, datetime

import pytest
from sqlalchemy import text

from webapp.models import CalendarOverride
from webapp.services import calendar, clock

from .helpers import World, almaty, end_of_day_utc, live_seat


@pytest.fixture
def world(factory):
    return World(factory)


def _override(session, district, day, working, note="decree"):
    session.add(CalendarOverride(district_id=district.id, day=day, is_working_day=working, note=note))
    session.flush()


def test_the_design_example_invited_on_friday_20_march_2026(world, session):
    assert calendar.nth_working_day_after(date(2026, 3, 20), 3) == date(2026, 3, 30)
    due = calendar.end_of_nth_working_day(session, world.district, almaty(2026, 3, 20, 15, 0), 3)
    assert due == datetime.fromisoformat("2026-03-30T23:59:59.999999+05:00")
    assert clock.iso(due) == "2026-03-30T18:59:59.999999Z"


def test_the_day_counted_from_is_the_local_day(world, session):
    # 20:00 UTC on Thursday 19 March is already Friday 20 March, 01:00 in Almaty.
    due = calendar.end_of_nth_working_day(session, world.district, datetime.fromisoformat(
        "2026-03-19T20:00:00+00:00"), 3)
    assert clock.iso(due) == "2026-03-30T18:59:59.999999Z"
    due = calendar.end_of_nth_working_day(session, world.district, datetime.fromisoformat(
        "2026-03-19T18:59:59+00:00"), 3)  # still Thursday in Almaty: 20, 26, 27 March
    assert clock.iso(due) == "2026-03-27T18:59:59.999999Z"


def test_a_saturday_made_working_by_an_override(world, session):
    _override(session, world.district, date(2026, 3, 28), True, "decree: working Saturday")
    due = calendar.end_of_nth_working_day(session, world.district, almaty(2026, 3, 20, 12, 0), 3)
    assert due == end_of_day_utc(date(2026, 3, 28))


def test_a_weekday_made_a_holiday_by_an_override(world, session):
    _override(session, world.district, date(2026, 3, 26), False, "decree: day off moved")
    due = calendar.end_of_nth_working_day(session, world.district, almaty(2026, 3, 20, 12, 0), 3)
    assert due == end_of_day_utc(date(2026, 3, 31))


def test_an_override_of_another_district_does_not_apply(world, session, factory):
    other = factory.district(code="XX")
    _override(session, other, date(2026, 3, 26), False)
    due = calendar.end_of_nth_working_day(session, world.district, almaty(2026, 3, 20, 12, 0), 3)
    assert due == end_of_day_utc(date(2026, 3, 30))


def test_a_deadline_across_new_year(world, session):
    # Tuesday 29 December 2026: 30, 31 December, then 1, 2 (Sat), 3 (Sun), 4 (observed) off → 5 January.
    assert calendar.nth_working_day_after(date(2026, 12, 29), 3) == date(2027, 1, 5)
    due = calendar.end_of_nth_working_day(session, world.district, almaty(2026, 12, 29, 10, 0), 3)
    assert clock.iso(due) == "2027-01-05T18:59:59.999999Z"
    # 10 working days: 30, 31 Dec, 5, 6, 8 (7 is Orthodox Christmas), 11–15 January.
    assert calendar.nth_working_day_after(date(2026, 12, 29), 10) == date(2027, 1, 15)


def test_an_invitation_deadline_is_stored_in_utc_and_shown_in_local_time(world, session):
    clock.set(almaty(2026, 3, 20, 11, 0))
    application, _ = world.bring_to("invited")
    seat = live_seat(session, application)
    raw = session.execute(text("SELECT deadline_at FROM seat WHERE id = :id"), {"id": seat.id}).scalar_one()
    if isinstance(raw, str):  # SQLite returns the stored text
        raw = datetime.fromisoformat(raw)
    assert raw.tzinfo is None and raw == datetime(2026, 3, 30, 18, 59, 59, 999999)  # naive UTC on disk
    assert seat.deadline_at.isoformat() == "2026-03-30T18:59:59.999999+00:00"
    assert calendar.local_day_text(world.district, seat.deadline_at) == "30.03.2026"
    assert calendar.local_date(world.district, seat.deadline_at) == date(2026, 3, 30)


def test_overrides_are_loaded_for_the_district_and_range(world, session):
    _override(session, world.district, date(2026, 3, 28), True)
    _override(session, world.district, date(2026, 5, 4), False)
    assert calendar.load_overrides(session, world.district.id, date(2026, 3, 1), date(2026, 3, 31)) == \
        {date(2026, 3, 28): True}
    assert calendar.load_overrides(session, None, date(2026, 1, 1), date(2027, 1, 1)) == {}


def test_working_days_between_counts_after_start_up_to_end(world, session):
    start, end = almaty(2026, 3, 20, 9, 0), almaty(2026, 3, 30, 9, 0)
    assert calendar.working_days_between(session, world.district, start, end) == 3
    _override(session, world.district, date(2026, 3, 28), True)
    assert calendar.working_days_between(session, world.district, start, end) == 4


def test_nth_working_day_needs_a_positive_n():
    with pytest.raises(ValueError):
        calendar.nth_working_day_after(date(2026, 3, 20), 0)


@pytest.mark.parametrize("day, working", [
    (date(2026, 3, 20), True), (date(2026, 3, 21), False), (date(2026, 3, 24), False),
    (date(2026, 3, 26), True), (date(2026, 12, 16), False), (date(2027, 1, 4), False),
])
def test_package_calendar(day, working):
    assert calendar.is_working_day(day) is working
    assert calendar.is_working_day(day, {day: not working}) is (not working)
