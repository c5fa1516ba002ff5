"""Invitations: a reserved seat offered to the next child, the parent's response, or its lapse.

Deadlines (DESIGN §7): respond by the end of the Nth working day after the invitation day; a missed
or declined invitation puts the application on the stop-list until the end of the Mth working day.
N and M are the district's (services.policy: 3 and 10 by default).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Bulletin, Seat
from . import calendar, eligibility, notifications, policy, seats, tasks
from .clock import iso as _iso
from .actors import SYSTEM, require_parent_of, require_system
from .errors import Duplicate, InvalidInput, WrongState
from .transitions import load_locked, load_many_locked, move, require_status, tell_parent

def invite(session, application, bulletin_id: int, now) -> Seat:
    """Reserve a seat for a queued application (called by distribution, under the segment lock)."""
    require_status(application, "queued")
    if not eligibility.application_eligible_now(application, calendar.local_date(application.district, now)):
        # Distribution never chooses such an application; this is the last line of defence.
        raise WrongState(_l("Application %(number)s cannot be invited now: its interest is not confirmed "
                            "for this year or the child has reached school age."), number=application.number)
    due = calendar.end_of_nth_working_day(session, application.district, now,
                                           policy.of(application.district).respond_working_days)
    seat = seats.claim(session, bulletin_id, application, "reserved", due, now)
    move(session, application, "invited", action="invitation.created", actor=SYSTEM, now=now,
         data={"bulletin_id": bulletin_id, "seat_id": seat.id, "due_at": _iso(due)})
    tell_parent(session, application, "invitation.created", str(seat.id), due=_local(application, due))
    tasks.defer(session, "schedule_seat_deadline", seat.id)
    return seat


def respond(session, application_id: int, actor, now, bulletin_id: int | None = None) -> Seat:
    """The parent takes the place, on the reserved bulletin or another one of the same segment."""
    application = load_locked(session, application_id)
    require_parent_of(actor, application)
    if application.status == "responded":
        raise Duplicate(_l("You have already responded for application %(number)s."),
                        number=application.number)
    require_status(application, "invited")
    seat = seats.active_seat(session, application.id)
    if lapsed(seat, now):
        raise WrongState(_l("The time to respond has run out."))
    if bulletin_id is not None and bulletin_id != seat.bulletin_id:
        seat = _move_to(session, application, seat, bulletin_id, now)
    else:
        seat.state, seat.deadline_at, seat.updated_at = "held", None, now
    move(session, application, "responded", action="invitation.responded", actor=actor, now=now,
         data={"bulletin_id": seat.bulletin_id, "seat_id": seat.id})
    tell_parent(session, application, "invitation.responded", str(seat.id))
    tasks.defer(session, "cancel_seat_deadline", seat.id)
    return seat


def _move_to(session, application, old_seat: Seat, bulletin_id: int, now) -> Seat:
    target = session.get(Bulletin, bulletin_id)
    if target is None or target.segment != application.segment:
        raise InvalidInput(_l("This bulletin is not for your child's queue."))
    # Release first: one live seat per application is a unique index. If the new bulletin has no
    # free seat, NoFreeSeat rolls the release back with everything else: nothing is lost.
    seats.release(session, old_seat, "moved", now)
    return seats.claim(session, bulletin_id, application, "held", None, now)


def decline(session, application_id: int, actor, now) -> None:
    application = load_locked(session, application_id)
    require_parent_of(actor, application)
    require_status(application, "invited")
    seat = seats.active_seat(session, application.id)
    if lapsed(seat, now):
        # The invitation had already lapsed: the parent gets exactly what the expiry job would have
        # done at the deadline (stop-list counted from it), whether or not a worker was running.
        _stop_list(session, application, now, SYSTEM, "invitation.expired", "expired", since=seat.deadline_at)
        return
    _stop_list(session, application, now, actor, "invitation.declined", "declined")


def lapsed(seat: Seat | None, now) -> bool:
    """Has this seat's deadline passed (the last microsecond of the deadline still counts)?"""
    return seat is not None and seat.deadline_at is not None and seat.deadline_at < now


def expire(session, seat_id: int, now, actor=SYSTEM) -> bool:
    """Idempotent: True only when this call moved the application; a late or repeated run is a no-op."""
    require_system(actor)
    seat = session.get(Seat, seat_id)
    if seat is None or seat.state != "reserved":
        return False
    application = load_locked(session, seat.application_id)
    seat = seats.active_seat(session, application.id)
    if seat is None or seat.id != seat_id or seat.state != "reserved" or seat.deadline_at >= now:
        return False
    # Counted from the day the deadline passed, so a sweep that runs late is not harsher.
    _stop_list(session, application, now, actor, "invitation.expired", "expired", since=seat.deadline_at)
    return True


def expire_many(session, seat_ids, now, actor=SYSTEM) -> int:
    """``expire`` for a batch of seats, set-based (the sweep): the segments locked once, seats and
    applications read in two queries, the released places given back with one UPDATE per
    bulletin, the outbox rows written together; per item the same checks, the same audit event,
    notification, deadline and jobs as ``expire``. Returns how many lapsed."""
    require_system(actor)
    candidates = dict(session.execute(
        select(Seat.id, Seat.application_id).where(Seat.id.in_(list(seat_ids)), Seat.state == "reserved")
    ).all())
    applications = {a.id: a for a in load_many_locked(session, candidates.values())}
    live = {seat.application_id: seat for seat in session.scalars(
        select(Seat).where(Seat.application_id.in_(list(applications)), Seat.state != "released")
        .execution_options(populate_existing=True))}
    # Held until the batch ends: each release looks its bulletin up in the session (the re-read
    # seats no longer hold theirs, and the session keeps objects only while someone does).
    bulletin_ids = {seat.bulletin_id for seat in live.values()}
    held = session.scalars(select(Bulletin).where(Bulletin.id.in_(bulletin_ids))).all()  # noqa: F841
    due = []
    for seat_id in dict.fromkeys(seat_ids):  # in the caller's order: the audit chain's order
        if seat_id not in candidates:
            continue
        application = applications.get(candidates[seat_id])
        seat = live.get(candidates[seat_id])
        if application is None or seat is None or seat.id != seat_id or seat.state != "reserved" \
                or seat.deadline_at >= now:
            continue
        due.append((application, seat))
    with notifications.batched(session), seats.releasing(session):
        for application, seat in due:
            _stop_list(session, application, now, actor, "invitation.expired", "expired", since=seat.deadline_at,
                       seat=seat)
    return len(due)


def _stop_list(session, application, now, actor, action: str, release_reason: str, since=None,
               seat=None) -> None:
    seat = seat or seats.active_seat(session, application.id)
    if seat is not None:
        seats.release(session, seat, release_reason, now)
    until = stop_list_end(session, application, since or now)
    application.stop_listed_until = until
    tasks.defer(session, "schedule_stop_list_end", application.id)
    move(session, application, "stop_listed", action=action, actor=actor, now=now,
         data={"stop_listed_until": _iso(until)})
    tell_parent(session, application, action, until=_local(application, until))


def stop_list_end(session, application, since):
    """The end of the district's stop-list counted from ``since`` (the missed deadline or today)."""
    return calendar.end_of_nth_working_day(session, application.district, since,
                                           policy.of(application.district).stop_list_working_days)


def _local(application, moment) -> str:
    return calendar.local_day_text(application.district, moment)
