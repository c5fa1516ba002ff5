"""Administration (issue 11, role admin): districts, department accounts, system settings, failed
jobs and failed messages. Every route is behind ``access.admin_only``."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import access, districts, duplicates, failures, routes, settings  # noqa: E402,F401 - the access check and the views, registered on bp
