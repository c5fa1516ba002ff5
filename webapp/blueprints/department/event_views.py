"""The audit viewer: the district's events (services.audit_viewer says which are the district's),
filtered and paged newest first, under the chain's state re-checked from the last checkpoint."""
from flask import render_template, request

from ...extensions import db
from ...services import audit, audit_viewer
from ...web.labels import ACTIONS
from ...web.languages import current as language
from . import bp
from .access import actor
from .review_forms import ACTOR_ROLES, EventFilterForm


@bp.get("/events")
def list_events():
    district_id = actor().district_id
    kindergartens = [(k, k.name_in(language())) for k in audit_viewer.kindergartens(db.session, district_id)]
    form = EventFilterForm(kindergartens, ACTIONS, formdata=request.args)
    status, page = 200, None
    if form.validate():
        wanted = audit_viewer.EventFilter(
            application=form.application.data or "",
            kindergarten_id=int(form.kindergarten.data) if form.kindergarten.data else None,
            actor_role=form.role.data or "", action=form.action.data or "",
            since=form.since.data, until=form.until.data)
        page = audit_viewer.events(db.session, district_id, wanted, before=form.before.data)
    else:
        status = 422
    return render_template("department/events.html", form=form, page=page, roles=ACTOR_ROLES,
                           chain=audit.verify_from_checkpoint(db.session),
                           next_args=_next_args(page)), status


def _next_args(page) -> dict | None:
    """The query of the next (older) page: the same filters, a new ``before``."""
    if page is None or page.next_before is None:
        return None
    args = {key: value for key, value in request.args.items() if key != "before" and value}
    return dict(args, before=page.next_before)
