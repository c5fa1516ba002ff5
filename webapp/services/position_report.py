"""Everything the public lookup page shows for one application (DESIGN §4, §8): its position and the
count ahead in each tier (lookup.position_of, the same answer the JSON API gives, so that an IIN
lookup shows exactly what a number lookup shows), the district's ratio, what happens next and by
when, its public history, how its position moved month by month and why (services.movement), and
a waiting-time range where there is enough history (services.estimate)."""
import re

from . import application_status, estimate, iin, lookup, movement, queue

DIGITS = re.compile(r"[0-9]+")


def report(session, query: str, now) -> dict:
    """Raises InvalidIIN saying what is wrong with a mistyped IIN (length, century digit, birth
    date, check digit), MalformedQuery for anything else that is neither, NotFound for an unknown one."""
    if DIGITS.fullmatch(query):
        iin.parse(query)
    found = lookup.position_of(session, query)
    application = application_status.find(session, found["number"])
    found.update(
        priority_ratio=queue.priority_ratio(session, application.locality_id),
        next_step=application_status.next_step(session, application, now),
        history=application_status.history(session, application.number),
        timezone=application.district.timezone,
        movement=[], estimate=None,
    )
    if application.waiting:
        # position_of answers from one prebuilt statement and keeps the API's shape; movement and the
        # estimate need the full Explanation (tier counts), one more read of the maintained counts.
        explanation = queue.explain(session, application)
        found.update(movement=movement.of(session, application, now, explanation),
                     estimate=estimate.for_application(session, application, now, explanation))
    return found
