"""The seat invariant under concurrency (DESIGN §3, §12): for every bulletin, active seats ≤ places.

Each responder runs in its own thread with its own application context, hence its own database
session and connection, as separate web workers would. On PostgreSQL this is the benchmark's
scenario (100 responses to 10 places); on SQLite the same race runs against one database file.
"""
import threading
from collections import Counter

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Application, Bulletin, Seat
from webapp.services import clock, invitations, tasks
from webapp.services.errors import DomainError

from .helpers import World, active_seat_count, claimed, english

RESPONDERS = 100
TARGET_PLACES = 10


def _race(app, calls):
    """Run ``calls`` [(application_id, actor, bulletin_id)] at once; the outcome of each, in order."""
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def respond(index, application_id, actor, bulletin_id):
        with app.app_context():
            session = db.session
            try:
                start.wait(timeout=60)
                invitations.respond(session, application_id, actor, clock.now(), bulletin_id=bulletin_id)
                tasks.commit(session)
                outcomes[index] = ("ok", "")
            except DomainError as error:
                session.rollback()
                outcomes[index] = (type(error).__name__, english(error))
            except Exception as error:  # noqa: BLE001 - reported by the assertion, not swallowed
                session.rollback()
                outcomes[index] = (type(error).__name__, str(error)[:300])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=respond, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a responder hung"
    return outcomes


def _invite(world, session, count, places):
    """``count`` invited applications on one big bulletin of the world's segment."""
    parent = world.parent
    applications = [world.submit(parent=parent) for _ in range(count)]
    world.commit()
    source = world.bulletin(places=places)
    ids = [a.id for a in applications]
    assert session.scalar(select(func.count()).select_from(Application)
                          .where(Application.id.in_(ids), Application.status == "invited")) == count
    return ids, source.id


def test_100_responses_race_for_10_places(app, factory, session):
    world = World(factory, capacity=RESPONDERS)
    ids, source_id = _invite(world, session, RESPONDERS, RESPONDERS)
    _, target_group = world.kindergarten_with_group("Мақсат", capacity=TARGET_PLACES)
    target_id = world.bulletin(places=TARGET_PLACES, group=target_group).id
    assert claimed(session, target_id) == 0  # nobody was queued to take it
    parent = world.parent_actor
    session.close()

    outcomes = _race(app, [(application_id, parent, target_id) for application_id in ids])

    tally = Counter(kind for kind, _ in outcomes)
    assert tally == {"ok": TARGET_PLACES, "NoFreeSeat": RESPONDERS - TARGET_PLACES}, outcomes
    assert {message for kind, message in outcomes if kind == "NoFreeSeat"} == \
        {"There is no free place left in this bulletin."}
    target = session.get(Bulletin, target_id)
    assert target.claimed == active_seat_count(session, target_id) == TARGET_PLACES <= target.places
    source = session.get(Bulletin, source_id)
    assert source.claimed == active_seat_count(session, source_id) == RESPONDERS - TARGET_PLACES
    winners = [application_id for application_id, (kind, _) in zip(ids, outcomes) if kind == "ok"]
    held = session.execute(select(Seat.application_id, Seat.state).where(
        Seat.bulletin_id == target_id, Seat.state != "released")).all()
    assert sorted(held) == sorted((application_id, "held") for application_id in winners)
    statuses = Counter(session.scalars(select(Application.status).where(Application.id.in_(ids))))
    assert statuses == {"responded": TARGET_PLACES, "invited": RESPONDERS - TARGET_PLACES}


def test_the_same_response_sent_twice_at_once(app, factory, session):
    world = World(factory)
    [application_id], source_id = _invite(world, session, 1, 1)
    parent = world.parent_actor
    session.close()

    outcomes = _race(app, [(application_id, parent, None), (application_id, parent, None)])

    assert sorted(kind for kind, _ in outcomes) == ["Duplicate", "ok"], outcomes
    [message] = [message for kind, message in outcomes if kind == "Duplicate"]
    number = session.get(Application, application_id).number
    assert message == f"You have already responded for application {number}."
    seats = session.execute(select(Seat.state).where(Seat.application_id == application_id)).scalars().all()
    assert seats == ["held"]
    assert claimed(session, source_id) == active_seat_count(session, source_id) == 1
