"""The history a policy simulation replays, read from the database once, into plain Python.

Six set-based queries, whatever the size of the district: the applications that could matter in
the window (submitted before its end, and not already closed before its start), their preferred
kindergartens, their audit events, the district's bulletins with their public events, and the
seats of the children placed before the window. Nothing is
read per event; the replay (services.simulator) then works in memory only.

What each audit event's public data holds (services.invitations, referrals, bulletins, privileges):
``invitation.created`` the bulletin and seat; ``invitation.responded`` the bulletin the seat ended
on (a parent may move to another bulletin of the segment); ``application.tier_changed`` the tiers
before and after; ``bulletin.published`` the places; ``bulletin.places_withdrawn`` the places left.
"""
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from ..models import FINAL, Application, ApplicationPreference, AuditEvent, Bulletin, Seat
from .clock import iso

# The application events the replay understands; any other action changes nothing it models.
APPLICATION_ACTIONS = (
    "application.submitted", "invitation.created", "invitation.responded", "invitation.declined",
    "invitation.expired", "response.rejected", "response.activated", "application.enrolled",
    "referral.declined", "referral.expired", "referral.no_show", "stop_list.ended",
    "application.withdrawn", "application.aged_out", "application.deactivated", "interest.confirmed",
    "application.tier_changed",
)
BULLETIN_ACTIONS = ("bulletin.published", "bulletin.closed", "bulletin.withdrawn", "bulletin.places_withdrawn")
# The events whose public data the replay reads; the others' JSON is not even parsed.
WITH_DATA = frozenset(("invitation.created", "invitation.responded", "application.tier_changed", *BULLETIN_ACTIONS))


@dataclass(frozen=True)
class Event:
    at: datetime
    seq: int
    action: str
    number: str | None
    from_status: str | None
    to_status: str | None
    data: dict


@dataclass
class Arrival:
    """One application as the replay needs it; ``status`` and ``tier`` are those it had before its
    first recorded event (its state at submission)."""

    id: int
    number: str
    segment: tuple
    submitted_at: datetime
    status: str
    tier: str
    preferences: list = field(default_factory=list)
    events: list = field(default_factory=list)  # its Events, in seq order

    @property
    def key(self) -> tuple:
        """Its place within its tier (DESIGN §4)."""
        return (self.submitted_at, self.number)

    def tier_at(self, moment: datetime) -> str:
        tier = self.tier
        for event in self.events:
            if event.at > moment:
                break
            if event.action == "application.tier_changed":
                tier = event.data.get("to_tier", tier)
        return tier


@dataclass(frozen=True)
class BulletinRow:
    id: int
    segment: tuple
    kindergarten_id: int
    published_at: datetime | None
    places: int


@dataclass
class History:
    start: datetime
    end: datetime
    applications: dict  # number -> Arrival
    bulletins: dict  # id -> BulletinRow
    bulletin_events: list  # Events, in seq order
    filled_before: dict  # bulletin id -> seats filled by applications closed before the window

    @property
    def event_count(self) -> int:
        return sum(len(a.events) for a in self.applications.values()) + len(self.bulletin_events)


def read(session, district_id: int, start: datetime, end: datetime) -> History:
    relevant = (
        Application.district_id == district_id, Application.submitted_at <= end,
        or_(Application.status.not_in(FINAL), Application.updated_at >= start),
    )
    rows = session.execute(
        select(Application.id, Application.number, Application.locality_id, Application.language,
               Application.birth_year, Application.submitted_at, Application.status, Application.tier)
        .where(*relevant)
    ).all()
    found = {row.number: Arrival(row.id, row.number, (row.locality_id, row.language, row.birth_year),
                                 row.submitted_at, row.status, row.tier) for row in rows}
    by_id = {arrival.id: arrival for arrival in found.values()}
    for application_id, kindergarten_id in session.execute(
        select(ApplicationPreference.application_id, ApplicationPreference.kindergarten_id)
        .join(Application, Application.id == ApplicationPreference.application_id).where(*relevant)
        .order_by(ApplicationPreference.application_id, ApplicationPreference.rank)
    ):
        by_id[application_id].preferences.append(kindergarten_id)
    for row in session.execute(
        select(AuditEvent.seq, AuditEvent.at, AuditEvent.action, AuditEvent.application, AuditEvent.from_status,
               AuditEvent.to_status, AuditEvent.data)
        .join(Application, Application.number == AuditEvent.application)
        .where(*relevant, AuditEvent.action.in_(APPLICATION_ACTIONS), AuditEvent.at <= iso(end),
               # Only a confirmation that brings an application back counts; the yearly ones of
               # waiting applications (most of the chain) change nothing the replay models.
               or_(AuditEvent.action != "interest.confirmed", AuditEvent.from_status == "inactive"))
        .order_by(AuditEvent.seq)
    ):
        found[row.application].events.append(_event(row))
    for arrival in found.values():
        _initial_state(arrival)
    bulletins = {row.id: BulletinRow(row.id, (row.locality_id, row.language, row.birth_year), row.kindergarten_id,
                                     row.published_at, row.places)
                 for row in session.execute(
                     select(Bulletin.id, Bulletin.locality_id, Bulletin.language, Bulletin.birth_year,
                            Bulletin.kindergarten_id, Bulletin.published_at, Bulletin.places)
                     .where(Bulletin.district_id == district_id, Bulletin.published_at.is_not(None),
                            Bulletin.published_at <= end))}
    # Bulletin events carry no district column: the district's are picked out by their bulletin.
    bulletin_events = [event for event in (_event(row) for row in session.execute(
        select(AuditEvent.seq, AuditEvent.at, AuditEvent.action, AuditEvent.application, AuditEvent.from_status,
               AuditEvent.to_status, AuditEvent.data)
        .where(AuditEvent.action.in_(BULLETIN_ACTIONS), AuditEvent.at <= iso(end)).order_by(AuditEvent.seq)
    )) if event.data.get("bulletin_id") in bulletins]
    # Seats filled by children placed before the window (not read above) still take their places.
    filled_before = dict(session.execute(
        select(Seat.bulletin_id, func.count()).join(Application, Application.id == Seat.application_id)
        .where(Application.district_id == district_id, Seat.state == "filled", Application.status.in_(FINAL),
               Application.updated_at < start)
        .group_by(Seat.bulletin_id)
    ).all())
    return History(start, end, found, bulletins, bulletin_events, filled_before)


def _event(row) -> Event:
    data = json.loads(row.data or "{}") if row.action in WITH_DATA else {}
    return Event(datetime.fromisoformat(row.at.replace("Z", "+00:00")), row.seq, row.action, row.application,
                 row.from_status, row.to_status, data)


def _initial_state(arrival: Arrival) -> None:
    """Status and tier before the first recorded event: an application the system has never moved
    (loaded from an older register) is as it is now."""
    if arrival.events:
        first = arrival.events[0]
        arrival.status = first.from_status or "queued"
    changes = [e for e in arrival.events if e.action == "application.tier_changed"]
    if changes:
        arrival.tier = changes[0].data.get("from_tier", arrival.tier)
