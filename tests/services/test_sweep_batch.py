"""The sweep's set-based transitions do exactly what the one-at-a-time transitions do.

The same history is played twice from the same committed state — once with ``invitations.expire``
and ``applications.end_stop_list`` per item, once with ``expire_many`` and ``end_stop_lists`` — and
everything each wrote is compared: audit events (in order), outbox rows, seats, applications,
bulletins' claimed places, deferred jobs and the queue tally.
"""
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import select

from webapp.models import Application, Bulletin, Notification, QueueCount, QueueTally, Seat
from webapp.services import applications, clock, invitations, sweep, tally

from .helpers import World


def _snapshot(session) -> dict:
    session.flush()
    return {
        "audit": [dict(asdict(event), actor=event.actor.role) for event in session.info.get("audit_pending", [])],
        "jobs": sorted(session.info.get("tasks_pending", []), key=repr),
        "outbox": session.execute(
            select(Notification.idempotency_key, Notification.channel, Notification.event, Notification.body,
                   Notification.status, Notification.recipient, Notification.created_at, Notification.sent_at,
                   Notification.user_id, Notification.application_id)
            .order_by(Notification.idempotency_key)).all(),
        "seats": session.execute(select(Seat.id, Seat.state, Seat.release_reason, Seat.deadline_at,
                                        Seat.updated_at).order_by(Seat.id)).all(),
        "applications": session.execute(
            select(Application.id, Application.status, Application.waiting, Application.stop_listed_until,
                   Application.updated_at).order_by(Application.id)).all(),
        "bulletins": session.execute(select(Bulletin.id, Bulletin.claimed).order_by(Bulletin.id)).all(),
        "tally": (session.execute(select(QueueTally.tier, QueueTally.day, QueueTally.waiting)
                                  .order_by(QueueTally.tier, QueueTally.day)).all(),
                  session.execute(select(QueueCount.tier, QueueCount.waiting).order_by(QueueCount.tier)).all()),
        "differences": tally.differences(session),
    }


def _history(world, session):
    """Four invitations that will lapse, one that will not, stop-lists due and not due, one whose
    return finds the year's interest unconfirmed (→ inactive, leaving the tally)."""
    queued = world.submit_many(12)
    world.commit()
    world.bulletin(places=4)  # distribution invites the first four
    late = world.submit()
    world.commit()
    stop_listed = queued[6:10]
    for application in stop_listed:
        application = session.get(Application, application.id)
        application.status = "stop_listed"
        application.stop_listed_until = clock.now() + timedelta(days=1)
    session.get(Application, stop_listed[-1].id).stop_listed_until = clock.now() + timedelta(days=30)
    session.get(Application, stop_listed[0].id).interest_year = 2025
    world.commit()
    clock.advance(timedelta(days=7))  # every invitation of the bulletin lapsed, three stop-lists are over
    world.bulletin(places=1, group=world.kindergarten_with_group("Жаңа")[1])  # one fresh invitation
    return late


def test_batch_transitions_write_exactly_what_single_ones_write(factory, session):
    world = World(factory)
    _history(world, session)
    now = clock.now()
    seat_ids = sweep._due_seats(session, "reserved", now) + list(
        session.scalars(select(Seat.id).where(Seat.state == "reserved", Seat.deadline_at >= now)))
    stop_ids = list(session.scalars(select(Application.id).where(Application.status == "stop_listed")
                                    .order_by(Application.id.desc())))
    assert len(seat_ids) == 5 and len(stop_ids) == 4

    one_by_one = [invitations.expire(session, seat_id, now) for seat_id in seat_ids]
    ended = [applications.end_stop_list(session, application_id, now) for application_id in stop_ids]
    assert one_by_one.count(True) == 4 and ended.count(True) == 3
    single = _snapshot(session)
    session.rollback()

    assert invitations.expire_many(session, seat_ids, now) == 4
    assert applications.end_stop_lists(session, stop_ids, now) == 3
    batch = _snapshot(session)

    assert single["differences"] == [] and batch["differences"] == []
    assert [event["action"] for event in batch["audit"]].count("invitation.expired") == 4
    assert {row[1] for row in batch["applications"]} >= {"stop_listed", "queued", "inactive"}
    for part in single:
        assert batch[part] == single[part], part

    # Idempotent: a second batch finds nothing more to do.
    assert invitations.expire_many(session, seat_ids, now) == 0
    assert applications.end_stop_lists(session, stop_ids, now) == 0
