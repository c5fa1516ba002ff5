"""Who may be invited *now* (DESIGN §5, §6): only a queued application whose interest is confirmed
for the current year (or it is not yet 1 October) and whose child has not reached school age. The
order of the sweep's steps and the moment a bulletin is published cannot open a window."""
from datetime import date

import pytest

from webapp.models import Notification
from webapp.services import applications, bulletins, clock, eligibility, invitations, reminders, sweep
from webapp.services.errors import WrongState
from webapp.services.queue import Segment
from webapp.services.distribution import distribute

from .helpers import World, almaty, english, live_seat, statuses

BORN = date(2022, 5, 17)  # the helpers' child: six on 1 September 2028


@pytest.fixture
def world(factory):
    return World(factory)


def _unconfirmed_behind_confirmed(world, session):
    """Two applications of 2026; only the first (B, ahead in the queue) confirms in March 2027."""
    first, second = world.submit_many(2)
    world.commit()
    clock.set(almaty(2027, 3, 10, 12, 0))
    applications.confirm_interest(session, first.id, world.actor_of(first), clock.now())
    world.commit()
    return first, second


def test_the_sweep_on_1_october_never_invites_an_unconfirmed_application(world, session):
    confirmed, unconfirmed = _unconfirmed_behind_confirmed(world, session)
    clock.set(almaty(2027, 9, 27, 10, 0))  # Monday: respond by Thursday 30 September
    bulletin = world.bulletin(places=1)
    assert statuses(session, [confirmed, unconfirmed]) == ["invited", "queued"]

    clock.set(almaty(2027, 10, 1, 0, 5))
    sweep.run(session, clock.now())

    # The lapsed invitation freed the seat in the middle of the sweep; the unconfirmed application
    # behind must not get it, and is deactivated.
    assert statuses(session, [confirmed, unconfirmed]) == ["stop_listed", "inactive"]
    assert live_seat(session, unconfirmed) is None
    assert world.reload(bulletin).claimed == 0


def test_a_bulletin_published_just_after_midnight_on_1_october_invites_no_unconfirmed_child(world, session):
    unconfirmed = world.submit()
    world.commit()
    clock.set(almaty(2027, 10, 1, 0, 10))  # the sweep has not run yet
    world.bulletin(places=1)
    assert statuses(session, [unconfirmed]) == ["queued"]
    confirmed_this_year = world.submit(locality=world.locality)
    world.commit()
    assert statuses(session, [unconfirmed, confirmed_this_year]) == ["queued", "invited"]


def test_a_bulletin_published_on_1_september_invites_no_school_age_child(world, session):
    school_age = world.submit()  # born 2022: six on 1 September 2028
    world.commit()
    clock.set(almaty(2028, 9, 1, 0, 10))
    world.bulletin(places=1)
    assert statuses(session, [school_age]) == ["queued"]
    assert distribute(session, Segment(world.locality.id, "kk", 2022), clock.now()) == []


def test_invite_itself_refuses_an_application_that_is_not_eligible_now(world, session):
    application = world.submit()
    world.commit()
    bulletin = world.bulletin(places=1, publish=False)
    clock.set(almaty(2027, 10, 1, 0, 10))
    bulletins.publish(session, bulletin.id, world.staff, clock.now())  # not committed: nothing ran
    with pytest.raises(WrongState) as caught:
        invitations.invite(session, world.reload(application), bulletin.id, clock.now())
    assert english(caught.value) == \
        f"Application {application.number} cannot be invited now: its interest is not confirmed for this year " \
        "or the child has reached school age."


@pytest.mark.parametrize("status, interest_year, today, expected", [
    ("queued", 2026, date(2027, 9, 30), True),  # not yet 1 October
    ("queued", 2026, date(2027, 10, 1), False),
    ("queued", 2027, date(2027, 10, 1), True),
    ("queued", 2027, date(2028, 8, 31), True),
    ("queued", 2028, date(2028, 9, 1), False),  # six on 1 September 2028
    ("stop_listed", 2027, date(2027, 5, 1), False),
    ("invited", 2027, date(2027, 5, 1), False),
    ("inactive", 2027, date(2027, 5, 1), False),
])
def test_the_rule(status, interest_year, today, expected):
    assert eligibility.eligible_now(status, interest_year, BORN, 6, today) is expected


@pytest.mark.parametrize("state", ["responded", "referred"])
def test_parents_holding_a_seat_on_1_september_are_reminded_to_confirm_interest(world, session, state):
    application, _ = world.bring_to(state)  # in 2026
    clock.set(almaty(2027, 9, 1, 10, 0))
    assert reminders.send_interest_reminders(session, clock.now()) == 1
    assert session.query(Notification).filter_by(application_id=application.id,
                                                 event="reminder.interest").count() >= 1
