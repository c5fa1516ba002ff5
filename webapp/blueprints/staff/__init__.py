"""The kindergarten's office: groups, bulletins, responses, referrals and enrolment, for the staff
of one kindergarten (issue 10). Every route of the blueprint is behind ``access.staff_only``."""
from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import access, routes  # noqa: E402,F401 - the access check and the views, registered on bp
