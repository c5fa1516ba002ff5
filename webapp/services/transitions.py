"""What every state transition does (DESIGN §5): lock, check the state, move, audit, notify."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Application
from . import audit, locks, notifications
from .errors import NotFound, WrongState

STATUS_LABELS = {
    "queued": _l("in the queue"),
    "invited": _l("invited"),
    "responded": _l("responded"),
    "referred": _l("referred"),
    "enrolled": _l("enrolled"),
    "stop_listed": _l("on the stop-list"),
    "inactive": _l("inactive"),
    "aged_out": _l("aged out"),
    "withdrawn": _l("withdrawn"),
}


def load_locked(session, application_id: int) -> Application:
    """The application, re-read under its segment's lock so that the state we check is current."""
    found = session.get(Application, application_id)
    if found is None:
        raise NotFound()
    locks.segment(session, found.locality_id, found.language, found.birth_year)
    return session.scalars(
        select(Application).where(Application.id == application_id)
        .with_for_update().execution_options(populate_existing=True)
    ).one()


def load_many_locked(session, application_ids) -> list[Application]:
    """``load_locked`` for a batch: the segments' locks in one order (so two batches never wait for
    each other in opposite orders), then the applications re-read locked in one query."""
    ids = sorted(set(application_ids))
    if not ids:
        return []
    segments = session.execute(
        select(Application.locality_id, Application.language, Application.birth_year)
        .where(Application.id.in_(ids)).distinct()
    ).all()
    for segment in sorted(segments):
        locks.segment(session, *segment)
    return list(session.scalars(
        select(Application).where(Application.id.in_(ids)).order_by(Application.id)
        .with_for_update().execution_options(populate_existing=True)
    ))


def require_status(application: Application, *allowed: str) -> None:
    if application.status not in allowed:
        raise WrongState(
            _l("Application %(number)s is %(status)s, so this step is not possible now."),
            number=application.number, status=STATUS_LABELS[application.status],
        )


def move(session, application: Application, to_status: str, *, action: str, actor, now,
         reason: str = "", data: dict | None = None, private: dict | None = None) -> None:
    from_status = application.status
    application.status = to_status
    application.updated_at = now
    audit.record(session, action, actor=actor, application=application, from_status=from_status,
                 to_status=to_status, reason=reason, data=data, at=now, private=private)


def tell_parent(session, application: Application, event: str, key_suffix: str = "", **params) -> None:
    params.setdefault("number", application.number)
    parent = application.child.parent
    key = f"{event}:{application.id}:{key_suffix or application.updated_at.isoformat()}"
    notifications.notify(session, parent, event, params, application=application, key=key)
