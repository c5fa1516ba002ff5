"""The public JSON API, ``/api/v1`` (DESIGN §9): read-only, anonymous, rate-limited, stable."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import routes  # noqa: E402,F401 - routes register themselves on bp
