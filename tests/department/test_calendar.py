"""The district's calendar (DESIGN §7): the year's days as the deadlines count them, the department's
overrides, who may change them, the audit trail, and deadlines that follow the overrides."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, CalendarOverride
from webapp.services import calendar_overrides as overrides
from webapp.services import clock
from webapp.services.errors import Forbidden, InvalidInput, NotFound

from ..services.helpers import end_of_day_utc, english, live_seat
from .conftest import PASSWORD, csrf_token, log_in, post

# The tests' clock: Wednesday 25 November 2026 in Almaty. Thursday 26 November is a working day
# by the national calendar; Saturday 28 November is a weekend day.
THURSDAY, SATURDAY = date(2026, 11, 26), date(2026, 11, 28)


def _overrides():
    db.session.rollback()
    return db.session.execute(select(CalendarOverride.district_id, CalendarOverride.day,
                                     CalendarOverride.is_working_day).order_by(CalendarOverride.id)).all()


def _events():
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("calendar.%"))
                              .order_by(AuditEvent.seq)).all()


def _add(world, day=THURSDAY, working=False, note="Постановление №1"):
    override = overrides.add(world.session, world.district.id, world.department, clock.now(), day, working, note)
    world.commit()
    return override


# --- the year -----------------------------------------------------------------------------------------

def _day(months, day):
    return next(d for m in months for week in m.weeks for d in week if d is not None and d.day == day)


def test_the_year_shows_each_days_state_with_the_holidays_names(world, session):
    months = overrides.year_view(session, world.district.id, 2026, "kk")
    assert len(months) == 12 and all(len(week) == 7 for m in months for week in m.weeks)
    assert _day(months, date(2026, 3, 26)).state == "working"
    assert _day(months, date(2026, 3, 28)).state == "weekend"
    nowruz = _day(months, date(2026, 3, 23))
    assert nowruz.state == "holiday" and nowruz.holiday == "Наурыз мейрамы" and not nowruz.working
    english_names = overrides.year_view(session, world.district.id, 2026, "en")
    assert _day(english_names, date(2026, 3, 23)).holiday == "Nowruz Holiday"
    # Russian is not among the package's languages: the name as the package gives it (Kazakh).
    assert _day(overrides.year_view(session, world.district.id, 2026, "ru"), date(2026, 3, 23)).holiday == \
        "Наурыз мейрамы"


def test_a_weekend_made_working_by_a_decree_is_shown_so(world, session):
    day = _day(overrides.year_view(session, world.district.id, 2013, "en"), date(2013, 12, 28))
    assert day.day.weekday() == 5 and day.state == "decreed_working" and day.working


def test_an_override_changes_the_day_in_the_year(world, session):
    _add(world, SATURDAY, working=True)
    day = _day(overrides.year_view(session, world.district.id, 2026, "en"), SATURDAY)
    assert day.state == "weekend" and day.working and day.override.note == "Постановление №1"


# --- the service ----------------------------------------------------------------------------------------

def test_adding_and_removing_are_recorded_with_the_actor(world, session):
    override = _add(world)
    assert _overrides() == [(world.district.id, THURSDAY, False)]
    assert overrides.remove(session, world.district.id, override.id, world.department, clock.now()) is True
    world.commit()
    assert _overrides() == []
    added, removed = _events()
    assert (added.action, added.actor_role, added.reason) == ("calendar.override_added", "department",
                                                              "Постановление №1")
    assert json.loads(added.data) == {"district_id": world.district.id, "day": "2026-11-26", "working": False}
    assert (removed.action, removed.actor_role) == ("calendar.override_removed", "department")
    assert json.loads(removed.data) == {"district_id": world.district.id, "day": "2026-11-26", "working": False}


def test_removing_twice_changes_nothing_the_second_time(world, session):
    override = _add(world)
    overrides.remove(session, world.district.id, override.id, world.department, clock.now())
    world.commit()
    assert overrides.remove(session, world.district.id, override.id, world.department, clock.now()) is False
    world.commit()
    assert len(_events()) == 2


@pytest.mark.parametrize(("day", "working", "note", "message"), [
    (THURSDAY, True, "Приказ", "already counts this day"),  # a working day made working: pointless
    (SATURDAY, False, "Приказ", "already counts this day"),
    (date(2026, 3, 23), False, "Приказ", "already counts this day"),  # a holiday made a day off
    (SATURDAY, True, "   ", "Give the reason"),
    (SATURDAY, True, "x" * 301, "longer than 300"),
    (date(1999, 12, 31), True, "Приказ", "between 2000 and 2100"),
])
def test_invalid_overrides_are_refused(world, session, day, working, note, message):
    with pytest.raises(InvalidInput) as error:
        overrides.add(session, world.district.id, world.department, clock.now(), day, working, note)
    assert message in english(error.value)
    session.rollback()
    assert _overrides() == [] and _events() == []


def test_a_second_override_of_the_same_day_is_refused(world, session):
    _add(world)
    with pytest.raises(InvalidInput) as error:
        overrides.add(session, world.district.id, world.department, clock.now(), THURSDAY, False, "Ещё раз")
    assert "already has an override" in english(error.value)
    session.rollback()
    assert len(_overrides()) == 1


def test_only_the_department_of_the_district_may_change_the_calendar(world, factory, session):
    stranger = factory.department(factory.district(code="ZZ"))[1]
    for actor in (world.staff, world.parent_actor, stranger):
        with pytest.raises(Forbidden):
            overrides.add(session, world.district.id, actor, clock.now(), THURSDAY, False, "Приказ")
        session.rollback()
    override = _add(world)
    with pytest.raises(NotFound):  # the stranger's own district has no such override
        overrides.remove(session, stranger.district_id, override.id, stranger, clock.now())
    session.rollback()
    assert len(_overrides()) == 1


# --- deadlines follow the overrides ------------------------------------------------------------------------

def test_a_day_off_moves_a_new_invitations_deadline(world, session):
    _add(world, THURSDAY, working=False)
    application, _ = world.bring_to("invited")
    # Invited Wednesday 25 November; Thursday is off: Friday 27, Monday 30, Tuesday 1 December.
    assert live_seat(session, application).deadline_at == end_of_day_utc(date(2026, 12, 1))


def test_a_working_saturday_shortens_a_new_invitations_deadline(world, session):
    _add(world, SATURDAY, working=True)
    application, _ = world.bring_to("invited")
    assert live_seat(session, application).deadline_at == end_of_day_utc(SATURDAY)  # 26, 27, 28 November


def test_an_override_of_another_district_does_not_count_here(world, factory, session):
    other = factory.district(code="QQ")
    factory.commit()
    overrides.add(session, other.id, factory.department(other)[1], clock.now(), THURSDAY, False, "Приказ")
    world.commit()
    application, _ = world.bring_to("invited")
    assert live_seat(session, application).deadline_at == end_of_day_utc(date(2026, 11, 30))


# --- the page ----------------------------------------------------------------------------------------------

def test_the_page_shows_the_current_year_and_another_on_request(department, world):
    text = department.get("/department/calendar").get_data(as_text=True)
    assert "Calendar 2026" in text and "Nowruz Holiday" in text and "No overrides this year" in text
    assert "Calendar 2027" in department.get("/department/calendar?year=2027").get_data(as_text=True)
    assert department.get("/department/calendar?year=1800").status_code == 404


def test_the_department_adds_and_removes_an_override_in_the_page(department, world):
    response = post(department, "/department/calendar/overrides",
                    {"day": "2026-11-28", "working": "working", "note": "Постановление №5"},
                    page="/department/calendar")
    assert response.status_code == 303 and "year=2026" in response.headers["Location"]
    assert _overrides() == [(world.district.id, SATURDAY, True)]
    text = department.get("/department/calendar").get_data(as_text=True)
    assert "Постановление №5" in text and "working day (override)" in text
    [override_id] = db.session.scalars(select(CalendarOverride.id)).all()
    for _ in range(2):  # a double submit is harmless
        response = post(department, f"/department/calendar/overrides/{override_id}/remove", {"year": "2026"},
                        page="/department/calendar")
        assert response.status_code == 303
    assert _overrides() == [] and [e.action for e in _events()] == ["calendar.override_added",
                                                                    "calendar.override_removed"]


@pytest.mark.parametrize(("data", "message"), [
    ({"day": "2026-11-26", "working": "working", "note": "Приказ"}, "would change nothing"),
    ({"day": "2026-11-28", "working": "working", "note": ""}, "Give the reason"),
    ({"day": "28.11.2026", "working": "working", "note": "Приказ"}, "such as 2027-01-03"),
    ({"day": "2026-11-28", "working": "", "note": "Приказ"}, "Choose: a working day or a day off"),
])
def test_an_invalid_override_gives_422_and_changes_nothing(department, world, data, message):
    response = post(department, "/department/calendar/overrides", data, page="/department/calendar")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _overrides() == [] and _events() == []


def test_a_duplicate_day_gives_422(department, world):
    _add(world, SATURDAY, working=True)
    response = post(department, "/department/calendar/overrides",
                    {"day": "2026-11-28", "working": "working", "note": "Ещё раз"}, page="/department/calendar")
    assert response.status_code == 422 and "already has an override" in response.get_data(as_text=True)
    assert len(_overrides()) == 1


# --- access ------------------------------------------------------------------------------------------------

ROUTES = [("GET", "/department/calendar"), ("POST", "/department/calendar/overrides"),
          ("POST", "/department/calendar/overrides/{id}/remove")]
FORM = {"day": "2026-11-28", "working": "working", "note": "Приказ"}


@pytest.fixture
def existing(world):
    """An override of the world's district (a working Thursday would be pointless: a day off)."""
    return _add(world, THURSDAY, working=False, note="Секретная заметка района")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, existing, method, path):
    response = client.open(path.format(id=existing.id), method=method)
    assert response.status_code in (302, 303, 400)
    if method == "GET":
        assert "/account/log-in" in response.headers["Location"]
    assert len(_overrides()) == 1 and len(_events()) == 1


