"""Invitations (DESIGN §5): a reserved seat, the parent's response, a decline, a lapse."""
from datetime import timedelta

import pytest

from webapp.models import Seat
from webapp.services import clock, invitations, queue
from webapp.services.actors import Actor
from webapp.services.errors import Duplicate, Forbidden, InvalidInput, NoFreeSeat, NotFound, WrongState

from .helpers import (
    World, almaty, claimed, english, events_of, last_event, live_seat, moved, notifications_of, seats_of,
)

# The app's clock: Wednesday 25 November 2026, 09:00 in Almaty.
RESPOND_BY = almaty(2026, 11, 30, 23, 59, 59, 999999)  # Thu 26, Fri 27, Mon 30 November
STOP_LIST_AFTER_DECLINE = almaty(2026, 12, 9, 23, 59, 59, 999999)  # 10 working days after 25 November
STOP_LIST_AFTER_EXPIRY = almaty(2026, 12, 14, 23, 59, 59, 999999)  # 10 working days after 30 November


@pytest.fixture
def world(factory):
    return World(factory)


def test_distribution_invites_with_a_reserved_seat_and_a_3_working_day_deadline(world, session):
    application, bulletin = world.bring_to("invited")
    seat = live_seat(session, application)
    assert (seat.state, seat.bulletin_id, seat.deadline_at) == ("reserved", bulletin.id, RESPOND_BY)
    assert seat.deadline_at.isoformat() == "2026-11-30T18:59:59.999999+00:00"
    assert claimed(session, bulletin.id) == 1
    event = last_event(session, application)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == \
        ("invitation.created", "queued", "invited", "system")
    assert '"due_at":"2026-11-30T18:59:59.999999Z"' in event.data
    [sms] = [n for n in notifications_of(session, application, "invitation.created") if n.channel == "sms"]
    assert "30.11.2026" in sms.body  # the deadline as the parent reads it, in local time
    assert queue.explain(session, application).position == 1  # invited still waits in the queue


def test_respond_holds_the_seat(world, session):
    application, bulletin = world.bring_to("invited")
    seat = invitations.respond(session, application.id, world.parent_actor, clock.now())
    world.commit()
    assert world.reload(application).status == "responded"
    seat = session.get(Seat, seat.id)
    assert (seat.state, seat.deadline_at, seat.bulletin_id) == ("held", None, bulletin.id)
    assert claimed(session, bulletin.id) == 1
    event = last_event(session, application)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == \
        ("invitation.responded", "invited", "responded", "parent")
    assert notifications_of(session, application, "invitation.responded")
    assert queue.explain(session, world.reload(application)) is None  # no longer waiting


def test_respond_may_move_to_another_bulletin_of_the_segment(world, session):
    application, first = world.bring_to("invited")
    _, other_group = world.kindergarten_with_group("Айгөлек")
    second = world.bulletin(places=2, group=other_group)
    parent = world.parent_actor
    seat = invitations.respond(session, application.id, parent, clock.now(), bulletin_id=second.id)
    world.commit()
    old, new = seats_of(session, application)
    assert (old.state, old.release_reason, old.bulletin_id) == ("released", "moved", first.id)
    assert (new.id, new.state, new.bulletin_id) == (seat.id, "held", second.id)
    assert (claimed(session, first.id), claimed(session, second.id)) == (0, 1)


def test_respond_to_a_full_bulletin_changes_nothing(world, session):
    application, first = world.bring_to("invited")
    _, other_group = world.kindergarten_with_group("Айгөлек")
    full = world.bulletin(places=1, group=other_group)
    taker, _ = world.bring_to("queued")  # someone else takes that place
    assert world.reload(taker).status == "invited" and claimed(session, full.id) == 1
    with pytest.raises(NoFreeSeat) as caught:
        invitations.respond(session, application.id, world.parent_actor, clock.now(), bulletin_id=full.id)
    session.rollback()
    assert english(caught.value) == "There is no free place left in this bulletin."
    assert world.reload(application).status == "invited"
    assert live_seat(session, application).bulletin_id == first.id
    assert (claimed(session, first.id), claimed(session, full.id)) == (1, 1)


def test_respond_to_a_bulletin_of_another_segment_is_refused(world, session, factory):
    application, _ = world.bring_to("invited")
    russian = factory.group(world.kindergarten, language="ru")
    elsewhere = world.bulletin(places=1, group=russian)
    with pytest.raises(InvalidInput) as caught:
        invitations.respond(session, application.id, world.parent_actor, clock.now(),
                            bulletin_id=elsewhere.id)
    assert english(caught.value) == "This bulletin is not for your child's queue."


def test_respond_twice_is_a_clear_duplicate(world, session):
    application, _ = world.bring_to("responded")
    with pytest.raises(Duplicate) as caught:
        invitations.respond(session, application.id, world.parent_actor, clock.now())
    assert english(caught.value) == f"You have already responded for application {application.number}."


