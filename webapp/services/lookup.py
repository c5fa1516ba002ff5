"""The public view of the queue: a page of a segment with masked names, and "where am I?" by
application number or IIN. Built on services.queue, in a fixed handful of queries.

Nothing here returns an IIN or a full name: a child appears only as initials (mask_name).
"""
from flask_babel import lazy_gettext as _l
from ..models import mask_name
from . import queue
from .errors import InvalidInput, NotFound
from .queue import Segment


class MalformedQuery(InvalidInput):
    code = "invalid_query"


def queue_page(session, segment: Segment, page: int = 1, per_page: int = 50) -> tuple[int, list[dict]]:
    """(total waiting, rows in position order): one query for the counts, one to locate the page's
    days in the tally, one per tier shown (with the children's names for the mask)."""
    total, rows = queue.public_page(session, segment, page, per_page)
    return total, [
        {"position": position, "number": number, "tier": tier, "submitted_at": submitted_at, "status": status,
         "child": mask_name(name, surname)}
        for position, (number, tier, submitted_at, status, name, surname) in rows
    ]


def position_of(session, query: str) -> dict:
    """Position and explanation of the application with this number, or of this child's IIN.

    For an application that is not waiting (responded, referred, inactive, final) position and
    ahead are None: it has no place in the queue."""
    if not queue.is_lookup_query(query):
        raise MalformedQuery(_l("Enter an application number such as GM-2026-000123 or a 12-digit IIN."))
    found = queue.look_up(session, query)  # queue.find + queue.explain, in one round trip
    if found is None:
        raise NotFound(_l("No application has this number or IIN."))
    return {
        "number": found["number"],
        "position": found["position"],
        "status": found["status"],
        "tier": found["tier"],
        "submitted_at": found["submitted_at"],
        "segment": found["segment"].as_dict(),
        "ahead": found["ahead"],
    }
