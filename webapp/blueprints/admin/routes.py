"""The administration's front page."""
from flask import render_template

from . import bp


@bp.get("")
def show_dashboard():
    return render_template("admin/dashboard.html")