def test_respond_without_an_invitation_is_a_wrong_state(world, session):
    application, _ = world.bring_to("queued")
    with pytest.raises(WrongState) as caught:
        invitations.respond(session, application.id, world.parent_actor, clock.now())
    assert english(caught.value) == \
        f"Application {application.number} is in the queue, so this step is not possible now."


def test_respond_after_the_deadline_is_refused(world, session):
    application, _ = world.bring_to("invited")
    assert invitations.respond(session, application.id, world.parent_actor, RESPOND_BY)  # the last µs counts
    session.rollback()
    with pytest.raises(WrongState) as caught:
        invitations.respond(session, application.id, world.parent_actor,
                            RESPOND_BY + timedelta(microseconds=1))
    assert english(caught.value) == "The time to respond has run out."


def test_another_parent_cannot_respond_or_decline(world, session):
    application, _ = world.bring_to("invited")
    stranger = Actor.of(world.other_parent)
    for call in (invitations.respond, invitations.decline):
        with pytest.raises(NotFound):
            call(session, application.id, stranger, clock.now())
    with pytest.raises(NotFound):
        invitations.respond(session, application.id, world.staff, clock.now())
    assert world.reload(application).status == "invited"


def test_decline_stop_lists_for_10_working_days_and_releases_the_seat(world, session):
    application, bulletin = world.bring_to("invited")
    submitted_at = application.submitted_at
    invitations.decline(session, application.id, world.parent_actor, clock.now())
    world.commit()
    application = world.reload(application)
    assert (application.status, application.stop_listed_until, application.submitted_at) == \
        ("stop_listed", STOP_LIST_AFTER_DECLINE, submitted_at)
    [seat] = seats_of(session, application)
    assert (seat.state, seat.release_reason) == ("released", "declined")
    assert claimed(session, bulletin.id) == 0
    event = last_event(session, application)
    assert moved(event) == ("invitation.declined", "invited", "stop_listed")
    [sms] = [n for n in notifications_of(session, application, "invitation.declined") if n.channel == "sms"]
    assert "09.12.2026" in sms.body
    assert queue.explain(session, application).position == 1  # stop-listed still waits


def test_decline_without_an_invitation_is_a_wrong_state(world, session):
    application, _ = world.bring_to("responded")
    with pytest.raises(WrongState):
        invitations.decline(session, application.id, world.parent_actor, clock.now())


def test_expiry_after_the_deadline_counts_the_stop_list_from_the_deadline(world, session):
    application, bulletin = world.bring_to("invited")
    seat = live_seat(session, application)
    assert invitations.expire(session, seat.id, RESPOND_BY) is False
    late = almaty(2026, 12, 3, 10, 0)  # a worker that ran three days late is not harsher
    assert invitations.expire(session, seat.id, late) is True
    world.commit()
    application = world.reload(application)
    assert (application.status, application.stop_listed_until) == ("stop_listed", STOP_LIST_AFTER_EXPIRY)
    released = session.get(Seat, seat.id)
    assert (released.state, released.release_reason) == ("released", "expired")
    assert claimed(session, bulletin.id) == 0
    event = last_event(session, application)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == \
        ("invitation.expired", "invited", "stop_listed", "system")
    assert notifications_of(session, application, "invitation.expired")
    before = len(events_of(session, application))
    assert invitations.expire(session, seat.id, late) is False  # idempotent
    world.commit()
    assert len(events_of(session, application)) == before


def test_expiry_after_a_response_is_a_no_op(world, session):
    application, _ = world.bring_to("responded")
    seat = live_seat(session, application)
    assert invitations.expire(session, seat.id, almaty(2027, 1, 1)) is False
    assert world.reload(application).status == "responded"


def test_only_the_system_expires_invitations(world, session):
    application, _ = world.bring_to("invited")
    with pytest.raises(Forbidden):
        invitations.expire(session, live_seat(session, application).id, almaty(2027, 1, 1), actor=world.staff)


def test_invite_needs_a_queued_application(world, session):
    application, bulletin = world.bring_to("stop_listed")
    with pytest.raises(WrongState) as caught:
        invitations.invite(session, application, bulletin.id, clock.now())
    assert "is on the stop-list" in english(caught.value)
    assert claimed(session, bulletin.id) == 0


def test_a_decline_after_the_deadline_lapses_exactly_as_the_sweep_would(world, session):
    """A worker that is down changes nothing for the parent: five days late, the stop-list is still
    counted from the deadline (to 14 December), not from the decline (which would give 21 December)."""
    application, bulletin = world.bring_to("invited")
    seat = live_seat(session, application)
    invitations.decline(session, application.id, world.parent_actor, almaty(2026, 12, 5, 10, 0))
    world.commit()
    application = world.reload(application)
    assert (application.status, application.stop_listed_until) == ("stop_listed", STOP_LIST_AFTER_EXPIRY)
    released = session.get(Seat, seat.id)
    assert (released.state, released.release_reason) == ("released", "expired")
    assert claimed(session, bulletin.id) == 0
    event = last_event(session, application)
    assert (moved(event), event.actor_role) == (("invitation.expired", "invited", "stop_listed"), "system")
