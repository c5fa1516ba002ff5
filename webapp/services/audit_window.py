"""Reading a recent stretch of the audit chain quickly, for the department's watch list and reports.

Events of given actions are read through the (action, at, application) index. Events of any action
(the watch list's corrections) have no index on ``at``, but they are appended in time order: ``seq``
grows with ``at`` (a transaction records its events a moment before it commits, so two overlapping
transactions can swap by that moment, never by hours). The first event of such a window is found
by bisecting ``seq`` on the primary key (some twenty-five look-ups for millions of events), and the
window is read from a little before that point, with ``at`` still checked exactly. Nothing is
cached: every call reads what the database says now.

Events carry no district: an application's events are the district's when the number starts with
the district's code (application numbers are ``<code>-<year>-<n>``, DESIGN §3).
"""
from datetime import datetime

from sqlalchemy import and_, func, select

from ..models import AuditEvent
from . import clock

SLACK = 1000  # events read before the bisected start, for events recorded out of commit order


def first_seq_since(session, since: datetime) -> int:
    """A ``seq`` at or before the first event at or after ``since`` (a lower bound for a range)."""
    cutoff = clock.iso(since)
    # Two queries: SQLite answers a lone min() or max() from the index, both together by a full scan.
    low = session.scalar(select(func.min(AuditEvent.seq)))
    high = session.scalar(select(func.max(AuditEvent.seq)))
    if low is None:
        return 0
    while low < high:  # the first seq whose event is at or after the cutoff (seq has no gaps)
        middle = (low + high) // 2
        at = session.scalar(select(AuditEvent.at).where(AuditEvent.seq == middle))
        if at is not None and at < cutoff:
            low = middle + 1
        else:
            high = middle
    return max(0, low - SLACK)


def since(session, moment: datetime, *actions: str):
    """The condition "one of ``actions`` (any, if none), at or after ``moment``", ready for the
    (action, at, application) index or, without actions, for a range of the primary key."""
    if actions:
        return and_(AuditEvent.action.in_(actions), AuditEvent.at >= clock.iso(moment))
    return and_(AuditEvent.seq >= first_seq_since(session, moment), AuditEvent.at >= clock.iso(moment))


def of_district(code: str):
    """Events of the district's applications: the number starts with ``<code>-``. A substring
    compare, not a range of ``application`` (the planner would then walk the district's millions of
    events by that column's index) nor a LIKE (several times slower per event)."""
    prefix = f"{code}-"
    return func.substr(AuditEvent.application, 1, len(prefix)) == prefix
