"""Movement explained (DESIGN §8): month by month over the last 12 months, how an application's
position changed and why, from the public audit events of its segment (services.movement_log keeps
their per-month sums in models.movement).

A position is ``queue.position(tier, rank, counts, k)``: a function of the application's tier, of
how many others wait in each tier (E, P, O), and of how many of its own tier wait ahead of it by
(submitted_at, number) (rank − 1). Each month's events change those numbers. The rule, exact and
telescoping: start from the state at the first moment of the month (district local time) and apply
the month's net changes one kind at a time, in this fixed order, reading the position after each:

1. ``own_privilege``: the application's own tier change (it moves from one tier count to the other);
2. ``new_applications``: new submissions (behind in their own tier, but a new priority or ordinary
   one can still come before a child of the other tier by the P₁, O₁…Oₖ interleaving, or because
   the other tier has run out);
3. ``came_in_ahead``: returns to waiting with the original date (from inactivity, a rejected
   response, a lapsed referral);
4. ``privileges``: other applications' privileges verified (+) or ended (−) while they waited;
5. ``invited_or_placed``: others who left waiting for a seat (an invitation answered);
6. ``left``: others who withdrew, aged out or were deactivated;
7. ``priority_ratio``: the district's new priority ratio k, when the department changed it that
   month (services.policy): the position under the new k minus the position under the old one.

Each month boundary's position uses the k in force at that moment (read back from the public policy
events). Each part is the position after the step minus the position before it, so the parts add up
to the change exactly: position_end = position_start + new_applications + came_in_ahead + privileges
+ own_privilege − invited_or_placed − left + priority_ratio. ``invited_or_placed`` and ``left`` are
reported as the places gained (never negative); ``privileges``, ``own_privilege`` and
``priority_ratio`` are signed; the other two are never negative. Leaving and returning within one month nets out. A month in which the application
was not waiting at its start or at its end has a position only where it waited, and no parts.

The position "now" is the end of the current month's line. Cost: the application's own events, one
read of the segment's monthly totals, and for "ahead of it in its tier" one index seek per month and
kind (running sums of closed months) plus one index range over the current month's rows; nothing
scans the segment (the caller passes the lookup's Explanation).
"""
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, select, tuple_
from sqlalchemy.orm import aliased

from ..models import WAITING, Application, AuditEvent, MovementChange, MovementTotal
from . import clock, movement_log, queue
from . import policy as policy_log
from .queue import Counts, Segment

MONTHS = 12
TIERS = ("extraordinary", "priority", "ordinary")
STEPS = (("submitted", "new_applications"), ("returned", "came_in_ahead"), ("privilege", "privileges"),
         ("invited_or_placed", "invited_or_placed"), ("left", "left"))
CHANGE_KINDS = tuple(kind for kind in movement_log.KINDS if kind != "submitted")  # kept row by row
GAINS = frozenset({"invited_or_placed", "left"})  # reported as places gained
# Labels for the parts, in the order applied (templates: ``PART_LABELS[name]`` beside each number).
PART_LABELS = {
    "own_privilege": _l("Your own privilege"),
    "new_applications": _l("New applications placed ahead by the priority order"),
    "came_in_ahead": _l("Returned to the queue ahead of you with their original date"),
    "privileges": _l("Privileges of others verified or ended"),
    "invited_or_placed": _l("Ahead of you: invited and took a place"),
    "left": _l("Ahead of you: withdrew, aged out or were deactivated"),
    "priority_ratio": _l("The district changed its priority ratio"),
}


@dataclass(frozen=True)
class MonthMovement:
    month: date  # the 1st of the month
    position_start: int | None  # at the first moment of the month; None when not waiting then
    position_end: int | None  # at the first moment of the next month (the current month: now)
    new_applications: int | None = None
    came_in_ahead: int | None = None
    privileges: int | None = None
    own_privilege: int | None = None
    invited_or_placed: int | None = None
    left: int | None = None
    invitations: int = 0  # invitations in the segment that month (everyone's, not only those ahead)
    priority_ratio: int | None = None  # the effect of a new k that month

    @property
    def explained(self) -> bool:
        return self.position_start is not None and self.position_end is not None

    @property
    def change(self) -> int | None:
        return self.position_end - self.position_start if self.explained else None

    def parts(self) -> list[tuple[str, int]]:
        """(name, effect on the position) in the order applied; they sum to ``change``."""
        if not self.explained:
            return []
        return [("own_privilege", self.own_privilege)] + [
            (name, -getattr(self, name) if name in GAINS else getattr(self, name)) for _, name in STEPS] + [
            ("priority_ratio", self.priority_ratio or 0)]


