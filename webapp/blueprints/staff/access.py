"""Who may open the office: a logged-in staff account of a kindergarten, on every route of the
blueprint (a before-request hook, so a new route cannot forget it). Anonymous visitors are sent to
log in; any other account gets 403. Objects of another kindergarten are 404 (the read service)."""
from flask import abort
from flask_login import current_user

from ...extensions import login
from ...services.actors import Actor
from . import bp


@bp.before_request
def staff_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if current_user.role != "staff" or current_user.kindergarten_id is None:
        abort(403)
    return None


def actor() -> Actor:
    return Actor.of(current_user)
