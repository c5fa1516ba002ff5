"""From a response to a contract (DESIGN §5): activation, rejection, extension, enrolment, and a
referral declined or left to lapse."""
from datetime import date, timedelta

import pytest

from webapp.models import Referral, Seat
from webapp.services import clock, queue, referrals
from webapp.services.actors import Actor
from webapp.services.errors import Forbidden, InvalidInput, NotFound, WrongState

from .helpers import (
    World, almaty, claimed, english, enrolled, events_of, last_event, live_seat, moved, notifications_of,
    seats_of,
)

CONTRACT_BY = almaty(2026, 12, 2, 23, 59, 59, 999999)  # 5 working days after Wed 25 November 2026


@pytest.fixture
def world(factory):
    return World(factory)


@pytest.fixture
def foreign(factory, world):
    """Staff of another kindergarten of the same district, and a department of another district."""
    other_kindergarten, _ = world.kindergarten_with_group("Күншуақ")
    staff = world.staff_of(other_kindergarten)
    department = world.department_of(factory.district(code="XX"))
    return {"staff": staff, "department": department}


def test_activation_issues_a_referral_with_a_5_working_day_deadline(world, session):
    application, bulletin = world.bring_to("responded")
    referral = referrals.activate(session, application.id, world.staff, clock.now())
    world.commit()
    referral = session.get(Referral, referral.id)
    assert referral.number == "N-GM-2026-000001" and len(referral.token) >= 32
    assert (referral.issued_at, referral.due_at, referral.status, referral.extended) == \
        (clock.now(), CONTRACT_BY, "issued", False)
    seat = live_seat(session, application)
    assert (seat.id, seat.state, seat.deadline_at) == (referral.seat_id, "referred", CONTRACT_BY)
    assert claimed(session, bulletin.id) == 1
    assert world.reload(application).status == "referred"
    event = last_event(session, application)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == \
        ("response.activated", "responded", "referred", "staff")
    assert referral.token not in event.data  # the secret never goes public
    [sms] = [n for n in notifications_of(session, application, "referral.issued") if n.channel == "sms"]
    assert "02.12.2026" in sms.body


def test_activation_by_the_district_department_is_allowed(world, session):
    application, _ = world.bring_to("responded")
    referrals.activate(session, application.id, world.department, clock.now())
    world.commit()
    assert last_event(session, application).actor_role == "department"


def test_activation_checks_the_kindergarten_and_the_state(world, session, foreign):
    application, _ = world.bring_to("responded")
    for actor in (foreign["staff"], foreign["department"], Actor.of(world.parent)):
        with pytest.raises(Forbidden) as caught:
            referrals.activate(session, application.id, actor, clock.now())
        assert english(caught.value) == "You may not do this."
    invited, _ = world.bring_to("invited", own_segment="B")
    with pytest.raises(WrongState) as caught:
        referrals.activate(session, invited.id, world.department, clock.now())
    assert english(caught.value) == \
        f"Application {invited.number} is invited, so this step is not possible now."
    queued, _ = world.bring_to("queued", own_segment="C")
    with pytest.raises(NotFound):  # no seat at all
        referrals.activate(session, queued.id, world.department, clock.now())


def test_reject_returns_the_child_to_the_queue_with_its_date(world, session):
    application, bulletin = world.bring_to("responded")
    later = world.submit()
    world.commit()
    submitted_at = application.submitted_at
    referrals.reject(session, application.id, world.staff, clock.now(), reason="documents do not match")
    assert (application.status, application.submitted_at) == ("queued", submitted_at)
    [seat] = seats_of(session, application)
    assert (seat.state, seat.release_reason) == ("released", "rejected")
    assert queue.explain(session, application).position == 1  # still ahead of the later one
    assert queue.explain(session, later).position == 2
    world.commit()
    [event] = [e for e in events_of(session, application) if e.action == "response.rejected"]
    assert (event.from_status, event.to_status, event.reason, event.actor_role) == \
        ("responded", "queued", "documents do not match", "staff")
    assert world.reload(application).submitted_at == submitted_at
    assert notifications_of(session, application, "response.rejected")


