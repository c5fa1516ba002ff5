"""Manual corrections by the district department (issue 11): only through the transitions of
DESIGN §5, each with a written reason that is public.

A correction is the transition's own audit event with ``actor_role`` "department", the reason, and
``"correction": true`` in its public data: the application's public history shows it as a
correction by the department, and the watch list finds corrections by exactly that marker.

The corrections, by the state they start from:

- ``end_stop_list`` (stop_listed → queued): the stop-list ends early (``stop_list.ended``);
- ``reactivate`` (inactive → queued): interest recorded for this year (``interest.confirmed``);
- ``return_to_queue`` (responded → queued): the response is turned down with the original date
  kept (``response.rejected``), when a kindergarten leaves a response unanswered;
- ``withdraw`` (any state but a final one → withdrawn): ``application.withdrawn``.
"""
import json
import re

from flask_babel import lazy_gettext as _l

from ..models import FINAL, Application
from . import applications, referrals
from .actors import require_department
from .errors import InvalidInput, NotFound, WrongState
from .transitions import STATUS_LABELS, load_locked

MARKER = {"correction": True}
REASON_MAX = 300
# The reason is published: a long run of digits is an IIN, a phone or a document number.
PERSONAL_NUMBER = re.compile(r"\d(?:[\s()+-]*\d){5,}")

CORRECTIONS = {  # kind → (states it starts from, what the department sees)
    "end_stop_list": (("stop_listed",), _l("End the stop-list early: back to the queue with the original date")),
    "reactivate": (("inactive",), _l("Reactivate: record this year's interest and return to the queue")),
    "return_to_queue": (("responded",), _l("Return to the queue: turn down the response, keep the original date")),
    "withdraw": (tuple(s for s in STATUS_LABELS if s not in FINAL), _l("Withdraw the application")),
}


def application_of(session, district_id: int, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.district_id != district_id:
        raise NotFound()
    return application


def available(application: Application) -> list[str]:
    """The corrections the department may apply from the application's state, in the list's order."""
    return [kind for kind, (states, _) in CORRECTIONS.items() if application.status in states]


def apply(session, application_id: int, kind: str, actor, now, reason: str) -> None:
    """Apply one correction; WrongState when the state no longer allows it (nothing changed)."""
    reason = (reason or "").strip()
    if kind not in CORRECTIONS:
        raise InvalidInput(_l("Choose a correction."))
    if not reason:
        raise InvalidInput(_l("Please give a reason."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long."))
    if PERSONAL_NUMBER.search(reason):
        raise InvalidInput(_l("The reason is public: leave out IINs, phone and document numbers."))
    application = load_locked(session, application_id)
    require_department(actor, application.district_id)
    if kind not in available(application):
        raise WrongState(_l("Application %(number)s is %(status)s, so this correction is not possible now."),
                         number=application.number, status=STATUS_LABELS[application.status])
    if kind == "end_stop_list":
        applications.end_stop_list(session, application.id, now, actor, reason=reason, data=MARKER)
    elif kind == "reactivate":
        applications.confirm_interest(session, application.id, actor, now, reason=reason, data=MARKER)
    elif kind == "return_to_queue":
        referrals.reject(session, application.id, actor, now, reason, data=MARKER)
    else:
        applications.withdraw(session, application.id, actor, now, reason=reason, data=MARKER)


def is_correction(event) -> bool:
    """True for a correction's audit event: a stored row (``data`` text) or a public record (dict)."""
    data = event["data"] if isinstance(event, dict) else event.data
    role = event["actor_role"] if isinstance(event, dict) else event.actor_role
    if isinstance(data, str):
        data = _parse(data)
    return role == "department" and isinstance(data, dict) and data.get("correction") is True


def _parse(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None
