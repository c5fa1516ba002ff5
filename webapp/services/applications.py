"""An application's own life: submission, interest confirmation, stop-list end, deactivation,
ageing out and withdrawal (DESIGN §5). Placement steps live in invitations and referrals."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import (
    FINAL, Application, ApplicationPreference, Child, Kindergarten, Locality,
    PrivilegeCategory, PrivilegeClaim,
)
from . import audit, calendar, eligibility, locks, notifications, policy, seats, tasks
from .actors import SYSTEM, require_department, require_parent_of, require_system
from .errors import Duplicate, InvalidInput, NotFound, WrongState
from .privileges import tier_of
from .transitions import load_locked, load_many_locked, move, require_status, tell_parent

INTEREST_LAST_MONTH = 9  # confirmation is open 1 January – 30 September


def submit(session, actor, child_id: int, locality_id: int, language: str, now,
           kindergarten_ids=(), privilege_codes=()) -> Application:
    child = session.get(Child, child_id)
    if child is None or actor.role != "parent" or child.parent_id != actor.user_id:
        raise NotFound()
    locality = session.get(Locality, locality_id)
    if locality is None or not locality.active:
        raise InvalidInput(_l("Choose a locality."))
    if language not in ("kk", "ru"):
        raise InvalidInput(_l("Choose the language of instruction: Kazakh or Russian."))
    preferences = _check_preferences(session, list(kindergarten_ids), locality, language)
    # The child's lock first: two submissions in different segments must not both pass the check.
    locks.acquire(session, f"child:{child.id}")
    locks.segment(session, locality.id, language, child.birth_date.year)
    if _open_application(session, child.id):
        raise Duplicate(_l("This child already has an application in the queue."))
    district = locality.district
    year = calendar.local_date(district, now).year  # 1 January in Almaty is still 31 December in UTC
    application = Application(
        number=_number(session, district.code, year), child_id=child.id, district_id=district.id,
        locality_id=locality.id, language=language, birth_year=child.birth_date.year, tier="ordinary",
        status="queued", submitted_at=now, interest_year=year, created_at=now, updated_at=now,
    )
    application.preferences = [
        ApplicationPreference(kindergarten_id=kg_id, rank=i + 1) for i, kg_id in enumerate(preferences)
    ]
    session.add(application)
    session.flush()
    _add_claims(session, application, privilege_codes, now)
    # Preferences are public (anyone can re-check distribution); privilege claims are not: a claim
    # can reveal a disability, so only the private digest covers them.
    audit.record(session, "application.submitted", actor=actor, application=application, to_status="queued",
                 at=now, data={"segment": [locality.id, language, application.birth_year],
                               "preferences": preferences},
                 private={"privileges": sorted(privilege_codes)} if privilege_codes else None)
    tell_parent(session, application, "application.submitted", "submitted")
    tasks.defer(session, "distribute_segment", locality.id, language, application.birth_year)
    return application


def confirm_interest(session, application_id: int, actor, now, reason: str = "",
                     data: dict | None = None) -> None:
    """The yearly «Заинтересован»: once a year, 1 January – 30 September; reactivates if inactive.

    The department may also record it, as a correction with a public ``reason``, for an inactive
    application only (the parent confirmed in person, or the deactivation was a mistake) and in any
    month: a wrong deactivation on 1 October can only be put right after 30 September."""
    application = load_locked(session, application_id)
    today = calendar.local_date(application.district, now)
    if actor.role == "department":
        require_department(actor, application.district_id)
        require_status(application, "inactive")
    else:
        require_parent_of(actor, application)
        if today.month > INTEREST_LAST_MONTH:
            raise WrongState(_l("Interest can be confirmed from 1 January to 30 September."))
        if application.interest_year >= today.year:
            raise Duplicate(_l("Interest is already confirmed for %(year)s."), year=today.year)
        require_status(application, "queued", "invited", "responded", "referred", "stop_listed", "inactive")
    application.interest_year = max(application.interest_year, today.year)
    to_status = "queued" if application.status == "inactive" else application.status
    move(session, application, to_status, action="interest.confirmed", actor=actor, now=now, reason=reason,
         data={"year": today.year, **(data or {})})
    tell_parent(session, application, "interest.confirmed", str(today.year), year=today.year)
    if to_status == "queued":
        tasks.defer(session, "distribute_segment", *application.segment)


def end_stop_list(session, application_id: int, now, actor=SYSTEM, reason: str = "",
                  data: dict | None = None) -> bool:
    """The stop-list is over (the sweep, at its end); the department may end it early, as a
    correction with a public ``reason``. False when there is nothing to end."""
    early = actor.role == "department"
    if not early:
        require_system(actor)
    application = load_locked(session, application_id)
    if early:
        require_department(actor, application.district_id)
    if application.status != "stop_listed" or (application.stop_listed_until >= now and not early):
        return False
    application.stop_listed_until = None
    to_status = returning_status(application, now)
    move(session, application, to_status, action="stop_list.ended", actor=actor, now=now, reason=reason,
         data=data)
    tell_parent(session, application, "stop_list.ended" if to_status == "queued" else _CLOSING_EVENT[to_status])
    if to_status == "queued":
        tasks.defer(session, "distribute_segment", *application.segment)
    return True


def end_stop_lists(session, application_ids, now, actor=SYSTEM) -> int:
    """``end_stop_list`` for a batch (the sweep), set-based: the segments locked once, the
    applications read locked in one query, the outbox rows written together; per item the same
    check, audit event, notification and jobs. Returns how many ended."""
    require_system(actor)
    ended = 0
    with notifications.batched(session):
        loaded = {application.id: application for application in load_many_locked(session, application_ids)}
        for application in (loaded[i] for i in dict.fromkeys(application_ids) if i in loaded):
            if application.status != "stop_listed" or application.stop_listed_until >= now:
                continue
            application.stop_listed_until = None
            to_status = returning_status(application, now)
            move(session, application, to_status, action="stop_list.ended", actor=actor, now=now)
            tell_parent(session, application,
                        "stop_list.ended" if to_status == "queued" else _CLOSING_EVENT[to_status])
            if to_status == "queued":
                tasks.defer(session, "distribute_segment", *application.segment)
            ended += 1
    return ended


_CLOSING_EVENT = {"aged_out": "application.aged_out", "inactive": "application.deactivated"}


def deactivate(session, application_id: int, now, actor=SYSTEM) -> bool:
    """1 October without this year's confirmation: no position, never invited, until confirmed."""
    require_system(actor)
    application = load_locked(session, application_id)
    today = calendar.local_date(application.district, now)
    if application.status not in ("queued", "stop_listed"):
        return False
    if eligibility.interest_current(application.interest_year, today):
        return False
    application.stop_listed_until = None
    move(session, application, "inactive", action="application.deactivated", actor=actor, now=now,
         data={"year": today.year})
    tell_parent(session, application, "application.deactivated", str(today.year))
    return True


