"""The district department's office (issue 11): kindergartens, localities and groups with their staff
accounts, privilege verification, the calendar, the district's policy, the watch list, reports, the
audit viewer, corrections and the policy simulator. Every route is behind ``access.department_only``;
each concept has a module of its own, all registering on ``bp``."""
from flask import Blueprint

bp = Blueprint("department", __name__)

from . import (  # noqa: E402,F401 - the access check and the views, registered on bp
    access, calendar, claim_views, correction_views, duplicates, event_views, places, policy, reports, routes,
    simulator, staff_accounts, watch,
)
