"""What the department reads to check privileges: the district's claims by state, and one claim of
the district (anything else "does not exist"). The decisions themselves are services.privileges."""
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..models import Application, PrivilegeClaim
from .errors import NotFound

FILTERS = ("pending", "verified", "rejected", "expiring")
EXPIRING_DAYS = 30  # "verified and expiring": valid until within the next 30 days
PER_PAGE = 100


def claims_of(session, district_id: int, which: str, today: date, limit: int = PER_PAGE):
    """(how many match, the first ``limit`` of them): pending ones oldest first (the order they
    wait in), decided ones newest decision first, expiring ones soonest first."""
    where = [Application.district_id == district_id]
    if which == "expiring":
        where += [PrivilegeClaim.status == "verified", PrivilegeClaim.valid_until.is_not(None),
                  PrivilegeClaim.valid_until >= today,
                  PrivilegeClaim.valid_until <= today + timedelta(days=EXPIRING_DAYS)]
        order = (PrivilegeClaim.valid_until, PrivilegeClaim.id)
    elif which == "pending":
        where.append(PrivilegeClaim.status == "pending")
        order = (PrivilegeClaim.created_at, PrivilegeClaim.id)
    else:
        where.append(PrivilegeClaim.status == which)
        order = (PrivilegeClaim.verified_at.desc(), PrivilegeClaim.id.desc())
    base = select(PrivilegeClaim).join(Application, Application.id == PrivilegeClaim.application_id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    claims = session.scalars(base.options(
        joinedload(PrivilegeClaim.category),
        joinedload(PrivilegeClaim.application).joinedload(Application.child),
    ).order_by(*order).limit(limit)).all()
    return total, claims


def claim_of(session, district_id: int, claim_id: int) -> PrivilegeClaim:
    claim = session.get(PrivilegeClaim, claim_id)
    if claim is None or claim.application.district_id != district_id:
        raise NotFound()
    return claim
