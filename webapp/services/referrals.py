"""From a response to a contract: activation (the referral), rejection, extension, enrolment.

The referral (направление) gives the district's working days to sign the contract (5 by default);
staff or the department may extend it once, with a reason, to at most the district's number of
calendar days from issue (30 by default; DESIGN §5, §6a).
"""
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..models import Group, Referral, Seat
from . import applications, calendar, locks, policy, seats, tasks
from .actors import SYSTEM, require_kindergarten, require_parent_of, require_system
from .clock import iso
from .errors import InvalidInput, NotFound, WrongState
from .invitations import lapsed, stop_list_end
from .transitions import load_locked, move, require_status, tell_parent

def activate(session, application_id: int, actor, now) -> Referral:
    """The kindergarten confirms and signs the response: the referral is issued."""
    application, seat = _with_seat(session, application_id)
    require_kindergarten(actor, seat.bulletin.kindergarten)
    require_status(application, "responded")
    due = calendar.end_of_nth_working_day(session, application.district, now,
                                           policy.of(application.district).contract_working_days)
    referral = Referral(
        seat_id=seat.id, application_id=application.id, issued_at=now, due_at=due,
        number=_referral_number(session, application, now), token=secrets.token_urlsafe(24),
    )
    session.add(referral)
    seat.state, seat.deadline_at, seat.updated_at = "referred", due, now
    move(session, application, "referred", action="response.activated", actor=actor, now=now,
         data={"seat_id": seat.id, "referral": referral.number, "due_at": iso(due)})
    tell_parent(session, application, "referral.issued", due=calendar.local_day_text(application.district, due))
    tasks.defer(session, "schedule_seat_deadline", seat.id)
    return referral


def reject(session, application_id: int, actor, now, reason: str, note: str = "",
           data: dict | None = None) -> None:
    """The kindergarten turns the response down; the child returns to the queue with its date
    (or leaves it, if meanwhile it reached school age or missed the 1 October confirmation).

    ``reason`` is public (the audit feed); the clerk's free-text ``note`` may name people, so it
    enters the event only through its private digest. ``data`` adds public facts to the event (the
    department's correction marker)."""
    application, seat = _with_seat(session, application_id)
    require_kindergarten(actor, seat.bulletin.kindergarten)
    require_status(application, "responded")
    _require_reason(reason)
    seats.release(session, seat, "rejected", now)
    to_status = applications.returning_status(application, now)
    move(session, application, to_status, action="response.rejected", actor=actor, now=now, reason=reason,
         data=data, private={"note": note.strip()} if note and note.strip() else None)
    tell_parent(session, application, "response.rejected")


def extend(session, application_id: int, actor, now, until_day, reason: str, note: str = "") -> Referral:
    """Move the contract deadline to the end of ``until_day`` (local); once, at most the district's
    extension days from issue."""
    application, seat = _with_seat(session, application_id)
    require_kindergarten(actor, seat.bulletin.kindergarten)
    require_status(application, "referred")
    _require_reason(reason)
    referral = seat.referral
    if lapsed(seat, now):  # a lapsed referral is not revived, even before the expiry job has run
        raise WrongState(_l("This referral lapsed on %(due)s: it can no longer be extended."),
                         due=calendar.local_day_text(application.district, seat.deadline_at))
    if referral.extended:
        raise WrongState(_l("This referral has already been extended once."))
    zone = ZoneInfo(application.district.timezone)
    until = datetime.combine(until_day, calendar.END_OF_DAY, tzinfo=zone).astimezone(ZoneInfo("UTC"))
    days = policy.of(application.district).extension_days
    latest = datetime.combine(calendar.local_date(application.district, referral.issued_at + timedelta(days=days)),
                              time.max, tzinfo=zone)
    if until <= referral.due_at or until > latest:
        raise InvalidInput(_l("The new date must be after the current deadline and at most %(days)d days after "
                              "issue."), days=days)
    referral.due_at, referral.extended, referral.extension_reason = until, True, reason
    seat.deadline_at, seat.updated_at = until, now
    move(session, application, "referred", action="referral.extended", actor=actor, now=now, reason=reason,
         private={"note": note.strip()} if note and note.strip() else None, data={"referral": referral.number, "due_at": iso(until)})
    tell_parent(session, application, "referral.extended", due=calendar.local_day_text(application.district, until))
    tasks.defer(session, "schedule_seat_deadline", seat.id)
    return referral


