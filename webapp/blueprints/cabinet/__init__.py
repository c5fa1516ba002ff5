"""The parent's cabinet: children, applications, the yearly «Interested», the placement wizard, the
referral PDF and the inbox. Every route: logged in, a parent, phone confirmed, own objects only."""
from flask import Blueprint

bp = Blueprint("cabinet", __name__)

from . import routes  # noqa: E402,F401 - registers the views on bp
