"""The department's reports (issue 11), each a read of one district answered from small tables or
from a bounded stretch of the audit chain, so that it stays under a second with a million
applications (bench/reports.py):

- ``queue_sizes``: waiting applications per locality × language × birth year, by tier — from the
  queue tally (``QueueCount``), which the services keep exact in every transaction;
- ``monthly_movement``: invitations, responses, referrals, enrolments and stop-lists per month of the
  last 12 (local months of the district) — from the audit chain's (action, at, application) index;
- ``time_to_enrolment``: the median working days from the invitation to the enrolment, per month of
  enrolment — from the same index, each enrolment paired with its application's last invitation;
- ``free_places``: capacity, enrolled, claimed, offered and free places per kindergarten — from the
  kindergarten office's own accounting of every place (``kindergarten_office.group_places``).
"""
import statistics
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..models import TIERS, AuditEvent, District, Kindergarten, Locality, QueueCount
from . import audit_window, calendar, clock, kindergarten_office

MONTHS = 12
# What the monthly report counts, by the audit actions that record it (services.invitations,
# services.referrals): a stop-list begins with any of the five lapses or refusals.
MOVEMENT = {
    "invitations": ("invitation.created",),
    "responses": ("invitation.responded",),
    "referrals": ("response.activated",),
    "enrolments": ("application.enrolled",),
    "stop_lists": ("invitation.expired", "invitation.declined", "referral.expired", "referral.no_show",
                   "referral.declined"),
}
INVITATION, ENROLMENT = "invitation.created", "application.enrolled"
# An enrolment follows its invitation within weeks (3 working days to respond, 5 to sign, at most 30
# days of extension); invitations this much older are looked up one by one.
INVITATION_LOOKBACK = timedelta(days=120)


@dataclass
class QueueRow:
    locality: Locality
    language: str
    birth_year: int
    extraordinary: int = 0
    priority: int = 0
    ordinary: int = 0

    @property
    def total(self) -> int:
        return self.extraordinary + self.priority + self.ordinary


def queue_sizes(session, district_id: int) -> list[QueueRow]:
    rows: dict[tuple, QueueRow] = {}
    for locality, language, birth_year, tier, waiting in session.execute(
        select(Locality, QueueCount.language, QueueCount.birth_year, QueueCount.tier, QueueCount.waiting)
        .join(Locality, Locality.id == QueueCount.locality_id)
        .where(Locality.district_id == district_id, QueueCount.waiting > 0)
    ):
        key = (locality.id, language, birth_year)
        row = rows.setdefault(key, QueueRow(locality, language, birth_year))
        if tier in TIERS:
            setattr(row, tier, getattr(row, tier) + waiting)
    return sorted(rows.values(), key=lambda r: (r.locality.id, r.language, -r.birth_year))


# --- months of the district ---------------------------------------------------------------------------

def last_months(district, now, count: int = MONTHS) -> list[date]:
    """The first days of the last ``count`` local months, the current one last."""
    today = calendar.local_date(district, now)
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_start_utc(district, month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=ZoneInfo(district.timezone)).astimezone(timezone.utc)


