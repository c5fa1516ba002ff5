"""An application's own life (DESIGN §5): submission, withdrawal, stop-list end, interest
confirmation, the 1 October deactivation and the 1 September age-out."""
from datetime import date, timedelta

import pytest

from webapp.models import Referral
from webapp.services import applications, clock, queue, tasks
from webapp.services.actors import Actor
from webapp.services.errors import Duplicate, Forbidden, InvalidInput, NotFound, WrongState

from .helpers import (
    World, almaty, claimed, english, events_of, last_event, live_seat, moved, notifications_of, seats_of,
)


@pytest.fixture
def world(factory):
    return World(factory)


# --- submission -----------------------------------------------------------------------------------

def test_submit_queues_with_a_number_audit_event_and_outbox_rows(world, session):
    submitted_at = clock.now().replace(microsecond=123456)
    application = world.submit(at=submitted_at)
    assert application.status == "queued" and application.waiting
    assert application.number == "GM-2026-000001"
    assert application.submitted_at == submitted_at
    assert application.interest_year == 2026
    assert (application.locality_id, application.language, application.birth_year) == \
        (world.locality.id, "kk", 2022)
    # Outbox rows are written in the transaction; the SMS goes out only after it commits.
    rows = notifications_of(session, application, "application.submitted")
    assert sorted(r.channel for r in rows) == ["inbox", "sms"]
    assert all(application.number in r.body for r in rows)
    assert [r.status for r in rows if r.channel == "sms"] == ["pending"]
    world.commit()
    application = world.reload(application)
    assert application.submitted_at == submitted_at  # µs survive the database
    assert {r.status for r in notifications_of(session, application)} == {"sent"}
    [event] = events_of(session, application)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == \
        ("application.submitted", None, "queued", "parent")


def test_numbers_are_consecutive_per_district_and_year(world):
    first, second = world.submit(), world.submit()
    assert (first.number, second.number) == ("GM-2026-000001", "GM-2026-000002")


def test_a_second_open_application_for_the_same_child_is_refused(world, session, factory):
    application = world.submit()
    world.commit()
    with pytest.raises(Duplicate) as caught:
        factory.application(world.locality, child=application.child)
    assert english(caught.value) == "This child already has an application in the queue."
    applications.withdraw(session, application.id, world.parent_actor, clock.now())
    world.commit()
    again = factory.application(world.locality, child=world.reload(application).child)
    assert again.status == "queued" and again.id != application.id


def test_another_parent_cannot_submit_for_someone_elses_child(world, session):
    child = world.child()
    with pytest.raises(NotFound):
        applications.submit(session, Actor.of(world.other_parent), child.id, world.locality.id, "kk",
                            clock.now())


@pytest.mark.parametrize("case, message", [
    ("five", "Choose at most 4 kindergartens."),
    ("twice", "Each kindergarten can be chosen only once."),
    ("elsewhere", "A chosen kindergarten is not in the chosen locality."),
    ("russian_only", "A chosen kindergarten does not teach in the chosen language."),
])
def test_preferences_are_checked(world, factory, session, case, message):
    if case == "five":
        others = [factory.kindergarten(world.locality, name=f"KG{i}") for i in range(4)]
        chosen = [world.kindergarten, *others]
    elif case == "twice":
        chosen = [world.kindergarten, world.kindergarten]
    elif case == "elsewhere":
        chosen = [factory.kindergarten(factory.locality(world.district, name="Басқа"))]
    else:
        chosen = [factory.kindergarten(world.locality, languages="ru", name="Русский")]
    with pytest.raises(InvalidInput) as caught:
        world.submit(kindergartens=chosen)
    assert english(caught.value) == message


def test_language_and_locality_are_checked(world, session):
    child = world.child()
    with pytest.raises(InvalidInput) as caught:
        applications.submit(session, world.parent_actor, child.id, world.locality.id, "en", clock.now())
    assert "Kazakh or Russian" in english(caught.value)
    with pytest.raises(InvalidInput):
        applications.submit(session, world.parent_actor, child.id, 999_999, "kk", clock.now())


