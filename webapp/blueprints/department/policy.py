"""The district's policy (DESIGN §6a): the numbers of the rules with what each means, the form that
changes them (the service checks the ranges and records the change), and the history of changes."""
from dataclasses import asdict

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from ...extensions import db
from ...models import District
from ...services import clock, policy, tasks
from ...services.errors import InvalidInput
from . import bp
from .access import actor


def _number_field(name: str) -> IntegerField:
    low, high = policy.RANGES[name]
    message = _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
    return IntegerField(policy.LABELS[name], validators=[InputRequired(message), NumberRange(low, high, message)])


class PolicyForm(FlaskForm):
    """One number field per rule, named as the district's columns; the ranges are the service's."""

    priority_ratio = _number_field("priority_ratio")
    respond_working_days = _number_field("respond_working_days")
    contract_working_days = _number_field("contract_working_days")
    stop_list_working_days = _number_field("stop_list_working_days")
    max_age = _number_field("max_age")
    max_preferences = _number_field("max_preferences")
    extension_days = _number_field("extension_days")
    reason = StringField(_l("Reason for the change (optional, public)"),
                         validators=[Length(max=500, message=_l("At most 500 characters."))])

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in policy.NAMES}


@bp.route("/policy", methods=["GET", "POST"])
def edit_policy():
    who = actor()
    district = db.session.get(District, who.district_id)
    form = PolicyForm(data=asdict(policy.of(district)) if request.method == "GET" else None)
    problem = None
    if form.validate_on_submit():
        try:
            changed = policy.update(db.session, district.id, who, clock.now(), reason=form.reason.data or "",
                                    **form.values())
        except InvalidInput as error:
            db.session.rollback()
            problem = str(error)
        else:
            tasks.commit(db.session)  # a new ratio redistributes the segments with places on offer
            flash(_("The policy is saved.") if changed else _("Nothing changed: the values are the same."))
            return redirect(url_for("department.edit_policy"), 303)
    failed = bool(form.errors or problem)
    return render_template("department/policy.html", form=form, problem=problem, names=policy.NAMES,
                           explanations=policy.EXPLANATIONS, ranges=policy.RANGES, labels=policy.LABELS,
                           history=policy.history(db.session, who.district_id)), 422 if failed else 200
