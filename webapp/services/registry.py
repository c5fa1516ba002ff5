"""The public registry, read side: localities, kindergartens with their places and demand, published
bulletins, and the audit feed. What the public API and the public pages show.

Every list costs a fixed number of queries whatever its length: totals, places and queue sizes are
aggregated with GROUP BY over the page's ids, never fetched row by row, and queue sizes come from
the maintained ``queue_count`` (services.tally), never from counting the applications.

Queue size of a kindergarten: the waiting applications (queued, invited, stop-listed) of its
locality whose language of instruction it teaches, all birth years together: the children who wait
in the segments it serves. Counting only the applications that name it among their preferences
would need an index on application_preference.kindergarten_id and would leave out the parents who
accept any kindergarten, so the segment count is both cheaper and closer to the real competition.
"""
from functools import cache

from sqlalchemy import bindparam, func, select

from ..models import AuditCheckpoint, AuditEvent, Bulletin, Group, Kindergarten, Locality, QueueCount
from . import audit
from .errors import NotFound

PUBLIC_BULLETIN_STATUSES = ("published", "closed")  # drafts and withdrawn ones were never offered


# --- localities and kindergartens -------------------------------------------------------------------

def localities(session, language: str) -> list[dict]:
    rows = session.scalars(select(Locality).where(Locality.active.is_(True)).order_by(Locality.id)).all()
    return [{"id": row.id, "name": row.name_in(language)} for row in rows]


def kindergartens(session, language: str, locality_id: int | None = None, teaching: str | None = None,
                  page: int = 1, per_page: int = 50, birth_year: int | None = None) -> tuple[int, list[dict]]:
    """One page of kindergartens (by id), filtered by locality and language of instruction, and by
    ``birth_year``: only those with a group for that year (and language) that has a free place. One
    query for the page with its total, capacity and free places, one for the queue sizes."""
    shape = (locality_id is not None, teaching is not None, birth_year is not None)
    values = {"locality_id": locality_id, "teaching": f"%{teaching}%", "teaching_code": teaching,
              "birth_year": birth_year}
    rows = session.execute(_kindergarten_page(*shape),
                           dict(values, skip=(page - 1) * per_page, count=per_page)).all()
    if rows:
        total = rows[0].total
    else:  # past the last page: count alone
        total = session.scalar(select(func.count(Kindergarten.id)).where(*_kindergarten_filters(*shape)), values)
    demand = _queue_sizes(session, rows)
    return total, [
        _summary(row, _name(row, language), row.languages, (row.capacity, row.free), demand) for row in rows
    ]


def _kindergarten_filters(by_locality: bool, by_teaching: bool, by_birth_year: bool = False) -> list:
    filters = [Kindergarten.active.is_(True)]  # a deactivated one has left the registry (its history stays)
    if by_locality:
        filters.append(Kindergarten.locality_id == bindparam("locality_id"))
    if by_teaching:
        filters.append(Kindergarten.languages.like(bindparam("teaching")))
    if by_birth_year:
        free_group = [Group.kindergarten_id == Kindergarten.id, Group.birth_year == bindparam("birth_year"),
                      Group.capacity > Group.enrolled, Group.active.is_(True)]
        if by_teaching:
            free_group.append(Group.language == bindparam("teaching_code"))
        filters.append(select(Group.id).where(*free_group).exists())
    return filters


@cache
def _kindergarten_page(by_locality: bool, by_teaching: bool, by_birth_year: bool = False):
    """Built once per combination of filters (building it per request cost more than running it)."""
    places = [
        select(func.coalesce(func.sum(column), 0))
        .where(Group.kindergarten_id == Kindergarten.id, Group.active.is_(True)).scalar_subquery()
        for column in (Group.capacity, Group.capacity - Group.enrolled)
    ]
    return (
        select(Kindergarten.id, Kindergarten.name_kk, Kindergarten.name_ru, Kindergarten.name_en,
               Kindergarten.locality_id, Kindergarten.address, Kindergarten.languages,
               places[0].label("capacity"), places[1].label("free"), func.count().over().label("total"))
        .where(*_kindergarten_filters(by_locality, by_teaching, by_birth_year))
        .order_by(Kindergarten.id).offset(bindparam("skip")).limit(bindparam("count"))
    )


def _name(row, language: str) -> str:
    return getattr(row, f"name_{language}", None) or row.name_ru


def kindergarten(session, kindergarten_id: int, language: str) -> dict:
    """One kindergarten with its active groups. A deactivated kindergarten is still found: the
    history of applications that named it links here."""
    found = session.get(Kindergarten, kindergarten_id)
    if found is None:
        raise NotFound()
    groups = session.scalars(
        select(Group).where(Group.kindergarten_id == found.id, Group.active.is_(True))
        .order_by(Group.birth_year, Group.language, Group.id)
    ).all()
    summary = _summary(found, found.name_in(language), found.languages, _places(groups),
                       _queue_sizes(session, [found]))
    summary["groups"] = [
        {"id": g.id, "name": g.name, "birth_year": g.birth_year, "language": g.language,
         "capacity": g.capacity, "enrolled": g.enrolled, "free_places": g.free_places}
        for g in groups
    ]
    return summary


