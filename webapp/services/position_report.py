"""Everything the public lookup page shows for one application (DESIGN §4, §8): its position and the
count ahead in each tier (lookup.position_of, the same answer the JSON API gives, so that an IIN
lookup shows exactly what a number lookup shows), the district's ratio, what happens next and by
when, and its public history."""
from . import application_status, lookup, queue


def report(session, query: str, now) -> dict:
    found = lookup.position_of(session, query)  # MalformedQuery / NotFound
    application = application_status.find(session, found["number"])
    found.update(
        priority_ratio=queue.priority_ratio(session, application.locality_id),
        next_step=application_status.next_step(session, application, now),
        history=application_status.history(session, application.number),
        timezone=application.district.timezone,
    )
    return found