# --- withdrawal -----------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["queued", "invited", "responded", "referred", "stop_listed", "inactive"])
def test_withdraw_from_every_non_final_state_releases_the_seat(world, session, state):
    application, bulletin = world.bring_to(state)
    seat = live_seat(session, application)
    applications.withdraw(session, application.id, world.parent_actor, clock.now(), reason="moved away")
    world.commit()
    application = world.reload(application)
    assert application.status == "withdrawn" and not application.waiting
    assert live_seat(session, application) is None
    event = last_event(session, application)
    assert (event.action, event.from_status, event.to_status, event.reason) == \
        ("application.withdrawn", state, "withdrawn", "moved away")
    if bulletin is not None and seat is not None:
        released = seats_of(session, application)[-1]
        assert (released.id, released.state, released.release_reason) == (seat.id, "released", "withdrawn")
        assert claimed(session, bulletin.id) == 0
    if state == "referred":
        assert session.query(Referral).one().status == "cancelled"
    assert notifications_of(session, application, "application.withdrawn")


@pytest.mark.parametrize("state", ["enrolled", "withdrawn", "aged_out"])
def test_withdraw_from_a_final_state_is_refused(world, session, state):
    if state == "withdrawn":
        application, _ = world.bring_to("queued")
        applications.withdraw(session, application.id, world.parent_actor, clock.now())
        world.commit()
    else:
        application, _ = world.bring_to(state)
    with pytest.raises(WrongState) as caught:
        applications.withdraw(session, application.id, world.parent_actor, clock.now())
    assert english(caught.value) == f"Application {application.number} is already closed."


def test_withdraw_checks_who_asks(world, factory, session):
    application, _ = world.bring_to("queued")
    with pytest.raises(NotFound):
        applications.withdraw(session, application.id, Actor.of(world.other_parent), clock.now())
    other_district = factory.district(code="XX")
    foreign_department = world.department_of(other_district)
    with pytest.raises(NotFound):
        applications.withdraw(session, application.id, foreign_department, clock.now(), reason="x")
    with pytest.raises(NotFound):
        applications.withdraw(session, application.id, world.staff, clock.now())
    with pytest.raises(NotFound):
        applications.withdraw(session, 999_999, world.parent_actor, clock.now())
    applications.withdraw(session, application.id, world.department, clock.now(), reason="duplicate record")
    world.commit()
    event = last_event(session, application)
    assert (event.actor_role, event.to_status, event.reason) == \
        ("department", "withdrawn", "duplicate record")


# --- stop-list end --------------------------------------------------------------------------------

def test_stop_list_ends_after_its_last_working_day_with_the_original_date(world, session):
    application, bulletin = world.bring_to("stop_listed")
    submitted_at = application.submitted_at
    # Declined on Wednesday 25 November 2026: the 10th working day after it is 9 December.
    assert application.stop_listed_until == almaty(2026, 12, 9, 23, 59, 59, 999999)
    assert applications.end_stop_list(session, application.id, almaty(2026, 12, 9, 12, 0)) is False
    assert applications.end_stop_list(session, application.id, almaty(2026, 12, 10)) is True
    assert (application.status, application.stop_listed_until, application.submitted_at) == \
        ("queued", None, submitted_at)
    world.commit()  # the bulletin's seat is still free: distribution invites the child again
    assert world.reload(application).status == "invited"
    ended, invited = events_of(session, application)[-2:]
    assert moved(ended) == ("stop_list.ended", "stop_listed", "queued")
    assert (invited.action, invited.from_status) == ("invitation.created", "queued")
    assert notifications_of(session, application, "stop_list.ended")
    # Idempotent, and only the system may end a stop-list.
    assert applications.end_stop_list(session, application.id, almaty(2026, 12, 11)) is False
    with pytest.raises(Forbidden):
        applications.end_stop_list(session, application.id, almaty(2026, 12, 10), actor=world.staff)


