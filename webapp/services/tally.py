"""Keeping the queue tally true (models.tally): in the transaction of every change, and on demand.

Every change of an application's status, tier or waiting flag — and every new or deleted
application — goes through a flush of the ORM session. ``after_flush`` below compares each such
application's place before and after (segment, tier, UTC week of submission, waiting or not) and
applies the difference to ``queue_tally`` and ``queue_count`` with relative upserts
(``waiting = waiting + :delta``) in the same transaction. Relative updates are exact however many
transactions run at once (READ COMMITTED): no value is read into Python and written back. The
services already hold the segment's lock for every such change; rows are touched in key order,
so two transactions never wait for each other in opposite orders.

Code that changes applications without the ORM (set-based statements) reports its changes with
``apply``. ``rebuild`` and ``differences`` recount everything from the applications
(``flask queue recount``, the seeder, the migration).
"""
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Date, and_, cast, delete, event, func, insert, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import WAITING, Application, QueueCount, QueueTally

SEGMENT = ("locality_id", "language", "birth_year")
PLACE = (*SEGMENT, "tier", "submitted_at")


def day_of(moment: datetime) -> date:
    """The tally's bucket of a moment: the Monday that starts its UTC week. A week, not a day: a
    position sums the buckets before its own (about 200 rows for four years, not 1,400) and counts
    within its own bucket from the queue index (at most a week's submissions of one tier)."""
    day = moment.astimezone(timezone.utc).date()
    return day - timedelta(days=day.weekday())


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def bucket_sql(dialect: str, column):
    """``day_of`` in SQL, on a naive-UTC timestamp column: (the bucket's date, its first moment)."""
    if dialect == "postgresql":
        week = func.date_trunc("week", column)
        return cast(week, Date), week
    # SQLite: 'start of day' first — its date arithmetic rounds to the millisecond, which would move
    # 23:59:59.9999995 into the next day; 'weekday 0' then '-6 days' is the Monday on or before.
    # The date text 'YYYY-MM-DD' also serves as the first moment: it sorts before every stored
    # timestamp of that day and after every one of the day before.
    week = func.date(column, "start of day", "weekday 0", "-6 days")
    return week, week


# --- in the transaction of every change ---------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    deltas = Counter()
    for obj in session.new:
        if isinstance(obj, Application):
            _count(deltas, _place(obj, _now), +1)
    for obj in session.dirty:
        if isinstance(obj, Application) and session.is_modified(obj):
            _count(deltas, _place(obj, _before), -1)
            _count(deltas, _place(obj, _now), +1)
    for obj in session.deleted:
        if isinstance(obj, Application):
            _count(deltas, _place(obj, _before), -1)
    if deltas:
        apply(session, deltas)


def _now(state, name):
    return getattr(state.obj(), name)


def _before(state, name):
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    if history.added:  # set without a loaded old value: cannot happen with active_history
        return None
    return getattr(state.obj(), name)  # expired and untouched: the same before and after


def _place(obj, read) -> tuple | None:
    """(locality, language, birth year, tier, day) of a waiting application, else None."""
    state = inspect(obj)
    waiting = read(state, "waiting")
    if waiting is None:  # not flushed with a default yet: the status decides, as the validator does
        waiting = (read(state, "status") or "queued") in WAITING
    if not waiting:
        return None
    values = [read(state, name) for name in PLACE]
    if any(value is None for value in values):
        return None
    *segment_tier, submitted_at = values
    return (*segment_tier, day_of(submitted_at))


def _count(deltas: Counter, place, sign: int) -> None:
    if place is not None:
        deltas[place] += sign


def apply(session, deltas) -> None:
    """Add ``deltas`` ({(locality, language, birth year, tier, day): ±n}) to the tally."""
    by_day = sorted((key, n) for key, n in deltas.items() if n)
    per_tier = Counter()
    for key, n in by_day:
        per_tier[key[:4]] += n
    by_tier = sorted((key, n) for key, n in per_tier.items() if n)
    connection = session.connection()
    if by_day:
        connection.execute(_upsert(session, QueueTally, ("day",)),
                           [dict(zip((*SEGMENT, "tier", "day"), key), waiting=n) for key, n in by_day])
    if by_tier:
        connection.execute(_upsert(session, QueueCount, ()),
                           [dict(zip((*SEGMENT, "tier"), key), waiting=n) for key, n in by_tier])


def _upsert(session, model, extra_keys):
    dialect = session.get_bind().dialect.name
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = build(model)
    return stmt.on_conflict_do_update(
        index_elements=[*SEGMENT, "tier", *extra_keys],
        set_={"waiting": model.waiting + stmt.excluded.waiting},
    )


# --- recounting from the applications -----------------------------------------------------------------

def _day_column(session):
    return bucket_sql(session.get_bind().dialect.name, Application.submitted_at)[0]


def _recounted(session):
    day = _day_column(session).label("day")
    return (
        select(Application.locality_id, Application.language, Application.birth_year, Application.tier, day,
               func.count().label("waiting"))
        .where(Application.waiting.is_(True))
        .group_by(Application.locality_id, Application.language, Application.birth_year, Application.tier, day)
    )


def rebuild(session) -> None:
    """Replace the tally by a recount of the applications (one INSERT … SELECT per table)."""
    session.flush()
    session.execute(delete(QueueTally))
    session.execute(delete(QueueCount))
    columns = [*SEGMENT, "tier", "day", "waiting"]
    session.execute(insert(QueueTally).from_select(columns, _recounted(session)))
    session.execute(insert(QueueCount).from_select(
        [*SEGMENT, "tier", "waiting"],
        select(QueueTally.locality_id, QueueTally.language, QueueTally.birth_year, QueueTally.tier,
               func.sum(QueueTally.waiting))
        .group_by(QueueTally.locality_id, QueueTally.language, QueueTally.birth_year, QueueTally.tier),
    ))


def differences(session) -> list[dict]:
    """Every row where the stored tally differs from a recount of the applications (empty: exact)."""
    session.flush()
    expected = {}
    for *key, n in session.execute(_recounted(session)):
        key[4] = key[4] if isinstance(key[4], date) else date.fromisoformat(key[4])
        expected[("day", *key)] = n
    counted = Counter()
    for (_, *key), n in expected.items():
        counted[("tier", *key[:4])] += n
    expected.update(counted)
    stored = {}
    for row in session.execute(select(QueueTally.locality_id, QueueTally.language, QueueTally.birth_year,
                                      QueueTally.tier, QueueTally.day, QueueTally.waiting)):
        stored[("day", *row[:5])] = row[5]
    for row in session.execute(select(QueueCount.locality_id, QueueCount.language, QueueCount.birth_year,
                                      QueueCount.tier, QueueCount.waiting)):
        stored[("tier", *row[:4])] = row[4]
    found = []
    for key in sorted(set(expected) | set(stored), key=repr):
        want, have = expected.get(key, 0), stored.get(key, 0)
        if want != have:
            found.append({"table": "queue_tally" if key[0] == "day" else "queue_count",
                          "key": list(key[1:]), "expected": want, "stored": have})
    return found


# --- reading ------------------------------------------------------------------------------------------

def segment_filter(model, segment):
    return and_(model.locality_id == segment.locality_id, model.language == segment.language,
                model.birth_year == segment.birth_year)