def age_out(session, application_id: int, now, actor=SYSTEM) -> bool:
    """On 1 September a child of the district's maximum age leaves the queue for school."""
    require_system(actor)
    application = load_locked(session, application_id)
    if application.status in FINAL or application.status in ("responded", "referred"):
        return False
    today = calendar.local_date(application.district, now)
    if not reached_max_age(application.child.birth_date, application.district.max_age, today):
        return False
    _release_any_seat(session, application, now, "aged_out")
    move(session, application, "aged_out", action="application.aged_out", actor=actor, now=now)
    tell_parent(session, application, "application.aged_out")
    return True


def returning_status(application, now) -> str:
    """Where an application goes when it returns to waiting (stop-list over, response rejected): the
    queue, unless the rules the sweep applies would take it out at once. Deciding here means it is
    never invited in between."""
    today = calendar.local_date(application.district, now)
    if reached_max_age(application.child.birth_date, application.district.max_age, today):
        return "aged_out"
    if not eligibility.interest_current(application.interest_year, today):
        return "inactive"
    return "queued"


def reached_max_age(birth_date: date, max_age: int, today: date) -> bool:
    """Age on the last 1 September on or before today is at least max_age."""
    return eligibility.reached_school_age(birth_date, max_age, today)


def withdraw(session, application_id: int, actor, now, reason: str = "", data: dict | None = None) -> None:
    application = load_locked(session, application_id)
    if actor.role == "parent":
        require_parent_of(actor, application)
    elif actor.role not in ("department", "admin") or (
        actor.role == "department" and actor.district_id != application.district_id
    ):
        raise NotFound()
    if application.status in FINAL:
        raise WrongState(_l("Application %(number)s is already closed."), number=application.number)
    _release_any_seat(session, application, now, "withdrawn")
    move(session, application, "withdrawn", action="application.withdrawn", actor=actor, now=now,
         reason=reason, data=data)
    tell_parent(session, application, "application.withdrawn")


# --- helpers --------------------------------------------------------------------------------------

def _release_any_seat(session, application, now, reason) -> None:
    seat = seats.active_seat(session, application.id)
    if seat is not None:
        if seat.referral is not None:
            seat.referral.status = "cancelled"
        seats.release(session, seat, reason, now)


def _open_application(session, child_id: int):
    return session.scalar(
        select(Application.id).where(Application.child_id == child_id, Application.status.not_in(FINAL))
    )


def _check_preferences(session, kindergarten_ids, locality, language) -> list[int]:
    most = policy.of(locality.district).max_preferences
    if len(kindergarten_ids) > most:
        raise InvalidInput(_l("Choose at most %(count)d kindergartens."), count=most)
    if len(set(kindergarten_ids)) != len(kindergarten_ids):
        raise InvalidInput(_l("Each kindergarten can be chosen only once."))
    for kg_id in kindergarten_ids:
        kindergarten = session.get(Kindergarten, kg_id)
        if kindergarten is None or kindergarten.locality_id != locality.id or not kindergarten.active:
            raise InvalidInput(_l("A chosen kindergarten is not in the chosen locality."))
        if language not in kindergarten.language_list:
            raise InvalidInput(_l("A chosen kindergarten does not teach in the chosen language."))
    return kindergarten_ids


def _add_claims(session, application, privilege_codes, now) -> None:
    for code in privilege_codes:
        category = session.scalar(select(PrivilegeCategory).where(PrivilegeCategory.code == code))
        if category is None:
            raise InvalidInput(_l("Unknown privilege."))
        session.add(PrivilegeClaim(application=application, category=category, status="pending",
                                   created_at=now))
    application.tier = tier_of(application, calendar.local_date(application.district, now))


def _number(session, district_code: str, year: int) -> str:
    n = locks.next_value(session, f"application:{district_code}:{year}")
    return f"{district_code}-{year}-{n:06d}"