def test_stop_list_still_holds_at_its_last_microsecond(world, session):
    """"Until the end of the 10th working day" includes 23:59:59.999999 itself, as for every other
    deadline (an invitation expires only after its deadline; the sweep looks for ``until < now``)."""
    application, _ = world.bring_to("stop_listed")
    until = application.stop_listed_until
    assert applications.end_stop_list(session, application.id, until) is False
    assert world.reload(application).status == "stop_listed"
    assert applications.end_stop_list(session, application.id, until + timedelta(microseconds=1)) is True


# --- interest confirmation ------------------------------------------------------------------------

def test_interest_is_confirmed_once_a_year_from_january_to_september(world, session):
    application, _ = world.bring_to("queued")
    parent = world.parent_actor
    # Submitted in 2026: that counts as this year's confirmation.
    with pytest.raises(WrongState):  # 25 November: the window is closed anyway
        applications.confirm_interest(session, application.id, parent, clock.now())
    clock.set(almaty(2027, 1, 1, 0, 0))
    applications.confirm_interest(session, application.id, parent, clock.now())
    world.commit()
    application = world.reload(application)
    assert (application.status, application.interest_year) == ("queued", 2027)
    event = last_event(session, application)
    assert moved(event) == ("interest.confirmed", "queued", "queued")
    assert notifications_of(session, application, "interest.confirmed")
    clock.set(almaty(2027, 9, 30, 23, 59))
    with pytest.raises(Duplicate) as caught:
        applications.confirm_interest(session, application.id, parent, clock.now())
    assert english(caught.value) == "Interest is already confirmed for 2027."
    clock.set(almaty(2028, 10, 1, 0, 0))
    with pytest.raises(WrongState) as caught:
        applications.confirm_interest(session, application.id, parent, clock.now())
    assert english(caught.value) == "Interest can be confirmed from 1 January to 30 September."
    clock.set(almaty(2028, 9, 30, 23, 59))
    applications.confirm_interest(session, application.id, parent, clock.now())
    world.commit()
    assert world.reload(application).interest_year == 2028


def test_interest_of_someone_elses_application_is_not_found(world, session):
    application, _ = world.bring_to("queued")
    clock.set(almaty(2027, 3, 1, 12, 0))
    with pytest.raises(NotFound):
        applications.confirm_interest(session, application.id, Actor.of(world.other_parent), clock.now())


def test_confirming_interest_reactivates_an_inactive_application(world, session):
    application, _ = world.bring_to("inactive")
    submitted_at = application.submitted_at
    assert queue.explain(session, application) is None
    clock.set(almaty(2028, 1, 10, 10, 0))
    applications.confirm_interest(session, application.id, world.parent_actor, clock.now())
    world.commit()
    application = world.reload(application)
    assert (application.status, application.interest_year, application.submitted_at) == \
        ("queued", 2028, submitted_at)
    assert queue.explain(session, application).position == 1
    event = last_event(session, application)
    assert moved(event) == ("interest.confirmed", "inactive", "queued")


def test_confirming_interest_of_a_withdrawn_application_is_refused(world, session):
    application, _ = world.bring_to("queued")
    applications.withdraw(session, application.id, world.parent_actor, clock.now())
    world.commit()
    clock.set(almaty(2027, 2, 1, 10, 0))
    with pytest.raises(WrongState) as caught:
        applications.confirm_interest(session, application.id, world.parent_actor, clock.now())
    assert english(caught.value) == \
        f"Application {application.number} is withdrawn, so this step is not possible now."


# --- 1 October: deactivation ----------------------------------------------------------------------

