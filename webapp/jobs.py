"""Job entry points. Each takes ids, reloads what it needs, calls one service, commits.

With Redis configured they run on RQ workers (``python worker.py``); without, ``tasks.commit`` calls
them right after the transaction commits, in the same process. They are idempotent: the database
holds the truth (states and deadlines); a job only enforces it, so running one twice is harmless.
"""
import logging

from flask import current_app

from .extensions import db
from .services import clock, delivery, distribution, invitations, referrals, sweep, tasks
from .services.queue import Segment

log = logging.getLogger(__name__)
QUEUE_NAME = "kezek"


def init_app(app) -> None:
    tasks.set_runner(_run_inline if not app.config["REDIS_URL"] else _enqueue)


def _run_inline(name: str, args: tuple) -> None:
    try:
        globals()[name](*args)
    except Exception:  # noqa: BLE001 - the business transaction is already committed; log loudly
        db.session.rollback()
        log.exception("inline job %s%r failed", name, args)


def _enqueue(name: str, args: tuple) -> None:
    from . import queueing

    queueing.enqueue(current_app, name, args)


# --- the jobs -------------------------------------------------------------------------------------

def distribute_segment(locality_id: int, language: str, birth_year: int) -> int:
    invited = distribution.distribute(db.session, Segment(locality_id, language, birth_year), clock.now())
    tasks.commit(db.session)
    return len(invited)


def deliver_notification(notification_id: int) -> str:
    status = delivery.deliver(db.session, notification_id, clock.now())
    tasks.commit(db.session)
    return status


def expire_seat(seat_id: int) -> bool:
    """At a seat's deadline: the invitation or the referral lapses (a no-op if the parent acted)."""
    now = clock.now()
    moved = invitations.expire(db.session, seat_id, now) or referrals.expire(db.session, seat_id, now)
    tasks.commit(db.session)
    return moved


def schedule_seat_deadline(seat_id: int) -> None:
    """Inline mode has no scheduler: the sweep timer enforces deadlines instead."""
    from . import queueing

    queueing.schedule_seat_deadline(current_app, db.session, seat_id)


def cancel_seat_deadline(seat_id: int) -> None:
    from . import queueing

    queueing.cancel_seat_deadline(current_app, seat_id)


def run_sweep() -> dict:
    return dict(sweep.run(db.session, clock.now()))
