"""Who may open a page: the decorator the parent's cabinet puts on every route."""
from functools import wraps

from flask import redirect, request, url_for
from flask_login import current_user, login_required

from ...services import users


def phone_confirmed_required(view):
    """Logged in, and (for a parent) with a confirmed phone; otherwise off to log in or to confirm."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if users.must_confirm_phone(current_user):
            after = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.confirm_phone", next=after), 303)
        return view(*args, **kwargs)

    return wrapped


def local_target(target: str | None) -> str | None:
    """``next`` only ever leads to a path of this site: not another host, scheme or ``//host``."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    return target
