"""The public site: anonymous, read-only, light enough for a cheap phone on a slow link."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401 - registers the views on bp
