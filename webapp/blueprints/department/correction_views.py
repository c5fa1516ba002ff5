"""Manual correction of an application: its state, the corrections the department may apply from it
(services.corrections, only through the transitions of DESIGN §5) and a mandatory public reason."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...services import application_status, clock, corrections, queue, tasks
from ...services.errors import DomainError, InvalidInput
from . import bp
from .access import actor
from .claim_views import refused
from .review_forms import CorrectionForm

KINDS = [(kind, label) for kind, (_states, label) in corrections.CORRECTIONS.items()]


@bp.route("/applications/<int:application_id>/correct", methods=["GET", "POST"])
def correct_application(application_id: int):
    application = corrections.application_of(db.session, actor().district_id, application_id)
    form = CorrectionForm(KINDS)
    if not form.is_submitted():
        return _page(application, form)
    if not form.validate():
        return _page(application, form, 422)
    here = url_for("department.correct_application", application_id=application.id)
    try:
        corrections.apply(db.session, application.id, form.kind.data, actor(), clock.now(), form.reason.data)
    except InvalidInput as error:
        db.session.rollback()
        form.reason.errors = list(form.reason.errors) + [str(error)]
        return _page(corrections.application_of(db.session, actor().district_id, application_id), form, 422)
    except DomainError as error:
        db.session.rollback()
        return refused(error, here)
    tasks.commit(db.session)
    flash(_("The correction is recorded; the application's public history shows it with the reason."))
    return redirect(here, 303)


def _page(application, form, status: int = 200):
    explanation = queue.explain(db.session, application) if application.waiting else None
    return render_template(
        "department/correction.html", application=application, form=form,
        available=corrections.available(application), labels=dict(KINDS),
        position=explanation.position if explanation else None,
        history=application_status.history(db.session, application.number)), status
