"""Who may open the department's office: a logged-in department operator of a district, on every
route of the blueprint (a before-request hook, so a new route cannot forget it). Anonymous visitors
are sent to log in; any other account gets 403. Objects of another district are 404 (the services
scope every read to ``actor().district_id``)."""
from flask import abort
from flask_login import current_user

from ...extensions import login
from ...services.actors import Actor
from . import bp


@bp.before_request
def department_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if current_user.role != "department" or current_user.district_id is None:
        abort(403)
    return None


def actor() -> Actor:
    return Actor.of(current_user)
