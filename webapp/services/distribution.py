"""Who is invited (DESIGN §6): serial dictatorship in queue order.

Walk the waiting applications of a segment in queue order; each queued one takes the first free
seat among its preferred kindergartens (in the parent's order; any if it has none). Nobody is passed
over for a seat they would accept in favour of someone behind them. Only applications eligible now
(services.eligibility: queued, interest current, not of school age) are invited. Runs under the
segment lock and is idempotent: with no free seat or no eligible application left, it changes nothing.
"""
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ..models import Application, ApplicationPreference, Bulletin, Child, District, Locality
from . import audit, calendar, eligibility, locks
from .actors import SYSTEM
from .invitations import invite
from .queue import Segment, walk


def distribute(session, segment: Segment, now) -> list[tuple[str, int, int]]:
    """Invite as many as there are free seats; returns [(application number, bulletin id, seat id)]."""
    locks.segment(session, segment.locality_id, segment.language, segment.birth_year)
    free = _free_seats(session, segment)
    if not free:
        return []
    # Only applications eligible *now* (eligibility.eligible_now: queued, interest current, not of
    # school age) are invited, whatever the sweep has or has not done yet today.
    eligible = _eligible_now_clause(session, segment, now)
    if not _anyone_could_take(session, segment, free, eligible):
        return []
    invited = []
    for batch in _queued_in_order(session, segment):
        batch = _only_eligible(session, batch, eligible)
        preferences = _preferences(session, batch)
        chosen = []  # (application id, bulletin id) in queue order: every choice made before inviting
        for application_id in batch:
            bulletin_id = _choose(free, preferences.get(application_id, []))
            if bulletin_id is None:
                continue
            free[bulletin_id] = (free[bulletin_id][0], free[bulletin_id][1] - 1)
            chosen.append((application_id, bulletin_id))
            if not any(count for _, count in free.values()):
                break
        applications = _load_invited(session, [application_id for application_id, _ in chosen])
        for application_id, bulletin_id in chosen:
            application = applications[application_id]
            seat = invite(session, application, bulletin_id, now)
            invited.append((application.number, bulletin_id, seat.id))
        if not any(count for _, count in free.values()):
            break
    if invited:
        audit.record(session, "distribution.run", actor=SYSTEM, at=now,
                     data={"segment": [segment.locality_id, segment.language, segment.birth_year],
                           "invited": [list(item) for item in invited]})
    return invited


def _eligible_now_clause(session, segment: Segment, now):
    """The eligibility rule for this segment's district on its local today, as a SQL condition."""
    district = session.scalars(
        select(District).join(Locality, Locality.district_id == District.id).where(Locality.id == segment.locality_id)
    ).one()
    return eligibility.eligible_clause(district.max_age, calendar.local_date(district, now))


def _only_eligible(session, application_ids: list[int], eligible) -> list[int]:
    """The eligible ones of a batch of queued ids, in the batch's (queue) order."""
    if not application_ids:
        return []
    found = set(session.scalars(
        select(Application.id).join(Child, Child.id == Application.child_id)
        .where(Application.id.in_(application_ids), eligible)
    ))
    return [application_id for application_id in application_ids if application_id in found]


def _anyone_could_take(session, segment: Segment, free: dict, eligible) -> bool:
    """Is any queued application willing to take one of these seats (no preference, or one of the
    seats' kindergartens)? A seat nobody listed would otherwise make every run walk the whole segment
    while holding its lock; this asks the database once instead."""
    kindergarten_ids = {kg_id for kg_id, _ in free.values()}
    # Willing: no preference at all (any kindergarten), or one of these kindergartens among them.
    # As one scalar sub-query per application, not two EXISTS: PostgreSQL turned the EXISTS into a
    # hashed scan of every preference in the district (≈ 100 ms) instead of stopping at the first
    # willing application. The child's side of the rule is a correlated EXISTS for the same reason.
    wants_one = select(func.max(case((ApplicationPreference.kindergarten_id.in_(kindergarten_ids), 1), else_=0))) \
        .where(ApplicationPreference.application_id == Application.id).scalar_subquery()
    child_eligible = select(Child.id).where(Child.id == Application.child_id, eligible).exists()
    willing = select(Application.id).where(
        Application.locality_id == segment.locality_id, Application.language == segment.language,
        Application.birth_year == segment.birth_year, Application.waiting.is_(True), child_eligible,
        func.coalesce(wants_one, 1) == 1,
    ).limit(1)
    return session.scalar(willing) is not None


def _free_seats(session, segment: Segment) -> dict[int, tuple[int, int]]:
    """{bulletin id: (kindergarten id, free seats)}, oldest bulletin first (dicts keep order)."""
    rows = session.execute(
        select(Bulletin.id, Bulletin.kindergarten_id, Bulletin.places - Bulletin.claimed)
        .where(Bulletin.locality_id == segment.locality_id, Bulletin.language == segment.language,
               Bulletin.birth_year == segment.birth_year, Bulletin.status == "published",
               Bulletin.claimed < Bulletin.places)
        .order_by(Bulletin.published_at, Bulletin.id)
    ).all()
    return {bid: (kg_id, count) for bid, kg_id, count in rows}


def _choose(free: dict, preferred_kindergartens: list[int]) -> int | None:
    if not preferred_kindergartens:
        return next((bid for bid, (_, count) in free.items() if count > 0), None)
    for kg_id in preferred_kindergartens:
        for bid, (bulletin_kg, count) in free.items():
            if bulletin_kg == kg_id and count > 0:
                return bid
    return None


def _queued_in_order(session, segment: Segment, batch_size: int = 200):
    """Ids of the segment's queued applications in queue order, in batches. Plain rows: most of
    the walk is skipped (invited, or wanting other kindergartens), so only the chosen few are
    loaded as objects, by ``_load_invited``."""
    batch = []
    for _, (application_id, status) in walk(session, segment, batch_size,
                                            columns=(Application.id, Application.status)):
        if status == "queued":
            batch.append(application_id)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_invited(session, application_ids: list[int]) -> dict:
    """The applications about to be invited, with child and parent (each invitation tells the
    parent), in one query instead of three per invitation."""
    if not application_ids:
        return {}
    found = session.scalars(
        select(Application).options(joinedload(Application.child).joinedload(Child.parent))
        .where(Application.id.in_(application_ids))
    ).unique().all()
    return {application.id: application for application in found}


def _preferences(session, application_ids: list[int]) -> dict[int, list[int]]:
    rows = session.execute(
        select(ApplicationPreference.application_id, ApplicationPreference.kindergarten_id)
        .where(ApplicationPreference.application_id.in_(application_ids))
        .order_by(ApplicationPreference.application_id, ApplicationPreference.rank)
    ).all()
    found: dict[int, list[int]] = {}
    for app_id, kg_id in rows:
        found.setdefault(app_id, []).append(kg_id)
    return found