def test_reject_needs_a_reason_the_right_kindergarten_and_state(world, session, foreign):
    application, _ = world.bring_to("responded")
    with pytest.raises(InvalidInput) as caught:
        referrals.reject(session, application.id, world.staff, clock.now(), reason="  ")
    assert english(caught.value) == "Please give a reason."
    with pytest.raises(Forbidden):
        referrals.reject(session, application.id, foreign["staff"], clock.now(), reason="no")
    referrals.activate(session, application.id, world.staff, clock.now())
    world.commit()
    with pytest.raises(WrongState):
        referrals.reject(session, application.id, world.staff, clock.now(), reason="too late")


def test_extension_once_up_to_30_days_from_issue_with_a_reason(world, session):
    application, _ = world.bring_to("referred")
    issued = session.query(Referral).one()
    with pytest.raises(InvalidInput) as caught:
        referrals.extend(session, application.id, world.staff, clock.now(), date(2026, 12, 20), reason="")
    assert english(caught.value) == "Please give a reason."
    for too_early_or_late in (date(2026, 12, 2), date(2026, 12, 1), date(2026, 12, 26)):
        with pytest.raises(InvalidInput) as caught:
            referrals.extend(session, application.id, world.staff, clock.now(), too_early_or_late,
                             reason="ill")
        assert "at most 30 days after issue" in english(caught.value)
    # Issued 25 November: 25 December is the 30th day.
    referral = referrals.extend(session, application.id, world.staff, clock.now(), date(2026, 12, 25),
                                reason="child in hospital")
    world.commit()
    due = almaty(2026, 12, 25, 23, 59, 59, 999999)
    referral = session.get(Referral, referral.id)
    assert (referral.id, referral.due_at, referral.extended, referral.extension_reason) == \
        (issued.id, due, True, "child in hospital")
    assert live_seat(session, application).deadline_at == due
    event = last_event(session, application)
    assert (event.action, event.from_status, event.to_status, event.reason) == \
        ("referral.extended", "referred", "referred", "child in hospital")
    [sms] = [n for n in notifications_of(session, application, "referral.extended") if n.channel == "sms"]
    assert "25.12.2026" in sms.body
    with pytest.raises(WrongState) as caught:
        referrals.extend(session, application.id, world.department, clock.now(), date(2026, 12, 24),
                         reason="x")
    assert english(caught.value) == "This referral has already been extended once."


def test_extension_by_the_department_and_not_by_strangers(world, session, foreign):
    application, _ = world.bring_to("referred")
    for actor in (foreign["staff"], foreign["department"]):
        with pytest.raises(Forbidden):
            referrals.extend(session, application.id, actor, clock.now(), date(2026, 12, 10), reason="ill")
    referrals.extend(session, application.id, world.department, clock.now(), date(2026, 12, 10), reason="ill")
    world.commit()
    assert last_event(session, application).actor_role == "department"


def test_extension_needs_a_referral(world, session):
    application, _ = world.bring_to("responded")
    with pytest.raises(WrongState):
        referrals.extend(session, application.id, world.staff, clock.now(), date(2026, 12, 10), reason="ill")


def test_enrolment_fills_the_seat_and_the_group(world, session):
    application, bulletin = world.bring_to("referred")
    referrals.enrol(session, application.id, world.staff, clock.now())
    world.commit()
    application = world.reload(application)
    assert (application.status, application.waiting) == ("enrolled", False)
    [seat] = seats_of(session, application)
    assert (seat.state, seat.deadline_at) == ("filled", None)
    assert session.query(Referral).one().status == "used"
    assert enrolled(session, world.group.id) == 1
    assert claimed(session, bulletin.id) == 1  # a filled seat still counts against the bulletin
    event = last_event(session, application)
    assert moved(event) == ("application.enrolled", "referred", "enrolled")
    assert notifications_of(session, application, "application.enrolled")
    assert queue.explain(session, application) is None


def test_enrolment_needs_a_referral_and_the_right_kindergarten(world, session, foreign):
    application, _ = world.bring_to("responded")
    with pytest.raises(WrongState):
        referrals.enrol(session, application.id, world.staff, clock.now())
    referrals.activate(session, application.id, world.staff, clock.now())
    world.commit()
    with pytest.raises(Forbidden):
        referrals.enrol(session, application.id, foreign["staff"], clock.now())
    assert enrolled(session, world.group.id) == 0