def of(session, application, now: datetime, explanation: queue.Explanation | None = None) -> list[MonthMovement]:
    """The last 12 calendar months, oldest first, the current one (up to ``now``) last. Pass the
    lookup's ``queue.explain`` result when there is one: it saves counting the segment again."""
    district = application.district  # held by the application: loaded once for both pieces
    zone = ZoneInfo(district.timezone)
    months = last_months(now, zone)
    bounds = [datetime.combine(m, time(0), tzinfo=zone).astimezone(timezone.utc) for m in months] + [None]
    ratios = _ratios_at(session, district, bounds)
    own_events = _own_events(session, application)
    states = [_state_at(own_events, bound) for bound in bounds]  # (waiting, tier) at each bound
    tiers = {tier for waiting, tier in states if waiting}
    segment = Segment.of(application)
    totals, ahead = _segment_months(session, segment, application, tiers, months)
    invitations = [sum(totals.get((m, t, movement_log.INVITED), 0) for t in TIERS) for m in months]
    if not tiers:
        return [MonthMovement(m, None, None, invitations=n) for m, n in zip(months, invitations)]
    counts, before = _now(session, application, tiers, explanation)
    mine = _own_changes(own_events, zone, months)
    counts_at, before_at = _walk_back(months, counts, before, totals, ahead)
    result = []
    for i, month in enumerate(months):
        (was, tier_s), (is_, tier_e) = states[i], states[i + 1]
        start = _position(tier_s, counts_at[i], before_at[i], ratios[i]) if was else None
        end = _position(tier_e, counts_at[i + 1], before_at[i + 1], ratios[i + 1]) if is_ else None
        if start is None or end is None:
            result.append(MonthMovement(month, start, end, invitations=invitations[i]))
            continue
        parts = _parts(month, (tier_s, tier_e), counts_at[i], before_at[i], totals, ahead, mine,
                       ratios[i:i + 2])
        result.append(MonthMovement(month, start, end, invitations=invitations[i], **parts))
    return result


def last_months(now: datetime, zone: ZoneInfo, count: int = MONTHS) -> list[date]:
    """The 1st of each of the last ``count`` local calendar months, oldest first, this one last."""
    local = now.astimezone(zone).date()
    year, month, found = local.year, local.month, []
    for _ in range(count):
        found.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


# --- the state of the queue at each month boundary ---------------------------------------------------

def _position(tier: str, counts: dict, before: dict, k: int) -> int:
    return queue.position(tier, before[tier] + 1, Counts(*(counts[t] for t in TIERS)), k)


def _walk_back(months, counts: dict, before: dict, totals: dict, ahead: dict):
    """Counts per tier and "ahead in the same tier" per tier at each month start (and now, last):
    the state now minus the changes recorded since."""
    counts_at, before_at = [dict(counts)], [dict(before)]
    for month in reversed(months):
        c, b = dict(counts_at[0]), dict(before_at[0])
        for tier in TIERS:
            c[tier] -= sum(totals.get((month, tier, kind), 0) for kind in movement_log.KINDS)
        for tier in b:
            b[tier] -= sum(ahead.get((month, tier, kind), 0) for kind in movement_log.KINDS)
        counts_at.insert(0, c)
        before_at.insert(0, b)
    return counts_at, before_at


def _parts(month, tiers, counts, before, totals, ahead, mine, ratios) -> dict:
    tier_s, tier_e = tiers
    k, k_end = ratios
    c, b = dict(counts), dict(before)
    last = _position(tier_s, c, b, k)
    if tier_e != tier_s:
        c[tier_s], c[tier_e] = c[tier_s] - 1, c[tier_e] + 1
    position = _position(tier_e, c, b, k)
    parts = {"own_privilege": position - last}
    for kind, name in STEPS:
        last = position
        for tier in TIERS:  # others' changes only: this application's own are in own_privilege
            c[tier] += totals.get((month, tier, kind), 0) - mine.get((month, tier, kind), 0)
        b[tier_e] += ahead.get((month, tier_e, kind), 0)
        position = _position(tier_e, c, b, k)
        parts[name] = last - position if name in GAINS else position - last
    parts["priority_ratio"] = _position(tier_e, c, b, k_end) - position
    return parts


def _ratios_at(session, district, bounds) -> list[int]:
    """The district's k in force at each bound (None: now), from its public policy events: before
    a change, the change's old value."""
    ratios = [district.priority_ratio] * len(bounds)
    for at, old, _ in reversed(policy_log.ratio_changes(session, district.id)):  # newest first
        for i, bound in enumerate(bounds):
            if bound is not None and bound <= at:
                ratios[i] = old
    return ratios


# --- reading -------------------------------------------------------------------------------------------

def _own_events(session, application) -> list[tuple]:
    """(action, from, to, data, at, tier at the time) of the application's events, in order."""
    rows = session.execute(_OWN_EVENTS, {"number": application.number}).all()
    events = [(a, f, t, json.loads(d), clock.parse(at)) for a, f, t, d, at in rows]
    return [event + (tier,) for event, tier in movement_log.with_tiers(events, application.tier)]