def monthly_movement(session, district_id: int, now) -> list[dict]:
    """One row per month: {"month": date, "invitations": n, ...}, oldest first."""
    district = session.get(District, district_id)
    months = last_months(district, now)
    kind_of = {action: kind for kind, actions in MOVEMENT.items() for action in actions}
    following = date(months[-1].year + months[-1].month // 12, months[-1].month % 12 + 1, 1)
    bounds = [clock.iso(month_start_utc(district, month)) for month in (*months, following)]
    rows = []
    # One count per month, by action: each a range of the (action, at, application) index, counted
    # without reading an event (grouping the year by hour or by an expression is several times slower).
    for month, start, end in zip(months, bounds, bounds[1:]):
        row = dict.fromkeys(MOVEMENT, 0)
        for action, n in session.execute(
            select(AuditEvent.action, func.count())
            .where(AuditEvent.action.in_(kind_of), AuditEvent.at >= start, AuditEvent.at < end,
                   audit_window.of_district(district.code))
            .group_by(AuditEvent.action)
        ):
            row[kind_of[action]] += n
        rows.append({"month": month, **row})
    return rows


# --- time from invitation to enrolment ---------------------------------------------------------------

class WorkingDays:
    """Working days of the district over a span, counted with a bisect instead of a walk per pair;
    the same count as ``calendar.working_days_between`` (after the first local day, up to the last)."""

    def __init__(self, session, district, first: date, last: date):
        overrides = calendar.load_overrides(session, district.id, first, last)
        span = (first + timedelta(days=i) for i in range((last - first).days + 1))
        self.days = [day for day in span if calendar.is_working_day(day, overrides)]

    def between(self, first: date, last: date) -> int:
        """Working days after the local day ``first`` up to and including ``last``."""
        return bisect_right(self.days, last) - bisect_right(self.days, first)


class LocalDays:
    """The district's local day of an audit time ('YYYY-MM-DDTHH:MM:SS.ffffffZ'), worked out once
    per UTC hour (time zones move by whole hours): tens of thousands of events, a few thousand hours."""

    def __init__(self, district):
        self.zone, self.hours = ZoneInfo(district.timezone), {}

    def __call__(self, at: str) -> date:
        hour = at[:13]
        if hour not in self.hours:
            moment = datetime.fromisoformat(hour + ":00:00+00:00")
            self.hours[hour] = moment.astimezone(self.zone).date()
        return self.hours[hour]


def time_to_enrolment(session, district_id: int, now) -> list[dict]:
    """Per month of enrolment: enrolments, the median and the longest working days since the
    invitation that led to them (the application's last invitation before the enrolment)."""
    district = session.get(District, district_id)
    months = last_months(district, now)
    start = month_start_utc(district, months[0])
    enrolments = _of_action(session, district, ENROLMENT, start, now)
    invited = defaultdict(list)  # application → its invitations' times, in order
    for number, at in _read(session, _of_action(session, district, INVITATION, start - INVITATION_LOOKBACK, now)):
        invited[number].append(at)
    local_day = LocalDays(district)
    pairs = []
    for number, enrolled_at in _read(session, enrolments):
        earlier = bisect_right(invited[number], enrolled_at)  # invitations at or before the enrolment
        last = invited[number][earlier - 1] if earlier else _last_invitation(session, number, enrolled_at)
        if last is not None:
            pairs.append((local_day(last), local_day(enrolled_at)))
    waits = defaultdict(list)
    if pairs:
        days = WorkingDays(session, district, min(p[0] for p in pairs), calendar.local_date(district, now))
        for first, last in pairs:
            waits[date(last.year, last.month, 1)].append(days.between(first, last))
    return [{"month": month, "enrolments": len(waits[month]),
             "median": statistics.median(waits[month]) if waits[month] else None,
             "longest": max(waits[month]) if waits[month] else None} for month in months]


AT_LENGTH = len("2026-11-25T04:00:00.000000Z")  # every audit time has this form (clock.iso)


def _of_action(session, district, action: str, since: datetime, until: datetime) -> list:
    """The district's events of one action from ``since`` up to ``until``: conditions that the
    (action, at, application) index answers alone."""
    return [audit_window.since(session, since, action), AuditEvent.at <= clock.iso(until),
            audit_window.of_district(district.code)]


def _read(session, conditions) -> list[tuple[str, str]]:
    """(application number, at) of the events, in time order. Each comes back as one text, time
    then number: tens of thousands of one-column rows are several times cheaper to build."""
    texts = session.scalars(select(AuditEvent.at + AuditEvent.application).where(*conditions)
                            .order_by(AuditEvent.at))
    return [(text[AT_LENGTH:], text[:AT_LENGTH]) for text in texts]


def _last_invitation(session, number: str, before: str) -> str | None:
    """The rare invitation older than the look-back: one application's events, by its own index."""
    return session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.application == number, AuditEvent.action == INVITATION, AuditEvent.at <= before))


# --- free places -------------------------------------------------------------------------------------

def free_places(session, district_id: int) -> list[dict]:
    """Per kindergarten, its groups summed: capacity, enrolled, claimed (seats being filled),
    offered (unclaimed places of open bulletins) and free (nobody's and offered by no bulletin)."""
    groups = defaultdict(list)
    for places in kindergarten_office.district_group_places(session, district_id):
        groups[places.group.kindergarten_id].append(places)
    rows = []
    for kindergarten in session.scalars(select(Kindergarten).options(joinedload(Kindergarten.locality))
                                        .where(Kindergarten.district_id == district_id)
                                        .order_by(Kindergarten.locality_id, Kindergarten.id)):
        own = groups[kindergarten.id]
        rows.append({"kindergarten": kindergarten, "groups": len(own),
                     "capacity": sum(g.capacity for g in own), "enrolled": sum(g.enrolled for g in own),
                     "claimed": sum(g.reserved + g.held + g.referred for g in own),
                     "offered": sum(g.offered for g in own), "free": sum(g.announceable for g in own)})
    return rows
