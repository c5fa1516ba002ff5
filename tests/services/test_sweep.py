"""The sweep (DESIGN §7, §10): everything overdue, once, in an order that lets cascades finish in one
run; a second run right after changes nothing."""
from datetime import date, timedelta

import pytest

from webapp.models import AuditCheckpoint
from webapp.services import applications, audit, clock, invitations, referrals, sweep

from .helpers import (
    World, active_seat_count, almaty, claimed, end_of_day_utc, events_of, live_seat, snapshot, statuses,
)

# Everyone is invited on Wednesday 25 November 2026 (the app's clock).
INVITATION_DUE = date(2026, 11, 30)  # 3 working days
REFERRAL_DUE = date(2026, 12, 2)  # 5 working days
STOP_LIST_AFTER_INVITATION = date(2026, 12, 14)  # 10 working days after 30 November
STOP_LIST_AFTER_REFERRAL = date(2026, 12, 17)  # 10 working days after 2 December (16th is a holiday)
BACK = almaty(2026, 12, 15, 10, 0)  # the worker comes back on Tuesday 15 December


@pytest.fixture
def world(factory):
    return World(factory)


def _scene(world, session):
    """Five in the queue, two places: the first responds and is referred, the second never answers."""
    referred, silent, third, fourth, fifth = world.submit_many(5)
    world.commit()
    bulletin = world.bulletin(places=2)
    invitations.respond(session, referred.id, world.actor_of(referred), clock.now())
    world.commit()
    referrals.activate(session, referred.id, world.staff, clock.now())
    world.commit()
    assert statuses(session, [referred, silent, third]) == ["referred", "invited", "queued"]
    assert live_seat(session, silent).deadline_at == end_of_day_utc(INVITATION_DUE)
    assert live_seat(session, referred).deadline_at == end_of_day_utc(REFERRAL_DUE)
    return (referred, silent, third, fourth, fifth), bulletin


def test_a_worker_down_for_weeks_catches_up_in_one_sweep(world, session):
    (referred, silent, third, fourth, fifth), bulletin = _scene(world, session)

    clock.set(BACK)  # jobs run after each commit read the clock, as on a real worker
    done = sweep.run(session, clock.now())

    assert {k: v for k, v in done.items() if v} == \
        {"invitations_expired": 1, "referrals_expired": 1, "stop_lists_ended": 1}
    assert statuses(session, [referred, silent, third, fourth, fifth]) == \
        ["stop_listed", "queued", "invited", "invited", "queued"]
    # The silent one: expired at its deadline, stop-listed from then, already over → back in the queue.
    assert [(e.action, e.from_status, e.to_status) for e in events_of(session, silent)][-2:] == \
        [("invitation.expired", "invited", "stop_listed"), ("stop_list.ended", "stop_listed", "queued")]
    expired = events_of(session, silent)[-2]
    assert f'"stop_listed_until":"{end_of_day_utc(STOP_LIST_AFTER_INVITATION):%Y-%m-%dT%H:%M:%S.%fZ}"' \
        in expired.data
    # The referred one: its referral lapsed on 2 December; its stop-list runs to 17 December.
    referred = world.reload(referred)
    assert referred.stop_listed_until == end_of_day_utc(STOP_LIST_AFTER_REFERRAL)
    assert events_of(session, referred)[-1].action == "referral.expired"
    # Both released places went to the next in the queue, with deadlines counted from today:
    # 16 December is a holiday, so 17, 18 and 21 December.
    for application in (third, fourth):
        seat = live_seat(session, application)
        assert (seat.bulletin_id, seat.state, seat.deadline_at) == \
            (bulletin.id, "reserved", end_of_day_utc(date(2026, 12, 21)))
    assert claimed(session, bulletin.id) == active_seat_count(session, bulletin.id) == 2
    assert audit.verify(session) is None
    assert session.get(AuditCheckpoint, date(2026, 12, 14)) is not None  # yesterday's head

    before = snapshot(session)
    again = sweep.run(session, BACK)
    assert not any(again.values())
    assert snapshot(session) == before
    later = sweep.run(session, clock.advance(timedelta(minutes=5)))
    assert not any(later.values()) and snapshot(session) == before


def test_the_sweep_does_nothing_before_the_deadlines(world, session):
    _scene(world, session)
    before = snapshot(session)
    clock.set(end_of_day_utc(INVITATION_DUE))  # the last microsecond still counts
    done = sweep.run(session, clock.now())
    assert not any(done.values())
    assert snapshot(session) == before


def test_the_cli_sweep_with_now(world, session, runner):
    (referred, silent, *_), _ = _scene(world, session)
    result = runner.invoke(args=["sweep", "--now", "2026-12-15T05:00:00Z"])
    assert result.exit_code == 0, result.output
    # (the console SMS backend may print the messages first: the summary is the last line)
    summary = result.output.strip().splitlines()[-1]
    assert summary == "invitations_expired=1 referrals_expired=1 stop_lists_ended=1"
    assert statuses(session, [referred, silent]) == ["stop_listed", "queued"]
    result = runner.invoke(args=["sweep", "--now", "2026-12-15T05:00:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "nothing due"


def test_1_october_the_sweep_deactivates_the_unconfirmed(world, session):
    unconfirmed, confirmed = world.submit_many(2)
    world.commit()
    clock.set(almaty(2027, 4, 1, 10, 0))
    applications.confirm_interest(session, confirmed.id, world.actor_of(confirmed), clock.now())
    world.commit()
    clock.set(almaty(2027, 9, 30, 23, 59))
    assert not any(sweep.run(session, clock.now()).values())
    clock.set(almaty(2027, 10, 1, 0, 1))
    done = sweep.run(session, clock.now())
    assert done["deactivated"] == 1
    assert statuses(session, [unconfirmed, confirmed]) == ["inactive", "queued"]
    assert not any(sweep.run(session, clock.now()).values())


def test_1_september_the_sweep_ages_out_and_gives_the_seat_on(world, session):
    old = world.submit(birth_date=date(2022, 1, 10))
    young = world.submit(birth_date=date(2022, 12, 1))
    world.commit()
    # Keep both in the queue until 2028: interest confirmed every year.
    for year in (2027, 2028):
        clock.set(almaty(year, 3, 1, 10, 0))
        for application in (old, young):
            applications.confirm_interest(session, application.id, world.actor_of(application), clock.now())
        world.commit()
    bulletin = world.bulletin(places=1)
    assert statuses(session, [old, young]) == ["invited", "queued"]
    clock.set(almaty(2028, 9, 1, 0, 5))
    seat = live_seat(session, old)
    # (the invitation of March is long overdue too: it lapses first; its stop-list is long over, and
    # the child, now of school age, leaves rather than returning to the queue)
    done = sweep.run(session, clock.now())
    assert done["invitations_expired"] == 1 and done["stop_lists_ended"] == 1
    assert statuses(session, [old, young]) == ["aged_out", "invited"]
    assert world.reload(seat).state == "released"
    assert claimed(session, bulletin.id) == active_seat_count(session, bulletin.id) == 1
    assert not any(sweep.run(session, clock.now()).values())
