"""Writes the derived tables that "Movement explained" and the waiting-time estimate read
(models.movement), from the public audit events.

Each public event of an application is classified by ``changes`` into (tier, kind, delta) changes
of its segment's waiting set (DESIGN §4: queued, invited, stop_listed):

- ``submitted`` +1: a new application (always behind everyone already waiting in its tier);
- ``returned`` +1: back to waiting from responded, referred or inactive, with its original date;
- ``privilege`` −1 in the old tier, +1 in the new: a tier change while waiting;
- ``invited_or_placed`` −1: left waiting for a seat (an invitation answered: invited → responded);
- ``left`` −1: left waiting otherwise (withdrawn, aged out, deactivated);
- ``invited`` +1: an invitation (queued → invited); the invited still wait, so it is only counted.

The tier of a status change is the application's tier when it happened: its tier now, with the
later ``application.tier_changed`` events undone. Months are calendar months in the district's time.

``note`` keeps the tables current as the chain grows (called by ``audit.flush_pending`` in the same
transaction, under the audit lock, so every web process sees the same numbers); ``close_months``
(a daily job) fills the running sums of the months that are over, which never change again;
``rebuild`` derives everything again from the chain, for the bulk demo seeder and
``flask movement rebuild``.
"""
import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, or_, select, text, update

from ..models import WAITING, Application, AuditEvent, District, MovementChange, MovementTotal
from . import clock

KINDS = ("submitted", "returned", "privilege", "invited_or_placed", "left")  # waiting-set changes
INVITED = "invited"
TIER_CHANGED = "application.tier_changed"
INVITATION = "invitation.created"
REBUILD_MONTHS = 13  # the lookup shows 12 months; one more so that no month is ever half-built


def changes(action: str, from_status, to_status, data: dict, tier: str) -> list[tuple[str, str, int]]:
    """(tier, kind, delta) for one public event; ``tier`` is the application's tier at the time."""
    if action == INVITATION:
        return [(tier, INVITED, 1)]
    was, is_ = from_status in WAITING, to_status in WAITING
    if action == TIER_CHANGED:
        if was and is_ and data.get("from_tier") != data.get("to_tier"):
            return [(data["from_tier"], "privilege", -1), (data["to_tier"], "privilege", 1)]
        return []
    if was and not is_:
        return [(tier, "invited_or_placed" if to_status == "responded" else "left", -1)]
    if is_ and not was:
        return [(tier, "submitted" if from_status is None else "returned", 1)]
    return []


def with_tiers(events, tier_now: str):
    """(event, tier at the time) for one application's events in order, given its tier now; each
    event is a tuple whose first four items are (action, from, to, data)."""
    tiers, tier = [], tier_now
    for event in reversed(events):
        data = event[3]
        if event[0] == TIER_CHANGED and data.get("from_tier"):
            tiers.append(data["from_tier"])  # a tier change carries its own tiers; before it: from_tier
            tier = data["from_tier"]
        else:
            tiers.append(tier)
    return list(zip(events, reversed(tiers)))


