"""The department's front page: where each part of the office is. The parts live in modules of
their own (one per concept), imported at the end so they register on the blueprint."""
from flask import render_template

from . import bp


@bp.get("")
def show_dashboard():
    return render_template("department/dashboard.html")
