"""A child registered by two accounts (issue 9's leftover, decided in issue 11).

When a second account adds a child whose IIN another account already registered, nothing is added;
the attempt is kept as a dispute for the department of the district that answers for the child:
- the district of the child's latest application;
- else the district of the claimant's other children's latest application;
- else the district of the current account's other children's latest application;
- else none: the dispute waits for the administration (no department sees it).
The same claimant trying again does not open a second dispute while one is open.

The department keeps the child with the current account, or moves it — with its applications, which
follow the child — to the claimant's account; the reason is mandatory and private (it may name
people). Both accounts are told. The audit names the accounts only in its private details."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..models import Application, Child, ChildDispute, User
from . import audit, notifications
from .actors import Actor, require_department
from .errors import InvalidInput, NotFound, WrongState

RESOLUTIONS = ("kept", "moved")
REASON_MAX = 1000


# --- opening ---------------------------------------------------------------------------------------

def open_dispute(session, child: Child, claimant, now) -> ChildDispute | None:
    """Keep the claimant's attempt (once while it is open). None when a second tab opened the same
    dispute a moment ago: the unit of work is then rolled back (the other one has it)."""
    found = _open_of(session, child.id, claimant.id)
    if found is not None:
        return found
    dispute = ChildDispute(child_id=child.id, claimant_id=claimant.id, created_at=now, reason="",
                           district_id=district_for(session, child, claimant.id))
    session.add(dispute)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # as services.unique does: no savepoints on SQLite's driver
        return None
    audit.record(session, "child_dispute.opened", actor=Actor.of(claimant), at=now,
                 data={"dispute_id": dispute.id, "district_id": dispute.district_id},
                 private={"child_id": child.id, "owner_id": child.parent_id, "claimant_id": claimant.id})
    return dispute


def district_for(session, child: Child, claimant_id: int) -> int | None:
    latest = _latest_district(session, Application.child_id == child.id)
    if latest is None:
        latest = _latest_district(session, Child.parent_id == claimant_id)
    if latest is None:
        latest = _latest_district(session, Child.parent_id == child.parent_id)
    return latest


def _latest_district(session, where) -> int | None:
    return session.scalar(select(Application.district_id).join(Child, Child.id == Application.child_id)
                          .where(where).order_by(Application.submitted_at.desc(), Application.id.desc())
                          .limit(1))


def _open_of(session, child_id: int, claimant_id: int) -> ChildDispute | None:
    return session.scalar(select(ChildDispute).where(ChildDispute.child_id == child_id,
                                                     ChildDispute.claimant_id == claimant_id,
                                                     ChildDispute.resolved_at.is_(None)))


# --- the department's list -------------------------------------------------------------------------

def deciding_district(actor) -> int | None:
    """Whose disputes the actor decides: a department its district's; the administration those no
    district could be found for (the child and both accounts have no application yet)."""
    if actor.role == "admin":
        return None
    require_department(actor, actor.district_id)
    return actor.district_id


def open_disputes(session, actor) -> list[dict]:
    district_id = deciding_district(actor)
    rows = session.scalars(select(ChildDispute).where(ChildDispute.district_id.is_(district_id)
                                                      if district_id is None else
                                                      ChildDispute.district_id == district_id,
                                                      ChildDispute.resolved_at.is_(None))
                           .order_by(ChildDispute.created_at, ChildDispute.id)).all()
    return [_card(session, row) for row in rows]


def _card(session, dispute: ChildDispute) -> dict:
    child = dispute.child
    applications = session.scalars(select(Application).where(Application.child_id == child.id)
                                   .order_by(Application.submitted_at.desc())).all()
    return {"dispute": dispute, "child": child, "owner": child.parent, "claimant": dispute.claimant,
            "applications": applications}


def mask_phone(phone: str) -> str:
    """Enough to recognise a number the parent gives on the telephone, not enough to call it."""
    if len(phone) < 6:
        return "•" * len(phone)
    return f"{phone[:5]}•••••{phone[-2:]}"


# --- deciding --------------------------------------------------------------------------------------

def open_in_district(session, actor, dispute_id: int) -> ChildDispute:
    """The actor's dispute (``deciding_district``), still open: else NotFound (someone else's) or
    WrongState."""
    dispute = session.get(ChildDispute, dispute_id)
    if dispute is None or dispute.district_id != deciding_district(actor):
        raise NotFound()
    if dispute.resolved_at is not None:
        raise WrongState(_l("This dispute has already been decided."))
    return dispute


def resolve(session, actor, dispute_id: int, resolution: str, reason: str, now) -> ChildDispute:
    dispute = open_in_district(session, actor, dispute_id)
    if resolution not in RESOLUTIONS:
        raise InvalidInput(_l("Choose a decision."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason for the decision."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long."))
    child = dispute.child
    owner = child.parent
    claimant = dispute.claimant
    if resolution == "moved":
        child.parent_id = claimant.id
    dispute.resolution, dispute.resolved_at, dispute.resolved_by, dispute.reason = \
        resolution, now, actor.user_id, reason
    audit.record(session, "child_dispute.resolved", actor=actor, at=now,
                 data={"dispute_id": dispute.id, "resolution": resolution},
                 private={"child_id": child.id, "owner_id": owner.id, "owner": owner.full_name,
                          "claimant_id": claimant.id, "claimant": claimant.full_name, "reason": reason})
    _tell(session, dispute, owner, f"child_dispute.{resolution}.owner")
    _tell(session, dispute, claimant, f"child_dispute.{resolution}.claimant")
    return dispute


def _tell(session, dispute: ChildDispute, user: User, event: str) -> None:
    notifications.notify(session, user, event, {}, key=f"{event}:{dispute.id}")