def _state_at(events, bound: datetime | None) -> tuple[bool, str]:
    """(waiting, tier) just before ``bound`` (None: after every event)."""
    waiting, tier = False, "ordinary"
    for action, _, to_status, data, at, tier_then in events:
        if bound is not None and at >= bound:
            break
        waiting = to_status in WAITING
        tier = data.get("to_tier", tier_then) if action == movement_log.TIER_CHANGED else tier_then
    return waiting, tier


def _own_changes(events, zone, months) -> dict:
    found = defaultdict(int)
    window = set(months)
    for action, from_status, to_status, data, at, tier in events:
        month = movement_log.month_of(at, zone)
        if month in window:
            for change_tier, kind, delta in movement_log.changes(action, from_status, to_status, data, tier):
                found[(month, change_tier, kind)] += delta
    return found


# The statements are built once: building them per lookup cost more than running them.

def _in(model, segment: Segment | None = None):
    if segment is None:
        return (model.locality_id == bindparam("locality_id"), model.language == bindparam("language"),
                model.birth_year == bindparam("birth_year"))
    return (model.locality_id == segment.locality_id, model.language == segment.language,
            model.birth_year == segment.birth_year)


def _ahead_in_group(group):
    """The net change of the rows of ``group``'s (segment, month, tier, kind) ahead of the
    application: the running sum of the last of them once the month is closed (one index seek),
    otherwise their sum (the current month's rows, an index range). CASE evaluates only one."""
    def rows(ahead_of_me: bool, *columns):
        change = aliased(MovementChange)
        conditions = [change.locality_id == group.locality_id, change.language == group.language,
                      change.birth_year == group.birth_year, change.tier == group.tier,
                      change.month == group.month, change.kind == group.kind]
        if ahead_of_me:
            mine = tuple_(bindparam("submitted_at", type_=MovementChange.submitted_at.type), bindparam("number"))
            conditions.append(tuple_(change.submitted_at, change.number) < mine)
        return change, select(*(column(change) for column in columns)).where(*conditions)

    change, last = rows(False, lambda c: c.running)
    last = last.order_by(change.submitted_at.desc(), change.number.desc()).limit(1).scalar_subquery()
    change, ahead = rows(True, lambda c: c.running)
    ahead = ahead.order_by(change.submitted_at.desc(), change.number.desc()).limit(1).scalar_subquery()
    _, summed = rows(True, lambda c: func.sum(c.delta))
    return case((last.is_(None), func.coalesce(summed.scalar_subquery(), 0)), else_=func.coalesce(ahead, 0))


_OWN_EVENTS = (
    select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status, AuditEvent.data, AuditEvent.at)
    .where(AuditEvent.application == bindparam("number")).order_by(AuditEvent.seq)
)
_group = aliased(MovementTotal)
_SEGMENT_MONTHS = (
    select(_group.month, _group.tier, _group.kind, _group.count,
           case((and_(_group.tier.in_(bindparam("tiers", expanding=True)), _group.kind.in_(CHANGE_KINDS)),
                 _ahead_in_group(_group))))
    .where(*_in(_group), _group.month.in_(bindparam("months", expanding=True)))
)


def _segment_months(session, segment, application, tiers, months) -> tuple[dict, dict]:
    """One statement: the segment's monthly totals per (month, tier, kind), and for the rows kept one
    by one in ``tiers``, the net change of those ahead of the application (``_ahead_in_group``)."""
    params = dict(segment.as_dict(), tiers=sorted(tiers), months=months, submitted_at=application.submitted_at,
                  number=application.number)
    totals, ahead = {}, {}
    for month, tier, kind, count, before in session.execute(_SEGMENT_MONTHS, params):
        totals[(month, tier, kind)] = count
        if before is not None:
            ahead[(month, tier, kind)] = int(before)
    return totals, ahead


def _now(session, application, tiers, explanation) -> tuple[dict, dict]:
    """Waiting counts per tier now, and how many of each of ``tiers`` wait ahead of the application."""
    if explanation is not None and application.waiting:
        counts = {t: getattr(explanation.counts, t) for t in TIERS}
        before = {application.tier: explanation.rank - 1}
        missing = tiers - {application.tier}
    else:
        counts, before, missing = None, {}, set(tiers)
    if counts is None or missing:
        ahead = tuple_(Application.submitted_at, Application.number) < tuple_(application.submitted_at,
                                                                             application.number)
        stmt = select(Application.tier, func.count(), func.count().filter(ahead)).where(
            *_in(Application, Segment.of(application)), Application.waiting.is_(True))
        if counts is not None:
            stmt = stmt.where(Application.tier.in_(sorted(missing)))
        found = {tier: (n, m) for tier, n, m in session.execute(stmt.group_by(Application.tier)).all()}
        if counts is None:
            counts = {t: found.get(t, (0, 0))[0] for t in TIERS}
        before.update({t: found.get(t, (0, 0))[1] for t in missing})
    return counts, before