def _places(groups) -> tuple[int, int]:
    return sum(g.capacity for g in groups), sum(g.free_places for g in groups)


def _queue_sizes(session, rows) -> dict[tuple[int, str], int]:
    """Waiting applications per (locality, language) for the localities of ``rows``: one query over
    the maintained ``queue_count`` (a few rows per segment), never over the applications."""
    locality_ids = sorted({row.locality_id for row in rows})
    if not locality_ids:
        return {}
    counted = session.execute(
        select(QueueCount.locality_id, QueueCount.language, func.sum(QueueCount.waiting))
        .where(QueueCount.locality_id.in_(locality_ids))
        .group_by(QueueCount.locality_id, QueueCount.language)
    ).all()
    return {(locality_id, language): int(n) for locality_id, language, n in counted}


def totals(session, locality_id: int | None = None) -> dict:
    """Figures for the home page: kindergartens, their capacity and free places, applications
    waiting and free places in published bulletins — from small tables and the maintained
    ``queue_count``, so the cost does not grow with the queue."""
    kg_filter = [Kindergarten.active.is_(True)]
    if locality_id is not None:
        kg_filter.append(Kindergarten.locality_id == locality_id)
    kindergartens_n = session.scalar(select(func.count(Kindergarten.id)).where(*kg_filter))
    capacity, free = session.execute(
        select(func.coalesce(func.sum(Group.capacity), 0), func.coalesce(func.sum(Group.capacity - Group.enrolled), 0))
        .join(Kindergarten, Kindergarten.id == Group.kindergarten_id).where(Group.active.is_(True), *kg_filter)
    ).one()
    waiting = session.scalar(
        select(func.coalesce(func.sum(QueueCount.waiting), 0))
        .where(*([] if locality_id is None else [QueueCount.locality_id == locality_id]))
    )
    offered = session.scalar(
        select(func.coalesce(func.sum(Bulletin.places - Bulletin.claimed), 0))
        .where(Bulletin.status == "published",
               *([] if locality_id is None else [Bulletin.locality_id == locality_id]))
    )
    return {"kindergartens": int(kindergartens_n or 0), "capacity": int(capacity), "free_places": int(free),
            "waiting": int(waiting), "bulletin_free_places": int(offered)}


def _summary(row, name: str, languages: str, places: tuple[int, int], demand: dict) -> dict:
    capacity, free = places
    teaches = [code for code in languages.split(",") if code]
    return {
        "id": row.id,
        "name": name,
        "locality_id": row.locality_id,
        "address": row.address,
        "languages": teaches,
        "capacity": int(capacity or 0),
        "free_places": int(free or 0),
        "queue_size": sum(demand.get((row.locality_id, code), 0) for code in teaches),
    }


# --- bulletins ----------------------------------------------------------------------------------------

def bulletins(session, locality_id: int | None = None, language: str | None = None,
              birth_year: int | None = None, page: int = 1, per_page: int = 50,
              only_open: bool = False) -> tuple[int, list[dict]]:
    """Published and closed bulletins (only published ones with ``only_open``), newest first.
    ``free_places`` = places not claimed by a seat; only a published bulletin still gives them out."""
    filters = [Bulletin.status.in_(("published",) if only_open else PUBLIC_BULLETIN_STATUSES)]
    for column, value in ((Bulletin.locality_id, locality_id), (Bulletin.language, language),
                          (Bulletin.birth_year, birth_year)):
        if value is not None:
            filters.append(column == value)
    total = session.scalar(select(func.count(Bulletin.id)).where(*filters))
    rows = session.scalars(
        select(Bulletin).where(*filters).order_by(Bulletin.published_at.desc(), Bulletin.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return total, [
        {"id": b.id, "kindergarten_id": b.kindergarten_id, "group_id": b.group_id,
         "locality_id": b.locality_id, "language": b.language, "birth_year": b.birth_year,
         "places": b.places, "free_places": b.free_places, "status": b.status,
         "published_at": b.published_at}
        for b in rows
    ]


# --- the audit feed -----------------------------------------------------------------------------------

def audit_events(session, after_seq: int = 0, limit: int = 100) -> tuple[list[dict], int | None]:
    """Public records (with their hash) after ``after_seq``, in seq order, and the cursor for the
    next call (None when this was the end of the chain)."""
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.seq > after_seq).order_by(AuditEvent.seq).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    records = [dict(audit.public_record(row), hash=row.hash) for row in rows]
    return records, (rows[-1].seq if more else None)


def audit_head(session) -> dict:
    """The chain head; an empty chain is seq 0 with the genesis hash."""
    last = audit.head(session)
    if last is None:
        return {"seq": 0, "hash": audit.GENESIS, "at": None}
    return {"seq": last.seq, "hash": last.hash, "at": last.at}


def audit_checkpoints(session, page: int = 1, per_page: int = 50) -> tuple[int, list[dict]]:
    """The daily heads, oldest day first."""
    total = session.scalar(select(func.count()).select_from(AuditCheckpoint))
    rows = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.day).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return total, [{"day": row.day, "seq": row.seq, "hash": row.hash, "at": row.at} for row in rows]
