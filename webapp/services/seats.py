"""Seats: an application's claim on one place of one bulletin.

The invariant ``active seats ≤ places`` is kept by ``bulletin.claimed``, changed only here with
conditional UPDATEs that the database evaluates atomically (and a CHECK constraint behind them).
"""
from contextlib import contextmanager

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import make_transient_to_detached

from ..models import Bulletin, Seat
from ..models.types import UTCDateTime
from . import tasks
from .errors import NoFreeSeat


def claim(session, bulletin_id: int, application, state: str, deadline, now) -> Seat:
    if session.get_bind().dialect.name == "postgresql":
        return _claim_in_one_statement(session, bulletin_id, application, state, deadline, now)
    taken = session.execute(
        update(Bulletin)
        .where(Bulletin.id == bulletin_id, Bulletin.status == "published", Bulletin.claimed < Bulletin.places)
        .values(claimed=Bulletin.claimed + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise NoFreeSeat()
    _forget_cached_bulletin(session, bulletin_id)
    seat = Seat(bulletin_id=bulletin_id, application_id=application.id, state=state,
                deadline_at=deadline, created_at=now, updated_at=now)
    session.add(seat)
    session.flush()
    return seat


def _claim_in_one_statement(session, bulletin_id: int, application, state: str, deadline, now) -> Seat:
    """PostgreSQL: the conditional UPDATE of the place count and the seat's INSERT in one statement
    (a data-modifying CTE), one round trip instead of two; the same atomic check."""
    session.flush()  # the application and anything else pending go first, as before
    taken = (
        update(Bulletin)
        .where(Bulletin.id == bulletin_id, Bulletin.status == "published", Bulletin.claimed < Bulletin.places)
        .values(claimed=Bulletin.claimed + 1).returning(Bulletin.id).cte("taken")
    )
    values = select(taken.c.id, literal(application.id), literal(state), literal(deadline, UTCDateTime()),
                    literal(now, UTCDateTime()), literal(now, UTCDateTime()))
    seat_id = session.execute(
        insert(Seat).from_select(["bulletin_id", "application_id", "state", "deadline_at", "created_at",
                                  "updated_at"], values).returning(Seat.id)
    ).scalar()
    if seat_id is None:
        raise NoFreeSeat()
    _forget_cached_bulletin(session, bulletin_id)
    seat = Seat(id=seat_id, bulletin_id=bulletin_id, application_id=application.id, state=state,
                deadline_at=deadline, release_reason=None, created_at=now, updated_at=now)
    make_transient_to_detached(seat)  # the row exists: the session takes it as loaded, no INSERT
    session.add(seat)
    return seat


def release(session, seat: Seat, reason: str, now) -> None:
    """Give the place back and look for the next child for it (after commit)."""
    if seat.state == "released":
        return
    seat.state, seat.release_reason, seat.deadline_at, seat.updated_at = "released", reason, None, now
    batch = session.info.get(_RELEASING)
    if batch is not None:  # inside ``releasing``: one UPDATE per bulletin when the batch ends
        batch[seat.bulletin_id] = batch.get(seat.bulletin_id, 0) + 1
    else:
        session.execute(
            update(Bulletin).where(Bulletin.id == seat.bulletin_id, Bulletin.claimed > 0)
            .values(claimed=Bulletin.claimed - 1).execution_options(synchronize_session=False)
        )
        _forget_cached_bulletin(session, seat.bulletin_id)
    bulletin = session.get(Bulletin, seat.bulletin_id)
    tasks.defer(session, "distribute_segment", bulletin.locality_id, bulletin.language, bulletin.birth_year)
    tasks.defer(session, "cancel_seat_deadline", seat.id)


_RELEASING = "seats_releasing"


@contextmanager
def releasing(session):
    """Within the block, ``release`` counts the places given back per bulletin; at the end each
    bulletin's ``claimed`` goes down by its count in one UPDATE (the set-based sweep)."""
    session.info[_RELEASING] = {}
    try:
        yield
        counted = session.info[_RELEASING]
    finally:
        session.info.pop(_RELEASING, None)
    for bulletin_id, n in sorted(counted.items()):
        session.execute(
            update(Bulletin).where(Bulletin.id == bulletin_id, Bulletin.claimed >= n)
            .values(claimed=Bulletin.claimed - n).execution_options(synchronize_session=False)
        )
        _forget_cached_bulletin(session, bulletin_id)


def active_seat(session, application_id: int) -> Seat | None:
    return session.scalars(
        select(Seat).where(Seat.application_id == application_id, Seat.state != "released")
        .execution_options(populate_existing=True)
    ).first()


def _forget_cached_bulletin(session, bulletin_id: int) -> None:
    cached = session.identity_map.get(session.identity_key(Bulletin, bulletin_id))
    if cached is not None:
        session.expire(cached, ["claimed"])
