"""Priority rights: an application's tier comes from its verified, unexpired claims (DESIGN §4).

The tier is stored on the application (the queue index needs it); this module is the only place
that changes it, always under the segment lock and with an audit event, since it reorders the queue.
"""
from datetime import date

from flask_babel import lazy_gettext as _l

from ..models import PrivilegeClaim
from . import audit, calendar, tasks
from .actors import SYSTEM, require_department, require_system
from .errors import InvalidInput, NotFound, WrongState
from .transitions import load_locked, tell_parent

TIER_ORDER = {"extraordinary": 0, "priority": 1, "ordinary": 2}


def tier_of(application, today: date) -> str:
    effective = [c.category.tier for c in application.claims if c.is_effective(today)]
    return min(effective, key=TIER_ORDER.__getitem__, default="ordinary")


def refresh_tier(session, application, now, actor=SYSTEM, reason: str = "", private=None) -> bool:
    """Recompute the tier (caller holds the segment lock); True when it changed.

    The public ``reason`` says only what happened (verified, rejected, expired); which privilege and
    the operator's words stay in ``private``: a privilege can reveal a child's disability."""
    today = calendar.local_date(application.district, now)
    new_tier = tier_of(application, today)
    if new_tier == application.tier:
        return False
    audit.record(session, "application.tier_changed", actor=actor, application=application,
                 from_status=application.status, to_status=application.status, reason=reason, at=now,
                 data={"from_tier": application.tier, "to_tier": new_tier}, private=private)
    application.tier, application.updated_at = new_tier, now
    if application.waiting:
        tasks.defer(session, "distribute_segment", *application.segment)
    return True


def verify_claim(session, claim_id: int, actor, now, valid_until: date | None = None) -> PrivilegeClaim:
    claim, application = _load(session, claim_id, actor)
    if claim.status != "pending":
        raise WrongState(_l("This privilege claim has already been decided."))
    claim.status, claim.verified_by_id, claim.verified_at, claim.valid_until = "verified", actor.user_id, now, valid_until
    _refresh_or_record(session, application, now, actor, "privilege.verified", reason="privilege verified",
                       private={"category": claim.category.code})
    tell_parent(session, application, "privilege.verified", f"claim-{claim.id}")
    return claim


def reject_claim(session, claim_id: int, actor, now, reason: str) -> PrivilegeClaim:
    claim, application = _load(session, claim_id, actor)
    if not (reason or "").strip():
        raise InvalidInput(_l("Please give a reason."))
    if claim.status == "rejected":
        raise WrongState(_l("This privilege claim has already been decided."))
    claim.status, claim.reason, claim.verified_by_id, claim.verified_at = "rejected", reason, actor.user_id, now
    _refresh_or_record(session, application, now, actor, "privilege.rejected", reason="privilege rejected",
                       private={"category": claim.category.code, "reason": reason})
    tell_parent(session, application, "privilege.rejected", f"claim-{claim.id}")
    return claim


def _refresh_or_record(session, application, now, actor, action: str, reason: str, private: dict) -> None:
    """A decision is always on the record: as the tier change it caused, or, when the tier stays
    (a pending claim rejected, a second right verified), as an event of its own."""
    if not refresh_tier(session, application, now, actor, reason=reason, private=private):
        audit.record(session, action, actor=actor, application=application, from_status=application.status,
                     to_status=application.status, reason=reason, at=now, private=private)


def expire_claims(session, application_id: int, now, actor=SYSTEM) -> bool:
    """A claim past its valid_until stops counting (sweep); True when the tier changed."""
    require_system(actor)
    application = load_locked(session, application_id)
    return refresh_tier(session, application, now, actor, reason="privilege expired")


def _load(session, claim_id: int, actor):
    claim = session.get(PrivilegeClaim, claim_id)
    if claim is None:
        raise NotFound()
    require_department(actor, claim.application.district_id)
    application = load_locked(session, claim.application_id)
    session.refresh(claim)
    return claim, application
