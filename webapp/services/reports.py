"""The department's reports (issue 11), each a read of one district answered from small tables or
from a bounded stretch of the audit chain, so that it stays under a second with a million
applications (bench/reports.py):

- ``queue_sizes``: waiting applications per locality × language × birth year, by tier — from the
  queue tally (``QueueCount``), which the services keep exact in every transaction;
- ``monthly_movement``: invitations, responses, referrals, enrolments and stop-lists per month of the
  last 12 (local months of the district) — from the audit chain, through its (action, seq) index;
- ``time_to_enrolment``: the median working days from the invitation to the enrolment, per month of
  enrolment — from the same events, each enrolment paired with its application's last invitation;
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
from sqlalchemy.orm import aliased, joinedload

from ..models import TIERS, AuditEvent, District, Kindergarten, Locality, QueueCount
from . import audit_window, calendar, kindergarten_office

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


def _local_month(zone: ZoneInfo, hour_text: str) -> date:
    """The local month of an hour of UTC given as 'YYYY-MM-DDTHH' (time zones move by whole hours)."""
    moment = datetime.strptime(hour_text, "%Y-%m-%dT%H").replace(tzinfo=timezone.utc).astimezone(zone)
    return date(moment.year, moment.month, 1)


def monthly_movement(session, district_id: int, now) -> list[dict]:
    """One row per month: {"month": date, "invitations": n, ...}, oldest first."""
    district = session.get(District, district_id)
    months = last_months(district, now)
    action_kind = {action: kind for kind, actions in MOVEMENT.items() for action in actions}
    hour = func.substr(AuditEvent.at, 1, 13)
    counts = defaultdict(int)
    zone = ZoneInfo(district.timezone)
    # Counted per UTC hour in SQL (a few thousand groups at most), then put into local months here.
    for action, hour_text, n in session.execute(
        select(AuditEvent.action, hour, func.count())
        .where(audit_window.since(session, month_start_utc(district, months[0]), *action_kind),
               audit_window.of_district(district.code))
        .group_by(AuditEvent.action, hour)
    ):
        counts[(_local_month(zone, hour_text), action_kind[action])] += n
    return [{"month": month, **{kind: counts[(month, kind)] for kind in MOVEMENT}} for month in months]


# --- time from invitation to enrolment ---------------------------------------------------------------

class WorkingDays:
    """Working days of the district over a span, counted with a bisect instead of a walk per pair;
    the same count as ``calendar.working_days_between`` (after the first local day, up to the last)."""

    def __init__(self, session, district, first: date, last: date):
        overrides = calendar.load_overrides(session, district.id, first, last)
        span = (first + timedelta(days=i) for i in range((last - first).days + 1))
        self.days = [day for day in span if calendar.is_working_day(day, overrides)]
        self.district = district

    def between(self, start: datetime, end: datetime) -> int:
        first, last = calendar.local_date(self.district, start), calendar.local_date(self.district, end)
        return bisect_right(self.days, last) - bisect_right(self.days, first)


def time_to_enrolment(session, district_id: int, now) -> list[dict]:
    """Per month of enrolment: enrolments, the median and the longest working days since the
    invitation that led to them (the application's last invitation before the enrolment)."""
    district = session.get(District, district_id)
    months = last_months(district, now)
    invitation = aliased(AuditEvent)
    invited_at = (select(invitation.at).where(invitation.application == AuditEvent.application,
                                              invitation.action == INVITATION, invitation.seq < AuditEvent.seq)
                  .order_by(invitation.seq.desc()).limit(1).correlate(AuditEvent).scalar_subquery())
    pairs = [(_parse(invited), _parse(enrolled)) for enrolled, invited in session.execute(
        select(AuditEvent.at, invited_at)
        .where(audit_window.since(session, month_start_utc(district, months[0]), ENROLMENT),
               audit_window.of_district(district.code))
    ) if invited is not None]
    waits = defaultdict(list)
    if pairs:
        days = WorkingDays(session, district, min(calendar.local_date(district, p[0]) for p in pairs),
                           calendar.local_date(district, now))
        for invited, enrolled in pairs:
            local = calendar.local_date(district, enrolled)
            waits[date(local.year, local.month, 1)].append(days.between(invited, enrolled))
    return [{"month": month, "enrolments": len(waits[month]),
             "median": statistics.median(waits[month]) if waits[month] else None,
             "longest": max(waits[month]) if waits[month] else None} for month in months]


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


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