def month_of(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date().replace(day=1)


class _Batch:
    """Changes collected for one write: totals summed, change rows listed."""

    def __init__(self):
        self.totals = defaultdict(int)
        self.rows = []

    def add(self, app, month: date, event, tier: str) -> None:
        locality_id, language, birth_year, submitted_at, number = app
        action, from_status, to_status, data = event[:4]
        for change_tier, kind, delta in changes(action, from_status, to_status, data, tier):
            self.totals[(locality_id, language, birth_year, month, change_tier, kind)] += delta
            if kind not in ("submitted", INVITED):
                self.rows.append({"locality_id": locality_id, "language": language, "birth_year": birth_year,
                                  "tier": change_tier, "month": month, "submitted_at": submitted_at,
                                  "number": number, "kind": kind, "delta": delta})


def note(session, pending) -> None:
    """Record the waiting-set changes of the events about to be appended (audit.PendingEvent)."""
    by_number = defaultdict(list)
    for item in pending:
        if item.application:
            by_number[item.application].append(
                (item.action, item.from_status, item.to_status, item.data or {}, item.at))
    if not by_number:
        return
    apps = session.execute(
        select(Application.number, Application.locality_id, Application.language, Application.birth_year,
               Application.submitted_at, Application.tier, District.timezone)
        .join(District, District.id == Application.district_id)
        .where(Application.number.in_(list(by_number)))
    ).all()
    batch = _Batch()
    for number, locality_id, language, birth_year, submitted_at, tier, zone in apps:
        key, zone = (locality_id, language, birth_year, submitted_at, number), ZoneInfo(zone)
        for event, tier_then in with_tiers(by_number[number], tier):
            batch.add(key, month_of(event[4], zone), event, tier_then)
    _write(session, batch)


def _write(session, batch: _Batch) -> None:
    """Append the change rows and add the totals to what is stored (the audit lock is held). A row
    for a month already closed (a clock set back, as the demo does) opens its group again."""
    if batch.rows:
        session.execute(insert(MovementChange), batch.rows)
        for group in {tuple(row[c] for c in _GROUP) for row in batch.rows}:
            session.execute(update(MovementChange).where(
                *(getattr(MovementChange, c) == v for c, v in zip(_GROUP, group)),
                MovementChange.running.is_not(None)).values(running=None))
    for key, delta in batch.totals.items():
        row = session.get(MovementTotal, key)
        if row is None:
            session.add(MovementTotal(**dict(zip(_TOTAL_KEY, key)), count=delta))
        else:
            row.count += delta


_TOTAL_KEY = ("locality_id", "language", "birth_year", "month", "tier", "kind")
_GROUP = ("locality_id", "language", "birth_year", "tier", "month", "kind")


def close_months(session, now: datetime) -> int:
    """Fill ``running`` in every group (segment, tier, month, kind) of a month that is over in every
    time zone and still has a row without it; idempotent. Returns how many rows were written."""
    day = (now - timedelta(days=1)).astimezone(timezone.utc).date()
    cutoff = date(day.year, day.month, 1)
    group = ", ".join(_GROUP)
    result = session.execute(text(f"""
        UPDATE movement_change SET running = filled.running
        FROM (
            SELECT id, SUM(delta) OVER (PARTITION BY {group} ORDER BY submitted_at, number
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
            FROM movement_change
            WHERE month < :cutoff AND ({group}) IN (
                SELECT {group} FROM movement_change WHERE month < :cutoff AND running IS NULL)
        ) AS filled
        WHERE movement_change.id = filled.id"""), {"cutoff": cutoff.isoformat()})
    return result.rowcount or 0


def rebuild(session, now: datetime, months: int = REBUILD_MONTHS, batch_size: int = 20_000) -> int:
    """Derive both tables again from the audit events of the last ``months`` months (and the rest of
    the current one); returns how many events were read. The caller commits."""
    session.execute(delete(MovementChange))
    session.execute(delete(MovementTotal))
    since = clock.iso(_months_back(now, months))
    first = _first_seq_at_or_after(session, since)
    if first is None:
        return 0
    interesting = or_(AuditEvent.from_status.is_distinct_from(AuditEvent.to_status),
                      AuditEvent.action.in_((TIER_CHANGED, INVITATION)))
    rows = session.execute(
        select(AuditEvent.application, AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status,
               AuditEvent.data, AuditEvent.at)
        .where(AuditEvent.seq >= first, AuditEvent.application.is_not(None), interesting)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch_size)
    )
    by_number = defaultdict(list)
    read = 0
    for number, action, from_status, to_status, data, at in rows:
        by_number[number].append((action, from_status, to_status, json.loads(data) if data != "{}" else {}, at))
        read += 1
    _rebuild_from(session, by_number, batch_size)
    close_months(session, now)
    return read


def _rebuild_from(session, by_number: dict, batch_size: int) -> None:
    zones = {district_id: ZoneInfo(zone) for district_id, zone in session.execute(
        select(District.id, District.timezone))}
    numbers, batch = list(by_number), _Batch()
    for start in range(0, len(numbers), batch_size):
        found = session.execute(
            select(Application.number, Application.locality_id, Application.language, Application.birth_year,
                   Application.submitted_at, Application.tier, Application.district_id)
            .where(Application.number.in_(numbers[start:start + batch_size]))
        ).all()
        for number, locality_id, language, birth_year, submitted_at, tier, district_id in found:
            key, zone = (locality_id, language, birth_year, submitted_at, number), zones[district_id]
            for event, tier_then in with_tiers(by_number[number], tier):
                batch.add(key, month_of(clock.parse(event[4]), zone), event, tier_then)
        if batch.rows:
            session.execute(insert(MovementChange), batch.rows)
            batch.rows = []
    if batch.totals:  # the table was emptied above: one insert
        session.execute(insert(MovementTotal), [dict(zip(_TOTAL_KEY, key), count=delta)
                                                for key, delta in batch.totals.items()])


def _months_back(now: datetime, months: int) -> datetime:
    """A UTC instant at least ``months`` whole calendar months (in any time zone) before ``now``."""
    year, month = now.year, now.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 1, tzinfo=now.tzinfo) - timedelta(days=1)


def _first_seq_at_or_after(session, at: str) -> int | None:
    """The chain is in time order (``at`` grows with ``seq``, which has no gaps): binary search."""
    last = session.scalar(select(func.max(AuditEvent.seq)))
    if not last:
        return None
    lo, hi = 1, last + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if session.scalar(select(AuditEvent.at).where(AuditEvent.seq == mid)) >= at:
            hi = mid
        else:
            lo = mid + 1
    return lo if lo <= last else None
