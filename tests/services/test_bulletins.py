"""Bulletins of free places: create, publish (which starts distribution), close."""
import pytest

from webapp.models import Bulletin
from webapp.services import bulletins, clock
from webapp.services.errors import Forbidden, InvalidInput, NotFound, WrongState

from .helpers import World, claimed, english, events, live_seat, status_of


@pytest.fixture
def world(factory):
    return World(factory, capacity=5)


def test_create_makes_a_draft_of_the_groups_segment(world, session):
    bulletin = bulletins.create(session, world.group.id, 3, world.staff, clock.now())
    assert (bulletin.status, bulletin.places, bulletin.claimed, bulletin.published_at) == \
        ("draft", 3, 0, None)
    assert bulletin.segment == (world.locality.id, "kk", 2022)
    assert (bulletin.kindergarten_id, bulletin.district_id) == (world.kindergarten.id, world.district.id)


def test_places_are_limited_by_the_groups_free_places(world, session):
    bulletins.create(session, world.group.id, 3, world.staff, clock.now())
    for places in (0, 3):  # 5 in the group, 3 already offered
        with pytest.raises(InvalidInput) as caught:
            bulletins.create(session, world.group.id, places, world.staff, clock.now())
        assert english(caught.value) == "Places must be between 1 and 2."
    assert bulletins.create(session, world.group.id, 2, world.staff, clock.now()).places == 2


def test_create_checks_the_kindergarten(world, session, factory):
    other, _ = world.kindergarten_with_group("Күншуақ")
    foreign_staff = world.staff_of(other)
    with pytest.raises(Forbidden):
        bulletins.create(session, world.group.id, 1, foreign_staff, clock.now())
    with pytest.raises(NotFound):
        bulletins.create(session, 999_999, 1, world.staff, clock.now())


def test_publish_records_the_event_and_distributes_after_commit(world, session):
    waiting = world.submit()
    world.commit()
    bulletin = bulletins.create(session, world.group.id, 2, world.staff, clock.now())
    bulletins.publish(session, bulletin.id, world.staff, clock.now())
    assert status_of(session, waiting) == "queued"  # nothing happens before the commit
    world.commit()
    bulletin = session.get(Bulletin, bulletin.id)
    assert (bulletin.status, bulletin.published_at, bulletin.claimed) == ("published", clock.now(), 1)
    assert world.reload(waiting).status == "invited"
    [event] = events(session, "bulletin.published")
    assert (event.actor_role, event.application, event.from_status, event.to_status) == \
        ("staff", None, None, None)
    assert f'"bulletin_id":{bulletin.id}' in event.data and '"places":2' in event.data


def test_publish_twice_is_a_wrong_state(world, session, factory):
    bulletin = world.bulletin(places=1)
    with pytest.raises(WrongState) as caught:
        bulletins.publish(session, bulletin.id, world.staff, clock.now())
    assert english(caught.value) == "Only a draft bulletin can be published."
    other, _ = world.kindergarten_with_group("Күншуақ")
    foreign_staff = world.staff_of(other)
    draft = world.bulletin(places=1, publish=False)
    with pytest.raises(Forbidden):
        bulletins.publish(session, draft.id, foreign_staff, clock.now())


def test_close_stops_new_claims_but_keeps_given_seats(world, session):
    first = world.submit()
    world.commit()
    bulletin = world.bulletin(places=2)
    assert world.reload(first).status == "invited"
    bulletins.close(session, bulletin.id, world.staff, clock.now())
    world.commit()
    assert session.get(Bulletin, bulletin.id).status == "closed"
    second = world.submit()
    world.commit()
    assert world.reload(second).status == "queued"  # the free place is no longer offered
    assert live_seat(session, first).state == "reserved" and claimed(session, bulletin.id) == 1
    [event] = events(session, "bulletin.closed")
    assert '"claimed":1' in event.data
    with pytest.raises(WrongState) as caught:
        bulletins.close(session, bulletin.id, world.staff, clock.now())
    assert english(caught.value) == "This bulletin is already closed."


def test_closing_a_draft_withdraws_it(world, session):
    draft = world.bulletin(places=1, publish=False)
    bulletins.close(session, draft.id, world.staff, clock.now())
    world.commit()
    assert session.get(Bulletin, draft.id).status == "withdrawn"
    assert events(session, "bulletin.withdrawn")
    with pytest.raises(WrongState):
        bulletins.publish(session, draft.id, world.staff, clock.now())
