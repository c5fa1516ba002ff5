"""The department's watch list (issue 11): what in the district needs a second look. Read-only.

Five rules, each the answer to an abuse parents report or a deadline nobody else watches:

- **late responses**: a response (held seat) waiting for the kindergarten more than 2 working days
  (DESIGN §5) — the same count the kindergarten's own office shows, from ``kindergarten_office``;
- **repeated withdrawals and rejections**: a kindergarten whose staff withdrew bulletin places or
  rejected responses ``REPEATED`` times or more in the last ``WINDOW_DAYS`` days;
- **held-back places**: an open bulletin whose group has places that are free, claimed by nobody and
  offered by no bulletin — the kindergarten announces, yet keeps places back;
- **expiring privileges**: verified claims of open applications whose validity ends within
  ``EXPIRY_DAYS`` days, so the parent can be asked for a new document before the child moves down;
- **manual corrections**: the department's own corrections (events with ``"correction": true``) of
  the last ``WINDOW_DAYS`` days, so that every operator sees what the others changed by hand.
"""
import json
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..models import FINAL, Application, AuditEvent, Bulletin, District, Kindergarten, PrivilegeClaim, Seat
from . import audit_window, calendar, kindergarten_office
from .bulletins import OPEN

WINDOW_DAYS = 90
REPEATED = 3  # withdrawals or rejections in the window that make a pattern rather than an accident
EXPIRY_DAYS = 30
SHOWN = 100  # rows a list shows (the soonest or newest); the count is always the whole
WITHDRAWN = "bulletin.places_withdrawn"
CORRECTION_MARK = '"correction":true'  # as it appears in the event's canonical JSON


@dataclass
class Repeated:
    kindergarten: Kindergarten
    withdrawals: int = 0
    places_withdrawn: int = 0
    rejections: int = 0


@dataclass
class WatchList:
    late_responses: list = field(default_factory=list)
    repeated: list = field(default_factory=list)
    held_back: list = field(default_factory=list)
    expiring: list = field(default_factory=list)
    corrections: list = field(default_factory=list)
    expiring_total: int = 0
    corrections_total: int = 0


def kindergartens_of(session, district_id: int) -> list[Kindergarten]:
    return list(session.scalars(select(Kindergarten).where(Kindergarten.district_id == district_id)
                                .order_by(Kindergarten.id)))


def watch_list(session, district_id: int, now) -> WatchList:
    district = session.get(District, district_id)
    kindergartens = kindergartens_of(session, district_id)
    corrections = manual_corrections(session, district, now)
    expiring = expiring_claims(session, district, now)
    return WatchList(late_responses(session, district, kindergartens, now),
                     repeated(session, district, kindergartens, now), held_back(session, district_id, kindergartens),
                     expiring[:SHOWN], corrections[:SHOWN], len(expiring), len(corrections))


def late_responses(session, district, kindergartens, now) -> list[dict]:
    """Responses waiting more than 2 working days, the longest wait first."""
    by_id = {k.id: k for k in kindergartens}
    rows = [dict(row, kindergarten=by_id[row["seat"].bulletin.kindergarten_id])
            for row in kindergarten_office.district_waiting_responses(session, district, now) if row["too_long"]]
    return sorted(rows, key=lambda row: (-row["waited"], row["since"]))


def repeated(session, district, kindergartens, now) -> list[Repeated]:
    since = now - timedelta(days=WINDOW_DAYS)
    by_id = {k.id: Repeated(k) for k in kindergartens}
    for bulletin_id, withdrawn in _withdrawals(session, since):
        kindergarten_id = session.scalar(select(Bulletin.kindergarten_id).where(
            Bulletin.id == bulletin_id, Bulletin.district_id == district.id))
        if kindergarten_id in by_id:
            by_id[kindergarten_id].withdrawals += 1
            by_id[kindergarten_id].places_withdrawn += withdrawn
    # A rejection's event names the application, not the kindergarten; the seat it released (in the
    # same transaction, with reason "rejected") names the kindergarten through its bulletin.
    for kindergarten_id, n in session.execute(
        select(Bulletin.kindergarten_id, func.count()).select_from(Seat).join(Bulletin, Bulletin.id == Seat.bulletin_id)
        .where(Bulletin.district_id == district.id, Seat.state == "released", Seat.release_reason == "rejected",
               Seat.updated_at >= since).group_by(Bulletin.kindergarten_id)
    ):
        if kindergarten_id in by_id:
            by_id[kindergarten_id].rejections = n
    flagged = [r for r in by_id.values() if r.withdrawals >= REPEATED or r.rejections >= REPEATED]
    return sorted(flagged, key=lambda r: (-(r.withdrawals + r.rejections), r.kindergarten.id))


def _withdrawals(session, since) -> list[tuple[int, int]]:
    """(bulletin id, places withdrawn) of the staff's withdrawals since ``since``, any district."""
    rows = session.scalars(select(AuditEvent.data).where(
        audit_window.since(session, since, WITHDRAWN), AuditEvent.actor_role == "staff"))
    return [(data["bulletin_id"], int(data.get("withdrawn", 0))) for data in map(json.loads, rows)]


def held_back(session, district_id: int, kindergartens) -> list[dict]:
    """Groups with an open bulletin that still keep free places out of every bulletin."""
    open_bulletins = dict(session.execute(
        select(Bulletin.group_id, func.count()).where(Bulletin.district_id == district_id,
                                                      Bulletin.status.in_(OPEN)).group_by(Bulletin.group_id)
    ).all())
    if not open_bulletins:
        return []
    by_id = {k.id: k for k in kindergartens}
    rows = [{"kindergarten": by_id[places.group.kindergarten_id], "group": places.group, "places": places,
             "bulletins": open_bulletins[places.group.id]}
            for places in kindergarten_office.district_group_places(session, district_id)
            if places.group.id in open_bulletins and places.announceable > 0]
    return sorted(rows, key=lambda row: (-row["places"].announceable, row["group"].id))


def expiring_claims(session, district, now) -> list[PrivilegeClaim]:
    """Verified claims of open applications ending within EXPIRY_DAYS days (today included)."""
    today = calendar.local_date(district, now)
    return list(session.scalars(
        select(PrivilegeClaim).join(Application, Application.id == PrivilegeClaim.application_id)
        .options(joinedload(PrivilegeClaim.application), joinedload(PrivilegeClaim.category))
        .where(Application.district_id == district.id, Application.status.not_in(FINAL),
               PrivilegeClaim.status == "verified", PrivilegeClaim.valid_until >= today,
               PrivilegeClaim.valid_until <= today + timedelta(days=EXPIRY_DAYS))
        .order_by(PrivilegeClaim.valid_until, PrivilegeClaim.id)
    ))


def manual_corrections(session, district, now) -> list[dict]:
    """The district's corrections of the last WINDOW_DAYS days, newest first."""
    rows = session.scalars(
        select(AuditEvent).where(audit_window.since(session, now - timedelta(days=WINDOW_DAYS)),
                                 audit_window.of_district(district.code), AuditEvent.actor_role == "department",
                                 AuditEvent.data.contains(CORRECTION_MARK, autoescape=True))
        .order_by(AuditEvent.seq.desc())
    ).all()
    found = [{"event": row, "data": json.loads(row.data)} for row in rows]
    return [row for row in found if row["data"].get("correction") is True]

