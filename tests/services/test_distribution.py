"""Who is invited (DESIGN §6): serial dictatorship in queue order, idempotent, audited."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.models import AuditEvent, Seat
from webapp.services import applications, bulletins, clock, distribution, invitations, privileges, tasks

from .helpers import World, almaty, claimed, events, live_seat, segment_of, snapshot, status_of


@pytest.fixture
def world(factory):
    factory.privilege("disability", "extraordinary")
    factory.privilege("large_family", "priority")
    return World(factory, priority_ratio=1, capacity=30)


def _verify(world, application):
    privileges.verify_claim(world.session, application.claims[0].id, world.department, clock.now())


def _draft_then_publish(world, places, group=None, staff=None):
    """Publish without committing, then run distribution explicitly (as the job would)."""
    group = group or world.group
    staff = staff or world.staff
    bulletin = bulletins.create(world.session, group.id, places, staff, clock.now())
    bulletins.publish(world.session, bulletin.id, staff, clock.now())
    world.session.info.pop("tasks_pending", None)  # the test runs distribution itself, below
    return bulletin


def test_queue_order_is_respected_extraordinary_first_then_the_interleave(world, session):
    # k = 1: E…, then P1, O1, P2, O2, …
    ordinary = world.submit_many(4)
    priority = world.submit_many(3, privileges=["large_family"])
    extraordinary = world.submit_many(2, privileges=["disability"])
    for application in priority + extraordinary:
        _verify(world, application)
    world.commit()
    expected = extraordinary + [priority[0], ordinary[0], priority[1], ordinary[1], priority[2]]

    _draft_then_publish(world, places=len(expected))
    invited = distribution.distribute(session, segment_of(world), clock.now())
    tasks.commit(session)
    assert [number for number, _, _ in invited] == [a.number for a in expected]
    assert [status_of(session, a) for a in ordinary[2:]] == ["queued", "queued"]
    [run] = events(session, "distribution.run")
    data = json.loads(run.data)
    assert data["invited"] == [list(item) for item in invited]
    assert data["segment"] == [world.locality.id, "kk", 2022]
    assert (run.actor_role, run.application) == ("system", None)


def test_each_invitation_names_its_seat_in_the_run(world, session):
    queued = world.submit_many(3)
    world.commit()
    world.bulletin(places=3)
    [run] = events(session, "distribution.run")
    for number, bulletin_id, seat_id in json.loads(run.data)["invited"]:
        seat = session.get(Seat, seat_id)
        assert (seat.application.number, seat.bulletin_id, seat.state) == (number, bulletin_id, "reserved")
    assert sorted(n for n, _, _ in json.loads(run.data)["invited"]) == sorted(a.number for a in queued)


def test_preferences_are_taken_in_the_parents_order(world, session):
    kg_b, group_b = world.kindergarten_with_group("Б")
    kg_c, group_c = world.kindergarten_with_group("В")
    first = world.submit(kindergartens=[kg_c, world.kindergarten])
    second = world.submit(kindergartens=[world.kindergarten, kg_c])
    third = world.submit(kindergartens=[kg_b])
    world.commit()
    staff_b = world.staff_of(kg_b)
    staff_c = world.staff_of(kg_c)
    bulletin_a = _draft_then_publish(world, 1)
    bulletin_b = _draft_then_publish(world, 1, group_b, staff_b)
    bulletin_c = _draft_then_publish(world, 1, group_c, staff_c)
    distribution.distribute(session, segment_of(world), clock.now())
    tasks.commit(session)
    assert live_seat(session, first).bulletin_id == bulletin_c.id
    assert live_seat(session, second).bulletin_id == bulletin_a.id
    assert live_seat(session, third).bulletin_id == bulletin_b.id


def test_no_preference_means_any_kindergarten(world, session):
    kg_b, group_b = world.kindergarten_with_group("Б")
    choosy = world.submit(kindergartens=[world.kindergarten])
    anywhere = world.submit()
    world.commit()
    staff_b = world.staff_of(kg_b)
    bulletin_a = _draft_then_publish(world, 1)
    bulletin_b = _draft_then_publish(world, 1, group_b, staff_b)
    distribution.distribute(session, segment_of(world), clock.now())
    tasks.commit(session)
    assert live_seat(session, choosy).bulletin_id == bulletin_a.id
    assert live_seat(session, anywhere).bulletin_id == bulletin_b.id


def test_an_application_without_a_free_preferred_seat_is_skipped_for_the_next(world, session):
    kg_b, _ = world.kindergarten_with_group("Б")
    wants_b = world.submit(kindergartens=[kg_b])
    anywhere = world.submit()
    wants_a_later = world.submit(kindergartens=[world.kindergarten])
    world.commit()
    bulletin = world.bulletin(places=1)
    assert status_of(session, wants_b) == "queued"
    assert live_seat(session, anywhere).bulletin_id == bulletin.id
    assert status_of(session, wants_a_later) == "queued"  # served after the one ahead of it
    [run] = events(session, "distribution.run")
    assert [n for n, _, _ in json.loads(run.data)["invited"]] == [anywhere.number]


def test_nobody_is_invited_twice_and_a_second_run_changes_nothing(world, session):
    queued = world.submit_many(3)
    world.commit()
    world.bulletin(places=2)
    before = snapshot(session)
    assert distribution.distribute(session, segment_of(world), clock.now()) == []
    tasks.commit(session)
    assert snapshot(session) == before
    world.bulletin(places=2)  # one more place than there are children left
    assert [status_of(session, a) for a in queued] == ["invited"] * 3
    assert session.scalar(select(func.count()).select_from(Seat)) == 3
    assert len(events(session, "distribution.run")) == 2
    before = snapshot(session)
    assert distribution.distribute(session, segment_of(world), clock.now()) == []
    tasks.commit(session)
    assert snapshot(session) == before


def test_only_queued_applications_are_invited(world, session):
    stop_listed, inactive, third, fourth = world.submit_many(4)
    world.commit()
    world.bulletin(places=1)  # the first in the queue takes it, then declines
    invitations.decline(session, stop_listed.id, world.actor_of(stop_listed), clock.now())
    session.info.pop("tasks_pending", None)  # keep the released seat for the explicit run below
    tasks.commit(session)
    assert status_of(session, stop_listed) == "stop_listed"
    [(number, _, _)] = distribution.distribute(session, segment_of(world), clock.now())
    tasks.commit(session)
    assert number == inactive.number
    # The last two confirm their interest for 2027; the second one does not.
    clock.set(almaty(2027, 3, 1, 12, 0))
    for application in (third, fourth):
        applications.confirm_interest(session, application.id, world.actor_of(application), clock.now())
    tasks.commit(session)
    # Make the second one inactive (1 October, no confirmation this year) and free two places.
    clock.set(almaty(2027, 10, 1, 9, 0))
    invitations.decline(session, inactive.id, world.actor_of(inactive), clock.now())
    session.info.pop("tasks_pending", None)
    tasks.commit(session)
    assert applications.deactivate(session, inactive.id, clock.now())
    tasks.commit(session)
    _draft_then_publish(world, 1)
    invited_numbers = distribution.distribute(session, segment_of(world), clock.now())
    tasks.commit(session)
    # Free: the declined seat and the new one. Waiting in order: stop-listed (skipped),
    # inactive (not waiting at all), then the two queued ones.
    assert [n for n, _, _ in invited_numbers] == [third.number, fourth.number]
    assert status_of(session, stop_listed) == "stop_listed" and status_of(session, inactive) == "inactive"
    assert distribution.distribute(session, segment_of(world), clock.now()) == []


def test_closed_and_draft_bulletins_give_no_seats(world, session):
    waiting = world.submit()
    world.commit()
    draft = world.bulletin(places=1, publish=False)
    published = world.bulletin(places=1, commit=False)
    bulletins.close(session, published.id, world.staff, clock.now())
    tasks.commit(session)
    assert distribution.distribute(session, segment_of(world), clock.now()) == []
    assert status_of(session, waiting) == "queued"
    assert (claimed(session, draft.id), claimed(session, published.id)) == (0, 0)


def test_distribution_stops_when_seats_run_out_in_a_long_queue(world, session):
    world.submit_many(12, step=timedelta(milliseconds=1))
    world.commit()
    bulletin = world.bulletin(places=5)
    assert claimed(session, bulletin.id) == 5
    assert session.scalar(select(func.count()).select_from(Seat).where(Seat.state == "reserved")) == 5
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "invitation.created")) == 5
