"""The services the office added: a no-show, withdrawing places, groups. Scope is checked by the
services themselves, whoever calls them."""
from datetime import date

import pytest

from webapp.services import bulletins, clock, groups, referrals
from webapp.services.errors import Forbidden, InvalidInput, WrongState

from ..services.helpers import end_of_day_utc, last_event, live_seat


@pytest.fixture
def foreign(world, factory):
    other, _ = world.kindergarten_with_group("Күншуақ")
    return world.staff_of(other)


def test_a_no_show_stop_lists_for_10_working_days_from_today(world, session):
    application, _ = world.bring_to("referred")
    referrals.record_no_show(session, application.id, world.staff, clock.now(), "did_not_come", note="Не пришли")
    world.commit()
    application = world.reload(application)
    assert application.stop_listed_until == end_of_day_utc(date(2026, 12, 9))  # Wed 25 Nov + 10 working days
    assert live_seat(session, application) is None
    event = last_event(session, application)
    assert (event.action, event.reason, event.from_status, event.to_status) == \
        ("referral.no_show", "did_not_come", "referred", "stop_listed")
    assert "Не пришли" not in event.data and "Не пришли" not in event.reason


def test_a_no_show_is_for_this_kindergarten_and_a_referral_only(world, session, foreign):
    application, _ = world.bring_to("referred")
    with pytest.raises(Forbidden):
        referrals.record_no_show(session, application.id, foreign, clock.now(), "did_not_come")
    with pytest.raises(InvalidInput):
        referrals.record_no_show(session, application.id, world.staff, clock.now(), " ")
    responded, _ = world.bring_to("responded")
    with pytest.raises(WrongState):
        referrals.record_no_show(session, responded.id, world.staff, clock.now(), "did_not_come")


def test_withdrawing_places_is_scoped_and_leaves_claimed_seats(world, session, foreign):
    world.submit()
    world.commit()
    bulletin = world.bulletin(places=2)
    with pytest.raises(Forbidden):
        bulletins.withdraw_places(session, bulletin.id, 1, foreign, clock.now(), "Ремонт")
    session.rollback()
    with pytest.raises(InvalidInput):
        bulletins.withdraw_places(session, bulletin.id, 2, world.staff, clock.now(), "Ремонт")
    session.rollback()
    bulletins.withdraw_places(session, bulletin.id, 1, world.staff, clock.now(), "Ремонт")
    world.commit()
    bulletin = world.reload(bulletin)
    assert (bulletin.places, bulletin.claimed, bulletin.status) == (1, 1, "published")  # the live seat keeps it open


def test_groups_are_changed_only_by_their_kindergarten(world, session, foreign):
    with pytest.raises(Forbidden):
        groups.update(session, world.group.id, "X", 2022, "kk", 20, foreign, clock.now())
    with pytest.raises(Forbidden):
        groups.create(session, world.kindergarten.id, "X", 2022, "kk", 20, foreign, clock.now())


def test_year_and_language_stay_while_places_are_claimed(world, session):
    world.bring_to("responded")
    with pytest.raises(InvalidInput):
        groups.update(session, world.group.id, world.group.name, 2023, "kk", 25, world.staff, clock.now())