def enrol(session, application_id: int, actor, now) -> None:
    """The contract is concluded: the seat is filled and the child leaves the queue."""
    application, seat = _with_seat(session, application_id)
    require_kindergarten(actor, seat.bulletin.kindergarten)
    require_status(application, "referred")
    if lapsed(seat, now):  # the expiry job may not have run yet; the deadline is what counts
        raise WrongState(_l("The time to conclude the contract ran out on %(due)s."),
                         due=calendar.local_day_text(application.district, seat.deadline_at))
    grown = session.execute(
        update(Group).where(Group.id == seat.bulletin.group_id, Group.enrolled < Group.capacity)
        .values(enrolled=Group.enrolled + 1).execution_options(synchronize_session=False)
    )
    if grown.rowcount != 1:
        raise WrongState(_l("The group is already full."))
    seat.state, seat.deadline_at, seat.updated_at = "filled", None, now
    seat.referral.status = "used"
    move(session, application, "enrolled", action="application.enrolled", actor=actor, now=now,
         data={"seat_id": seat.id, "group_id": seat.bulletin.group_id})
    tell_parent(session, application, "application.enrolled")
    tasks.defer(session, "cancel_seat_deadline", seat.id)


def record_no_show(session, application_id: int, actor, now, reason: str, note: str = "") -> None:
    """The parent did not come to sign the contract: the kindergarten cancels the referral. The child
    goes on the stop-list exactly as after a missed deadline (DESIGN §5), counted from today."""
    application, seat = _with_seat(session, application_id)
    require_kindergarten(actor, seat.bulletin.kindergarten)
    require_status(application, "referred")
    _require_reason(reason)
    _lapse(session, application, seat, now, actor, "referral.no_show", "cancelled", reason=reason,
           private={"note": note.strip()} if note and note.strip() else None)


def decline(session, application_id: int, actor, now) -> None:
    application, seat = _with_seat(session, application_id)
    require_parent_of(actor, application)
    require_status(application, "referred")
    if lapsed(seat, now):
        # Already lapsed: exactly what the expiry job would have done at the deadline.
        _lapse(session, application, seat, now, SYSTEM, "referral.expired", "expired", since=seat.deadline_at)
        return
    _lapse(session, application, seat, now, actor, "referral.declined", "cancelled")


def expire(session, seat_id: int, now, actor=SYSTEM) -> bool:
    """Idempotent: True only when this call expired the referral."""
    require_system(actor)
    seat = session.get(Seat, seat_id)
    if seat is None or seat.state != "referred":
        return False
    application, seat = _with_seat(session, seat.application_id)
    if seat.id != seat_id or seat.state != "referred" or seat.deadline_at >= now:
        return False
    # Counted from the day the deadline passed, so a sweep that runs late is not harsher.
    _lapse(session, application, seat, now, actor, "referral.expired", "expired", since=seat.deadline_at)
    return True


def find_by_token(session, token: str) -> Referral | None:
    return session.scalars(select(Referral).where(Referral.token == token)).first()


def _lapse(session, application, seat, now, actor, action, referral_status, since=None, reason="",
           private=None) -> None:
    seat.referral.status = referral_status
    seats.release(session, seat, referral_status, now)
    until = stop_list_end(session, application, since or now)
    application.stop_listed_until = until
    tasks.defer(session, "schedule_stop_list_end", application.id)
    move(session, application, "stop_listed", action=action, actor=actor, now=now, reason=reason,
         private=private, data={"referral": seat.referral.number, "stop_listed_until": iso(until)})
    tell_parent(session, application, action, until=calendar.local_day_text(application.district, until))


def _with_seat(session, application_id: int):
    application = load_locked(session, application_id)
    seat = seats.active_seat(session, application.id)
    if seat is None:
        raise NotFound()
    return application, seat


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise InvalidInput(_l("Please give a reason."))


def _referral_number(session, application, now) -> str:
    year = calendar.local_date(application.district, now).year
    n = locks.next_value(session, f"referral:{application.district.code}:{year}")
    return f"N-{application.district.code}-{year}-{n:06d}"
