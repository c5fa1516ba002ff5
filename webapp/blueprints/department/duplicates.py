"""Children registered by two accounts: the district's open disputes with both accounts and the
child's applications, and the department's decision (keep the child with the current account, or
move it with its applications to the claimant's), always with a reason. Scoped by
services.disputes: another district's dispute is 404."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ...extensions import db
from ...services import clock, disputes, tasks
from ...services.errors import DomainError, InvalidInput
from . import bp
from .access import actor


class DecisionForm(FlaskForm):
    resolution = RadioField(_l("Decision"), choices=[
        SelectChoice("kept", _l("Keep the child with the current account")),
        SelectChoice("moved", _l("Move the child and its applications to the account that asked"))],
        validators=[DataRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason (seen by the department only)"), validators=[
        DataRequired(_l("Give the reason for the decision.")),
        Length(max=disputes.REASON_MAX, message=_l("The reason is too long."))])


@bp.get("/duplicates")
def list_duplicates():
    return dispute_page(DEPARTMENT, {}, 200)


@bp.post("/duplicates/<int:dispute_id>")
def resolve_duplicate(dispute_id: int):
    return decide(DEPARTMENT, dispute_id)


# The same pages serve the administration, for the disputes no district could be found for.
DEPARTMENT = {"blueprint": "department", "layout": "department/_layout.html"}


def decide(office: dict, dispute_id: int):
    back = url_for(f"{office['blueprint']}.list_duplicates")
    form = DecisionForm()
    try:
        disputes.open_in_district(db.session, actor(), dispute_id)  # 404 for someone else's
    except DomainError as error:
        if error.http_status == 404:
            raise
        return _refused(office, str(error), back)
    if form.validate_on_submit():
        try:
            decided = disputes.resolve(db.session, actor(), dispute_id, form.resolution.data, form.reason.data,
                                       clock.now())
        except InvalidInput as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        except DomainError as error:
            db.session.rollback()
            if error.http_status == 404:
                raise
            return _refused(office, str(error), back)
        else:
            tasks.commit(db.session)
            flash(_("The child has been moved to the account that asked. Both accounts have been told.")
                  if decided.resolution == "moved" else
                  _("The child stays with the current account. Both accounts have been told."))
            return redirect(back, 303)
    return dispute_page(office, {dispute_id: form}, 422)


def _refused(office: dict, message: str, back: str):
    return render_template("errors/refused.html", layout=office["layout"], message=message, back=back), 409


def dispute_page(office: dict, forms: dict, status: int):
    cards = disputes.open_disputes(db.session, actor())
    for card in cards:
        dispute_id = card["dispute"].id
        card["form"] = forms.get(dispute_id) or DecisionForm(formdata=None)
    return render_template("department/duplicates.html", cards=cards, mask_phone=disputes.mask_phone,
                           layout=office["layout"], resolve_endpoint=f"{office['blueprint']}.resolve_duplicate"
                           ), status