def test_parent_declines_the_referral(world, session):
    application, bulletin = world.bring_to("referred")
    with pytest.raises(NotFound):
        referrals.decline(session, application.id, Actor.of(world.other_parent), clock.now())
    referrals.decline(session, application.id, world.parent_actor, clock.now())
    world.commit()
    application = world.reload(application)
    assert (application.status, application.stop_listed_until) == \
        ("stop_listed", almaty(2026, 12, 9, 23, 59, 59, 999999))
    assert session.query(Referral).one().status == "cancelled"
    [seat] = seats_of(session, application)
    assert (seat.state, seat.release_reason) == ("released", "cancelled")
    assert claimed(session, bulletin.id) == 0
    event = last_event(session, application)
    assert moved(event) == ("referral.declined", "referred", "stop_listed")


def test_parent_cannot_decline_a_referral_not_yet_issued(world, session):
    application, _ = world.bring_to("responded")
    with pytest.raises(WrongState):
        referrals.decline(session, application.id, world.parent_actor, clock.now())


def test_referral_expiry_is_idempotent_and_counts_from_the_due_date(world, session):
    application, bulletin = world.bring_to("referred")
    seat = live_seat(session, application)
    assert referrals.expire(session, seat.id, CONTRACT_BY) is False
    assert referrals.expire(session, seat.id, CONTRACT_BY + timedelta(days=4)) is True
    world.commit()
    application = world.reload(application)
    # 10 working days after Wednesday 2 December: 3, 4, 7–11, 14, 15, 17 (16 December is a holiday).
    assert (application.status, application.stop_listed_until) == \
        ("stop_listed", almaty(2026, 12, 17, 23, 59, 59, 999999))
    assert session.query(Referral).one().status == "expired"
    assert (session.get(Seat, seat.id).state, claimed(session, bulletin.id)) == ("released", 0)
    event = last_event(session, application)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == \
        ("referral.expired", "referred", "stop_listed", "system")
    assert referrals.expire(session, seat.id, CONTRACT_BY + timedelta(days=5)) is False


def test_referral_found_by_its_token(world, session):
    application, _ = world.bring_to("referred")
    referral = session.query(Referral).one()
    assert referrals.find_by_token(session, referral.token).id == referral.id
    assert referrals.find_by_token(session, "not-a-token") is None


def test_enrolment_after_the_contract_deadline_is_refused(world, session):
    application, bulletin = world.bring_to("referred")
    referrals.enrol(session, application.id, world.staff, CONTRACT_BY)  # the last µs still counts
    session.rollback()
    with pytest.raises(WrongState) as caught:
        referrals.enrol(session, application.id, world.staff, CONTRACT_BY + timedelta(hours=1))
    assert english(caught.value) == "The time to conclude the contract ran out on 02.12.2026."
    session.rollback()
    assert world.reload(application).status == "referred"
    assert enrolled(session, bulletin.group_id) == 0


def test_a_lapsed_referral_cannot_be_extended(world, session):
    application, _ = world.bring_to("referred")
    with pytest.raises(WrongState) as caught:
        referrals.extend(session, application.id, world.staff, CONTRACT_BY + timedelta(days=2),
                         date(2026, 12, 20), "parent in hospital")
    assert english(caught.value) == "This referral lapsed on 02.12.2026: it can no longer be extended."
    session.rollback()
    referral = session.query(Referral).one()
    assert (referral.due_at, referral.extended) == (CONTRACT_BY, False)


def test_a_late_referral_decline_lapses_exactly_as_the_sweep_would(world, session):
    application, bulletin = world.bring_to("referred")
    referrals.decline(session, application.id, world.parent_actor, CONTRACT_BY + timedelta(days=4))
    world.commit()
    application = world.reload(application)
    # Counted from the due date (2 December), as referrals.expire counts it: to 17 December.
    assert (application.status, application.stop_listed_until) == \
        ("stop_listed", almaty(2026, 12, 17, 23, 59, 59, 999999))
    assert session.query(Referral).one().status == "expired"
    event = last_event(session, application)
    assert (moved(event), event.actor_role) == (("referral.expired", "referred", "stop_listed"), "system")
    assert claimed(session, bulletin.id) == 0
