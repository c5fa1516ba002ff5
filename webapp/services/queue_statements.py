"""The queue's hot read statements, built once with bind parameters.

A position lookup, a queue page and the registry run on every public request. Building their
SELECTs anew each time (SQLAlchemy expression objects, a dozen comparisons each) cost more than
the database did; built once, each request only binds values and runs them through the compiled
cache. Every statement reads the maintained tally (models.tally), never the segment's whole slice
of the queue. Values: ``loc``, ``lang``, ``year`` (the segment), ``tier``, ``day`` (UTC day of
submission), ``day_start``, ``at`` and ``number`` (the application's place in its tier).
"""
from functools import cache

from sqlalchemy import Date, Integer, and_, bindparam, case, func, select, tuple_

from ..models import Application, Child, District, Locality, QueueCount, QueueTally
from ..models.types import UTCDateTime

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
def days_of_ranks():
    """Per tier, the day of submission on which its running total of waiting applications first
    passes ``skip_<tier>`` (-1: tier not wanted), and how many wait before that day."""
    running = (
        select(QueueTally.tier, QueueTally.day, QueueTally.waiting,
               func.sum(QueueTally.waiting).over(partition_by=QueueTally.tier, order_by=QueueTally.day)
               .label("running"))
        .where(_segment_of(QueueTally), QueueTally.waiting > 0)
        .subquery()
    )
    skip = case(*((running.c.tier == tier, bindparam(f"skip_{tier}", type_=Integer())) for tier in TIER_NAMES),
                else_=-1)
    return (
        select(running.c.tier, running.c.day, running.c.running - running.c.waiting)
        .where(running.c.running > skip, running.c.running - running.c.waiting <= skip)
    )


@cache
def public_rows():
    """One tier's rows of a public queue page from a given day on, with the child's name for the
    mask: ``skip`` rows (all within that day) skipped, ``count`` returned."""
    return (
        select(Application.number, Application.tier, Application.submitted_at, Application.status,
               Child.name, Child.surname)
        .join(Child, Child.id == Application.child_id)
        .where(_waiting_in_segment(), Application.tier == bindparam("tier"),
               Application.submitted_at >= bindparam("day_start", type_=UTCDateTime()))
        .order_by(Application.submitted_at, Application.number)
        .offset(bindparam("skip", type_=Integer())).limit(bindparam("count", type_=Integer()))
    )