def test_deactivation_on_1_october_without_this_years_confirmation(world, session):
    queued, _ = world.bring_to("queued", own_segment="A")
    stop_listed, _ = world.bring_to("stop_listed", own_segment="B")
    invited, _ = world.bring_to("invited", own_segment="C")
    confirmed, _ = world.bring_to("queued", own_segment="D")
    clock.set(almaty(2027, 5, 1, 12, 0))
    applications.confirm_interest(session, confirmed.id, world.parent_actor, clock.now())
    world.commit()
    everyone = (queued, stop_listed, invited, confirmed)

    eve = almaty(2027, 9, 30, 23, 59, 59)
    assert [applications.deactivate(session, a.id, eve) for a in everyone] == [False] * 4
    first = almaty(2027, 10, 1, 0, 0)
    assert [applications.deactivate(session, a.id, first) for a in everyone] == [True, True, False, False]
    world.commit()
    assert [world.reload(a).status for a in everyone] == ["inactive", "inactive", "invited", "queued"]
    assert world.reload(stop_listed).stop_listed_until is None
    assert queue.explain(session, world.reload(queued)) is None
    event = last_event(session, queued)
    assert moved(event) == ("application.deactivated", "queued", "inactive")
    assert last_event(session, stop_listed).from_status == "stop_listed"
    assert notifications_of(session, queued, "application.deactivated")
    assert applications.deactivate(session, queued.id, first) is False  # idempotent


def test_an_inactive_application_is_never_invited(world, session):
    application, _ = world.bring_to("inactive")
    world.bulletin(places=1)
    assert world.reload(application).status == "inactive"
    assert live_seat(session, application) is None


# --- 1 September: ageing out ----------------------------------------------------------------------

def test_age_out_on_1_september_releases_the_seat(world, session):
    born_may = world.submit(birth_date=date(2022, 5, 17))
    born_first_of_september = world.submit(birth_date=date(2022, 9, 1))
    born_second_of_september = world.submit(birth_date=date(2022, 9, 2))
    world.commit()
    bulletin = world.bulletin(places=1)
    assert world.reload(born_may).status == "invited"
    everyone = (born_may, born_first_of_september, born_second_of_september)

    eve = almaty(2028, 8, 31, 23, 59, 59)
    assert not any(applications.age_out(session, a.id, eve) for a in everyone)
    first = almaty(2028, 9, 1, 0, 0)
    assert [applications.age_out(session, a.id, first) for a in everyone] == [True, True, False]
    tasks.commit(session)
    assert [world.reload(a).status for a in everyone] == ["aged_out", "aged_out", "invited"]
    # The seat of the aged-out child went to the youngest, who may stay one more year.
    assert seats_of(session, born_may)[-1].release_reason == "aged_out"
    assert claimed(session, bulletin.id) == 1
    event = last_event(session, born_may)
    assert moved(event) == ("application.aged_out", "invited", "aged_out")
    assert applications.age_out(session, born_may.id, first) is False
    with pytest.raises(Forbidden):
        applications.age_out(session, born_may.id, first, actor=world.department)


def test_age_out_spares_children_whose_place_is_being_signed(world, session):
    application, _ = world.bring_to("referred")
    assert applications.age_out(session, application.id, almaty(2028, 9, 1, 0, 0)) is False
    assert world.reload(application).status == "referred"


@pytest.mark.parametrize("birth, today, expected", [
    (date(2022, 9, 1), date(2028, 9, 1), True),
    (date(2022, 9, 2), date(2028, 9, 1), False),
    (date(2022, 9, 2), date(2029, 9, 1), True),
    (date(2022, 1, 1), date(2028, 8, 31), False),
    (date(2021, 12, 31), date(2028, 3, 1), False),
    (date(2021, 8, 31), date(2028, 3, 1), True),
])
def test_reached_max_age_counts_age_on_the_last_1_september(birth, today, expected):
    assert applications.reached_max_age(birth, 6, today) is expected


def test_system_transitions_refuse_people(world, session):
    application, _ = world.bring_to("queued")
    for call in (applications.deactivate, applications.end_stop_list, applications.age_out):
        with pytest.raises(Forbidden):
            call(session, application.id, clock.now(), actor=world.parent_actor)
