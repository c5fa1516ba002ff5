"""What did not run or was not delivered (the page of ``flask jobs status`` and ``flask
notifications failed``): background jobs when Redis is configured, the daily jobs, and the messages
that failed for good, each with a re-send."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...services import clock, daily, operations, tasks
from ...services.errors import DomainError
from ...web.account_forms import ButtonForm
from . import bp
from .access import actor


@bp.get("/failures")
def list_failures():
    return _page()


@bp.post("/failures/messages/<int:notification_id>/resend")
def resend_message(notification_id: int):
    if ButtonForm().validate_on_submit():
        try:
            operations.resend(db.session, actor(), notification_id, clock.now())
        except DomainError as error:
            db.session.rollback()
            return _page(error.http_status, problem=str(error))
        tasks.commit(db.session)  # delivery starts after the commit
        flash(_("The message is being sent again."))
    return redirect(url_for("admin.list_failures"), 303)


def _page(status: int = 200, problem: str | None = None):
    now, app = clock.now(), current_app._get_current_object()
    counts, overdue = operations.outbox_counts(db.session, actor(), now)
    return render_template(
        "admin/failures.html", queue=operations.queue_state(app, actor()),
        daily_jobs=operations.daily_states(db.session, actor(), now, daily.Schedule.from_config(app.config)),
        counts=counts, overdue=overdue, messages=operations.failed_messages(db.session, actor()),
        button_form=ButtonForm(), problem=problem,
    ), status
