"""The public view of the queue: a page of a segment with masked names, and "where am I?" by
application number or IIN. Built on services.queue, in a fixed handful of queries.

Nothing here returns an IIN or a full name: a child appears only as initials (mask_name).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Child, mask_name
from . import queue
from .errors import InvalidInput, NotFound
from .queue import Segment


class MalformedQuery(InvalidInput):
    code = "invalid_query"


def queue_page(session, segment: Segment, page: int = 1, per_page: int = 50) -> tuple[int, list[dict]]:
    """(total waiting, rows in position order); one query for all the page's children."""
    total, rows = queue.page(session, segment, page, per_page)
    child_ids = [application.child_id for _, application in rows]
    names = {
        child_id: mask_name(name, surname)
        for child_id, name, surname in session.execute(
            select(Child.id, Child.name, Child.surname).where(Child.id.in_(child_ids))
        )
    } if child_ids else {}
    return total, [
        {"position": position, "number": application.number, "tier": application.tier,
         "submitted_at": application.submitted_at, "status": application.status,
         "child": names[application.child_id]}
        for position, application in rows
    ]


def position_of(session, query: str) -> dict:
    """Position and explanation of the application with this number, or of this child's IIN.

    For an application that is not waiting (responded, referred, inactive, final) position and
    ahead are None: it has no place in the queue."""
    if not queue.is_lookup_query(query):
        raise MalformedQuery(_l("Enter an application number such as GM-2026-000123 or a 12-digit IIN."))
    application = queue.find(session, query)
    if application is None:
        raise NotFound(_l("No application has this number or IIN."))
    explanation = queue.explain(session, application)
    return {
        "number": application.number,
        "position": explanation.position if explanation else None,
        "status": application.status,
        "tier": application.tier,
        "submitted_at": application.submitted_at,
        "segment": Segment.of(application).as_dict(),
        "ahead": dict(explanation.ahead) if explanation else None,
    }
