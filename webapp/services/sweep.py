"""The sweep: every due expiry and transition, once (DESIGN §7, §10).

Deadline jobs do the same work at the exact moment; the sweep is the safety net that catches up
after a worker was down. Every step calls the same idempotent transition, in an order that lets
cascades finish in one run (an invitation that expired long ago → its stop-list already over →
back in the queue), so a second sweep right after finds nothing to do.
"""
import logging
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..models import Application, Child, District, PrivilegeClaim, Seat
from . import applications, audit, clock, invitations, privileges, referrals, tasks
from .errors import DomainError

log = logging.getLogger(__name__)
BATCH = 500  # items per transaction; set-based steps handle a batch in a few statements


def run(session, now=None) -> Counter:
    now = now or clock.now()
    done = Counter()
    # Each step commits, and a released seat is offered again at once (distribution runs after the
    # commit), before the later steps have aged out or deactivated anyone. That opens no window:
    # distribution invites only applications eligible now (services.eligibility), so on 1 September
    # or 1 October a seat freed here never goes to a child the steps below are about to take out.
    _each(session, done, "invitations_expired", _due_seats(session, "reserved", now),
          lambda item_id: invitations.expire(session, item_id, now), _load_seats,
          batch=lambda ids: invitations.expire_many(session, ids, now))
    _each(session, done, "referrals_expired", _due_seats(session, "referred", now),
          lambda item_id: referrals.expire(session, item_id, now), _load_seats)
    _each(session, done, "stop_lists_ended", _due_stop_lists(session, now),
          lambda item_id: applications.end_stop_list(session, item_id, now), _load_applications,
          batch=lambda ids: applications.end_stop_lists(session, ids, now))
    for district in session.scalars(select(District)).all():
        today = now.astimezone(ZoneInfo(district.timezone)).date()
        _each(session, done, "aged_out", _aged(session, district, today),
              lambda item_id: applications.age_out(session, item_id, now), _load_applications)
        _each(session, done, "deactivated", _unconfirmed(session, district, today),
              lambda item_id: applications.deactivate(session, item_id, now), _load_applications)
        _each(session, done, "privileges_expired", _expired_claims(session, district, today),
              lambda item_id: privileges.expire_claims(session, item_id, now), _load_claims)
    _checkpoint_yesterday(session, now)
    return done


def _each(session, done: Counter, name: str, ids: list[int], transition, preload=None, batch=None) -> None:
    """Run ``transition`` for each id, committing in batches; one failure never blocks the rest.

    With ``batch`` (a set-based version of the same transition: the same checks, events,
    notifications and jobs per item) a whole chunk is one call; if it fails, the chunk is retried
    one item at a time, so a single bad item is logged and skipped as before."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        try:
            loaded = preload(session, chunk) if preload else ()  # noqa: F841 - held until the commit
            if batch is not None:
                done[name] += batch(chunk)
            else:
                done[name] += sum(1 for item_id in chunk if transition(item_id))
            tasks.commit(session)
        except Exception:  # noqa: BLE001 - retried one by one below, then logged
            session.rollback()
            for item_id in chunk:
                _one(session, done, name, item_id, transition)


def _one(session, done, name, item_id, transition) -> None:
    try:
        done[name] += 1 if transition(item_id) else 0
        tasks.commit(session)
    except DomainError as error:
        session.rollback()
        log.warning("sweep %s %s skipped: %s", name, item_id, error)
    except Exception:
        session.rollback()
        done["errors"] += 1
        log.exception("sweep %s %s failed", name, item_id)


# --- loading a batch at once ------------------------------------------------------------------------
# Each transition reads its rows again itself, locked, so these only fill the session's identity
# map: the lookups by id and the lazy loads of child, parent, district and bulletin inside the
# transitions then cost no query. Five queries per item were most of a sweep of 10,000 items.
# The caller keeps the returned list until the batch commits (the identity map holds weakly).

def _load_seats(session, seat_ids: list[int]) -> list:
    application = joinedload(Seat.application)
    seats = session.scalars(
        select(Seat).where(Seat.id.in_(seat_ids)).options(
            joinedload(Seat.bulletin), joinedload(Seat.referral),
            application.joinedload(Application.district),
            application.joinedload(Application.child).joinedload(Child.parent),
        )
    ).unique().all()
    return seats + _held([seat.application for seat in seats])


def _load_applications(session, application_ids: list[int], *extra) -> list:
    found = session.scalars(
        select(Application).where(Application.id.in_(application_ids)).options(
            joinedload(Application.district), joinedload(Application.child).joinedload(Child.parent), *extra,
        )
    ).unique().all()
    return _held(found)


def _load_claims(session, application_ids: list[int]) -> list:
    return _load_applications(session, application_ids,
                              selectinload(Application.claims).joinedload(PrivilegeClaim.category))


def _held(applications: list) -> list:
    """The applications with their children and parents as separate references: a transition
    re-reads its application (populate_existing), which drops the application's own link to them."""
    children = [application.child for application in applications]
    return [*applications, *children, *(child.parent for child in children)]


# --- what is due (ids sorted by segment, so batches take segment locks in one order) -------------

def _by_segment():
    return (Application.locality_id, Application.language, Application.birth_year, Application.id)


def _due_seats(session, state: str, now) -> list[int]:
    return list(session.scalars(
        select(Seat.id).join(Application, Application.id == Seat.application_id)
        .where(Seat.state == state, Seat.deadline_at < now).order_by(*_by_segment())
    ))


def _due_stop_lists(session, now) -> list[int]:
    return list(session.scalars(
        select(Application.id).where(Application.status == "stop_listed", Application.stop_listed_until < now)
        .order_by(*_by_segment())
    ))


def _aged(session, district, today: date) -> list[int]:
    if (today.month, today.day) < (9, 1):
        return []
    born_by = date(today.year - district.max_age, 9, 1)
    return list(session.scalars(
        select(Application.id).join(Child, Child.id == Application.child_id)
        .where(Application.district_id == district.id,
               Application.status.in_(("queued", "invited", "stop_listed", "inactive")),
               Child.birth_date <= born_by)
        .order_by(*_by_segment())
    ))


def _unconfirmed(session, district, today: date) -> list[int]:
    if today.month < 10:
        return []
    return list(session.scalars(
        select(Application.id).where(
            Application.district_id == district.id, Application.status.in_(("queued", "stop_listed")),
            Application.interest_year < today.year,
        ).order_by(*_by_segment())
    ))


def _expired_claims(session, district, today: date) -> list[int]:
    return list(session.scalars(
        select(Application.id).join(PrivilegeClaim, PrivilegeClaim.application_id == Application.id)
        .where(Application.district_id == district.id, Application.tier != "ordinary",
               PrivilegeClaim.status == "verified", PrivilegeClaim.valid_until < today)
        .group_by(Application.id).order_by(*_by_segment())
    ))


def _checkpoint_yesterday(session, now) -> None:
    yesterday = now.astimezone(ZoneInfo("Asia/Almaty")).date() - timedelta(days=1)
    audit.checkpoint(session, yesterday)
    tasks.commit(session)
