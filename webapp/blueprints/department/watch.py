"""The watch list: what in the district needs a second look (services.watch_list). Read-only."""
from flask import render_template

from ...extensions import db
from ...services import clock, kindergarten_office, watch_list
from . import bp
from .access import actor


@bp.get("/watch-list")
def show_watch_list():
    found = watch_list.watch_list(db.session, actor().district_id, clock.now())
    return render_template("department/watch_list.html", found=found, rules=watch_list,
                           waited_too_long=kindergarten_office.WAITED_TOO_LONG)
