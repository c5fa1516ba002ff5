"""The department's view of the audit chain: the district's events, filtered and paged newest first.

Which events are the district's (the chain has no district column, and adding one would change
every stored row's hash): an event about an application belongs to the district of the
application, whose number starts with the district's code (``GM-2026-000123``); an event without an
application belongs to the district when its public data names the district (``district_id``), one
of its kindergartens, groups or bulletins, or a segment of one of its localities.

Paging is by keyset on ``seq`` (the primary key), newest first: each page is one backward index scan
that stops after ``per_page`` matches, however long the chain is. A date range becomes a range of
``seq`` first (the chain is in time order), so it narrows the same scan.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from ..models import Application, AuditEvent, Bulletin, District, Group, Kindergarten, Locality, Seat
from . import clock
from .errors import NotFound

PER_PAGE = 50
ROLES = ("parent", "staff", "department", "admin", "system")
# The actions whose public data names a kindergarten (kindergarten_id), one of its groups (group_id),
# bulletins (bulletin_id) or seats (seat_id): a new event about a kindergarten is added here.
KINDERGARTEN_ACTIONS = (
    "group.created", "group.changed", "bulletin.published", "bulletin.closed", "bulletin.withdrawn",
    "bulletin.places_withdrawn", "invitation.created", "invitation.responded", "response.activated",
    "application.enrolled",
)


@dataclass
class EventFilter:
    application: str = ""
    kindergarten_id: int | None = None
    actor_role: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


@dataclass
class EventPage:
    rows: list
    next_before: int | None  # the ``before`` of the next (older) page, None on the last one
    application_ids: dict = field(default_factory=dict)  # number → id, for the correction links


def district_of(session, district_id: int) -> District:
    district = session.get(District, district_id)
    if district is None:
        raise NotFound()
    return district


def kindergartens(session, district_id: int) -> list[Kindergarten]:
    return session.scalars(select(Kindergarten).where(Kindergarten.district_id == district_id)
                           .order_by(Kindergarten.id)).all()


def events(session, district_id: int, wanted: EventFilter, before: int | None = None,
           per_page: int = PER_PAGE) -> EventPage:
    district = district_of(session, district_id)
    query = select(AuditEvent).where(_of_district(session, district)).order_by(AuditEvent.seq.desc())
    if wanted.application:
        query = query.where(AuditEvent.application == wanted.application)
    if wanted.kindergarten_id is not None:
        query = query.where(_about_kindergarten(session, district, wanted.kindergarten_id))
    if wanted.actor_role:
        query = query.where(AuditEvent.actor_role == wanted.actor_role)
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    zone = ZoneInfo(district.timezone)
    if wanted.since is not None:
        query = query.where(AuditEvent.seq >= _first_seq_at_or_after(session, _start_of(wanted.since, zone)))
    if wanted.until is not None:
        query = query.where(AuditEvent.seq < _first_seq_at_or_after(
            session, _start_of(wanted.until + timedelta(days=1), zone)))
    if before is not None:
        query = query.where(AuditEvent.seq < before)
    rows = session.scalars(query.limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    numbers = {row.application for row in rows if row.application}
    ids = dict(session.execute(select(Application.number, Application.id).where(
        Application.number.in_(numbers), Application.district_id == district_id)).all()) if numbers else {}
    return EventPage(rows, rows[-1].seq if more else None, ids)


def public_data(row: AuditEvent) -> dict:
    return json.loads(row.data) if row.data and row.data != "{}" else {}


# --- the district's scope ---------------------------------------------------------------------------

def _of_district(session, district: District):
    kindergarten_ids = select(Kindergarten.id).where(Kindergarten.district_id == district.id)
    about_places = or_(
        _data_int(session, "district_id") == district.id,
        _data_int(session, "kindergarten_id").in_(kindergarten_ids),
        _data_int(session, "group_id").in_(select(Group.id).where(Group.kindergarten_id.in_(kindergarten_ids))),
        _data_int(session, "bulletin_id").in_(select(Bulletin.id).where(Bulletin.kindergarten_id.in_(kindergarten_ids))),
        _data_int(session, "segment", 0).in_(select(Locality.id).where(Locality.district_id == district.id)),
    )
    return or_(AuditEvent.application.startswith(f"{district.code}-", autoescape=True),
               and_(AuditEvent.application.is_(None), about_places))


def _about_kindergarten(session, district: District, kindergarten_id: int):
    """Events of the actions that name a kindergarten, a group, a bulletin or a seat, naming one of
    this kindergarten's. The action list goes first: the (action, seq) index narrows millions of
    events to the few placement events before any JSON is read."""
    kindergarten = session.get(Kindergarten, kindergarten_id)
    if kindergarten is None or kindergarten.district_id != district.id:
        raise NotFound()
    bulletins = select(Bulletin.id).where(Bulletin.kindergarten_id == kindergarten_id)
    return and_(AuditEvent.action.in_(KINDERGARTEN_ACTIONS), or_(
        _data_int(session, "kindergarten_id") == kindergarten_id,
        _data_int(session, "group_id").in_(select(Group.id).where(Group.kindergarten_id == kindergarten_id)),
        _data_int(session, "bulletin_id").in_(bulletins),
        _data_int(session, "seat_id").in_(select(Seat.id).where(Seat.bulletin_id.in_(bulletins))),
    ))


def _data_int(session, key: str, index: int | None = None):
    """An integer of the event's public JSON data, in SQL (None where it is absent)."""
    if session.get_bind().dialect.name == "postgresql":
        value = cast(AuditEvent.data, JSONB)[key]
        value = value[index] if index is not None else value
        return _pg_int(value.astext)
    path = f"$.{key}" + (f"[{index}]" if index is not None else "")
    return cast(func.json_extract(AuditEvent.data, path), Integer)


def _pg_int(text_value):
    # Only whole numbers are cast: a string id elsewhere in some event must not fail the query.
    return case((text_value.regexp_match(r"^[0-9]+$"), cast(text_value, Integer)), else_=None)


# --- dates to seq -----------------------------------------------------------------------------------

def _start_of(day: date, zone: ZoneInfo) -> str:
    return clock.iso(datetime.combine(day, time(0), tzinfo=zone))


def _first_seq_at_or_after(session, at: str) -> int:
    """The chain is in time order (``at`` grows with ``seq``, which has no gaps): a binary search
    of primary-key look-ups. Past the end: head + 1."""
    last = session.scalar(select(func.max(AuditEvent.seq))) or 0
    lo, hi = 1, last + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if session.scalar(select(AuditEvent.at).where(AuditEvent.seq == mid)) >= at:
            hi = mid
        else:
            lo = mid + 1
    return lo
