"""Who may open the administration: a logged-in admin, on every route of the blueprint. Anonymous
visitors are sent to log in; any other account gets 403."""
from flask import abort
from flask_login import current_user

from ...extensions import login
from ...services.actors import Actor
from . import bp


@bp.before_request
def admin_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if current_user.role != "admin":
        abort(403)
    return None


def actor() -> Actor:
    return Actor.of(current_user)
