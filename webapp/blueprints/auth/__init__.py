"""Accounts: sign-up with a confirmed phone, log-in and log-out, password reset by SMS code, and the
profile (language, email, notification channels)."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401 - registers the views on bp
from .access import phone_confirmed_required  # noqa: E402,F401 - for the cabinet's routes
