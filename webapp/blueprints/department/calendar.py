"""The district's calendar (DESIGN §7): the year's days as the deadlines count them, the
department's overrides after a decree, a form to add one and a button to remove one."""
from babel.dates import get_day_names
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ...extensions import db
from ...services import calendar_overrides as overrides
from ...services import clock, tasks
from ...services.calendar import local_date
from ...services.errors import InvalidInput
from ...models import District
from ...web.languages import current as current_language
from . import bp
from .access import actor

STATES = {
    "working": _l("Working day"),
    "weekend": _l("Weekend"),
    "holiday": _l("Public holiday"),
    "decreed_working": _l("Weekend made working by a decree"),
}


DAY_FORMAT = _l("Enter the day, such as 2027-01-03.")


class DayField(DateField):
    """A date with the office's own words when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(DAY_FORMAT)) from None


class OverrideForm(FlaskForm):
    day = DayField(_l("Day"), validators=[InputRequired(DAY_FORMAT)])
    working = RadioField(_l("The day is"), choices=[SelectChoice("working", _l("a working day")),
                                                      SelectChoice("day_off", _l("a day off"))],
                         validators=[DataRequired(_l("Choose: a working day or a day off."))])
    note = StringField(_l("Reason (the decree's number and date; public)"), validators=[
        DataRequired(_l("Give the reason for the override, such as the decree's number and date.")),
        Length(max=overrides.NOTE_LENGTH, message=_l("At most 300 characters."))])


class RemoveForm(FlaskForm):
    """The remove button: a POST with nothing but the CSRF token."""


@bp.get("/calendar")
def show_calendar():
    return _calendar_page(OverrideForm(formdata=None))


@bp.post("/calendar/overrides")
def add_override():
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            override = overrides.add(db.session, actor().district_id, actor(), clock.now(), form.day.data,
                                     form.working.data == "working", form.note.data)
        except InvalidInput as error:
            db.session.rollback()
            form.day.errors = list(form.day.errors) + [str(error)]
        else:
            tasks.commit(db.session)
            flash(_("The override is saved: deadlines set from now on count this day accordingly."))
            return redirect(url_for("department.show_calendar", year=override.day.year), 303)
    year = form.day.data.year if form.day.data and overrides.FIRST_YEAR <= form.day.data.year <= overrides.LAST_YEAR \
        else None
    return _calendar_page(form, year, 422)


@bp.post("/calendar/overrides/<int:override_id>/remove")
def remove_override(override_id: int):
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    removed = overrides.remove(db.session, actor().district_id, override_id, actor(), clock.now())
    tasks.commit(db.session)
    flash(_("The override is removed.") if removed else _("This override had already been removed."))
    return redirect(url_for("department.show_calendar", year=request.form.get("year", type=int)), 303)


def _calendar_page(form, year: int | None = None, status: int = 200):
    who = actor()
    district = db.session.get(District, who.district_id)
    year = year or request.args.get("year", type=int) or local_date(district, clock.now()).year
    if not overrides.FIRST_YEAR <= year <= overrides.LAST_YEAR:
        abort(404)
    weekdays = get_day_names("abbreviated", context="stand-alone", locale=get_locale())
    return render_template(
        "department/calendar.html", year=year, form=form, remove_form=RemoveForm(formdata=None), states=STATES,
        months=overrides.year_view(db.session, who.district_id, year, current_language()),
        overrides_of_year=overrides.of_year(db.session, who.district_id, year), weekdays=[weekdays[i] for i in range(7)],
    ), status