@pytest.mark.parametrize("who", ["parent", "staff"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_parents_and_staff_are_refused(client, world, factory, existing, who, method, path):
    user = world.parent if who == "parent" else factory.staff(world.kindergarten)[0]
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    url = path.format(id=existing.id)
    response = client.get(url) if method == "GET" else client.post(
        url, data={"csrf_token": csrf_token(client, "/"), **FORM})
    assert response.status_code == 403
    assert len(_overrides()) == 1 and len(_events()) == 1


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_stranger_never_sees_or_changes_this_districts_calendar(client, world, stranger, existing, method,
                                                                      path):
    assert log_in(client, stranger.phone, PASSWORD).status_code == 303
    url = path.format(id=existing.id)
    response = client.get(url) if method == "GET" else post(client, url, FORM, page="/department/calendar")
    if "remove" in path:
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 303)
        assert "Секретная заметка района" not in client.get("/department/calendar").get_data(as_text=True)
    assert [row for row in _overrides() if row.district_id == world.district.id] == \
        [(world.district.id, THURSDAY, False)]


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
def test_a_post_without_the_csrf_token_is_refused(department, existing, method, path):
    response = department.post(path.format(id=existing.id), data={**FORM, "year": "2026"})
    assert response.status_code == 400
    assert len(_overrides()) == 1 and len(_events()) == 1
