"""The queue's hot read statements, built once with bind parameters.

A position lookup, a queue page and the registry run on every public request. Building their
SELECTs anew each time (SQLAlchemy expression objects, a dozen comparisons each) cost more than
the database did; built once, each request only binds values and runs them through the compiled
cache. Every statement reads the maintained tally (models.tally), never the segment's whole slice
of the queue. Values: ``loc``, ``lang``, ``year`` (the segment), ``tier``, ``day`` (the tally's
bucket: Monday of the UTC week of submission), ``day_start`` (its first moment), ``at`` and
``number`` (the application's place in its tier).
"""
from functools import cache

from sqlalchemy import Date, Integer, and_, bindparam, case, func, literal, select, tuple_, union_all

from ..models import Application, Child, District, Locality, QueueCount, QueueTally
from ..models.types import UTCDateTime
from . import tally

TIER_NAMES = ("extraordinary", "priority", "ordinary")


def _segment_of(model):
    return and_(model.locality_id == bindparam("loc"), model.language == bindparam("lang"),
                model.birth_year == bindparam("year"))


def _waiting_in_segment():
    return and_(_segment_of(Application), Application.waiting.is_(True))


def _tier_sums():
    return [func.coalesce(func.sum(case((QueueCount.tier == tier, QueueCount.waiting), else_=0)), 0)
            for tier in TIER_NAMES]


def _ratio():
    return (
        select(District.priority_ratio).join(Locality, Locality.district_id == District.id)
        .where(Locality.id == bindparam("loc")).scalar_subquery()
    )


@cache
def counts_and_ratio():
    """E, P, O of the segment and the district's priority ratio (None: no such locality)."""
    return select(*_tier_sums(), _ratio()).select_from(QueueCount).where(_segment_of(QueueCount))


@cache
def standing():
    """E, P, O, the ratio, the waiting applications of the tier on earlier days (from the tally)
    and those of the same day ahead of this one (from the queue index, within one day)."""
    days_before = (
        select(func.coalesce(func.sum(QueueTally.waiting), 0))
        .where(_segment_of(QueueTally), QueueTally.tier == bindparam("tier"),
               QueueTally.day < bindparam("day", type_=Date())).scalar_subquery()
    )
    same_day = (
        select(func.count()).select_from(Application)
        .where(_waiting_in_segment(), Application.tier == bindparam("tier"),
               Application.submitted_at >= bindparam("day_start", type_=UTCDateTime()),
               tuple_(Application.submitted_at, Application.number)
               < tuple_(bindparam("at", type_=UTCDateTime()), bindparam("number"))).scalar_subquery()
    )
    return select(*_tier_sums(), _ratio(), days_before, same_day).select_from(QueueCount).where(
        _segment_of(QueueCount))


@cache
def days_of_ranks(tiers: tuple[str, ...]):
    """For each of ``tiers``, the day of submission on which its running total of waiting
    applications first passes ``skip_<tier>``, and how many of the tier wait before that day. One
    SELECT per tier (the tally's primary key gives its rows in day order), joined by UNION ALL.
    (Folding this into the page's own query made PostgreSQL plan a parallel scan for an OFFSET it
    could not estimate: slower than the extra round trip.)"""
    parts = []
    for tier in tiers:
        running = (
            select(QueueTally.day, QueueTally.waiting,
                   func.sum(QueueTally.waiting).over(order_by=QueueTally.day).label("running"))
            .where(_segment_of(QueueTally), QueueTally.tier == tier, QueueTally.waiting > 0)
            .subquery()
        )
        skip = bindparam(f"skip_{tier}", type_=Integer())
        parts.append(
            select(literal(tier).label("tier"), running.c.day, (running.c.running - running.c.waiting).label("before"))
            .where(running.c.running > skip, running.c.running - running.c.waiting <= skip)
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


@cache
def page_rows(tier: str, public: bool):
    """``count`` applications of one tier in order from ``day_start`` (the week the tally located),
    after ``skip`` of that week's: what is read before the page is at most one week's rows of the
    tier, at any depth. ``public``: (number, tier, submitted_at, status, child's name, surname),
    the children joined to the page's rows only (joined before the OFFSET, PostgreSQL fetched a
    child for every skipped row and chose a parallel plan for it); else the application ids."""
    window = (
        select(*((Application.number, Application.tier, Application.submitted_at, Application.status,
                  Application.child_id) if public else (Application.id,)))
        .where(_waiting_in_segment(), Application.tier == tier,
               Application.submitted_at >= bindparam("day_start", type_=UTCDateTime()))
        .order_by(Application.submitted_at, Application.number)
        .offset(bindparam("skip", type_=Integer())).limit(bindparam("count", type_=Integer()))
    )
    if not public:
        return window
    rows = window.subquery("page")
    return (
        select(rows.c.number, rows.c.tier, rows.c.submitted_at, rows.c.status, Child.name, Child.surname)
        .join(Child, Child.id == rows.c.child_id).order_by(rows.c.submitted_at, rows.c.number)
    )


@cache
def lookup(dialect: str, by_iin: bool):
    """Everything a position lookup shows, in one statement: the application (by number, or the
    child's current one by IIN) with its segment's tier totals, the district's ratio and its rank
    ingredients as correlated sub-queries over the tally and the application's own day."""
    a = Application.__table__.alias("a")
    b = Application.__table__.alias("b")
    same_segment = lambda model: and_(model.locality_id == a.c.locality_id,  # noqa: E731
                                      model.language == a.c.language, model.birth_year == a.c.birth_year)
    day, day_start = tally.bucket_sql(dialect, a.c.submitted_at)
    totals = [
        select(func.coalesce(func.sum(QueueCount.waiting), 0))
        .where(same_segment(QueueCount), QueueCount.tier == tier).scalar_subquery()
        for tier in TIER_NAMES
    ]
    ratio = select(District.priority_ratio).where(District.id == a.c.district_id).scalar_subquery()
    days_before = (
        select(func.coalesce(func.sum(QueueTally.waiting), 0))
        .where(same_segment(QueueTally), QueueTally.tier == a.c.tier, QueueTally.day < day).scalar_subquery()
    )
    same_day = (
        select(func.count()).select_from(b)
        .where(same_segment(b.c), b.c.waiting.is_(True), b.c.tier == a.c.tier, b.c.submitted_at >= day_start,
               tuple_(b.c.submitted_at, b.c.number) < tuple_(a.c.submitted_at, a.c.number)).scalar_subquery()
    )
    stmt = select(a.c.number, a.c.status, a.c.tier, a.c.submitted_at, a.c.locality_id, a.c.language,
                  a.c.birth_year, a.c.waiting, *totals, ratio, days_before, same_day)
    if by_iin:
        return (stmt.join(Child.__table__, Child.__table__.c.id == a.c.child_id)
                .where(Child.__table__.c.iin == bindparam("q"))
                .order_by(a.c.waiting.desc(), a.c.id.desc()).limit(1))
    return stmt.where(a.c.number == bindparam("q"))
