"""The department's places: localities, kindergartens and their groups. Each view loads through
services.kindergartens (scoped to the operator's district: another district's id is 404), validates
the form, calls one service, commits once and redirects (303). An invalid form comes back with 422
and nothing changed; a deactivation that would strand someone is refused (409) with the reason."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ...extensions import db
from ...services import clock, groups, tasks
from ...services import kindergartens as places
from ...services.errors import DomainError, InvalidInput
from ...web.languages import current as language
from ..staff.forms import EmptyForm, GroupForm
from . import bp
from .access import actor
from .places_forms import KindergartenForm, LocalityForm, kindergarten_data


# --- kindergartens ---------------------------------------------------------------------------------

@bp.get("/kindergartens")
def list_kindergartens():
    return render_template("department/kindergartens.html",
                           localities=places.kindergartens_by_locality(db.session, actor()))


@bp.route("/kindergartens/new", methods=["GET", "POST"])
def create_kindergarten():
    form = _kindergarten_form()
    if form.validate_on_submit():
        saved = _save(lambda: places.create_kindergarten(db.session, actor(), form.values(), clock.now()),
                      form.name_kk, _("The kindergarten is created. Add its groups."),
                      lambda created: url_for("department.show_kindergarten", kindergarten_id=created.id))
        if saved is not None:
            return saved
    return _kindergarten_form_page(form, None)


@bp.get("/kindergartens/<int:kindergarten_id>")
def show_kindergarten(kindergarten_id: int):
    found = places.kindergarten(db.session, actor(), kindergarten_id)
    return render_template("department/kindergarten.html", kindergarten=found)


@bp.route("/kindergartens/<int:kindergarten_id>/edit", methods=["GET", "POST"])
def edit_kindergarten(kindergarten_id: int):
    found = places.kindergarten(db.session, actor(), kindergarten_id)
    form = _kindergarten_form(data=kindergarten_data(found))
    if form.validate_on_submit():
        saved = _save(lambda: places.update_kindergarten(db.session, actor(), found.id, form.values(),
                                                         clock.now()),
                      form.name_kk, _("The kindergarten is saved."),
                      lambda _updated: url_for("department.show_kindergarten", kindergarten_id=found.id))
        if saved is not None:
            return saved
        found = places.kindergarten(db.session, actor(), kindergarten_id)
    return _kindergarten_form_page(form, found)


@bp.post("/kindergartens/<int:kindergarten_id>/deactivate")
def deactivate_kindergarten(kindergarten_id: int):
    return _switch(places.set_kindergarten_active, kindergarten_id, False, _("The kindergarten is deactivated."),
                   url_for("department.show_kindergarten", kindergarten_id=kindergarten_id))


@bp.post("/kindergartens/<int:kindergarten_id>/reactivate")
def reactivate_kindergarten(kindergarten_id: int):
    return _switch(places.set_kindergarten_active, kindergarten_id, True, _("The kindergarten is active again."),
                   url_for("department.show_kindergarten", kindergarten_id=kindergarten_id))


def _kindergarten_form(**kwargs) -> KindergartenForm:
    form = KindergartenForm(**kwargs)
    form.locality_id.choices = [SelectChoice(0, _("Choose…"))] + [
        SelectChoice(place.id, place.name_in(language()))
        for place in places.localities(db.session, actor()) if place.active]
    return form


def _kindergarten_form_page(form, found):
    return render_template("department/kindergarten_form.html", form=form, kindergarten=found), \
        422 if form.errors else 200


# --- groups ----------------------------------------------------------------------------------------

@bp.route("/kindergartens/<int:kindergarten_id>/groups/new", methods=["GET", "POST"])
def create_group(kindergarten_id: int):
    found = places.kindergarten(db.session, actor(), kindergarten_id)
    form = GroupForm()
    if form.validate_on_submit():
        saved = _save(lambda: groups.create(db.session, found.id, form.name.data, form.birth_year.data,
                                            form.language.data, form.capacity.data, actor(), clock.now()),
                      form.name, _("The group is created."),
                      lambda _created: url_for("department.show_kindergarten", kindergarten_id=found.id))
        if saved is not None:
            return saved
        found = places.kindergarten(db.session, actor(), kindergarten_id)
    return _group_form_page(form, found, None)


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def edit_group(group_id: int):
    found = places.group(db.session, actor(), group_id)
    form = GroupForm(obj=found)
    if form.validate_on_submit():
        saved = _save(lambda: groups.update(db.session, found.id, form.name.data, form.birth_year.data,
                                            form.language.data, form.capacity.data, actor(), clock.now()),
                      form.capacity, _("The group is saved."),
                      lambda _updated: url_for("department.show_kindergarten",
                                               kindergarten_id=found.kindergarten_id))
        if saved is not None:
            return saved
        found = places.group(db.session, actor(), group_id)
    return _group_form_page(form, found.kindergarten, found)


@bp.post("/groups/<int:group_id>/deactivate")
def deactivate_group(group_id: int):
    return _switch(places.set_group_active, group_id, False, _("The group is deactivated."),
                   url_for("department.edit_group", group_id=group_id))


@bp.post("/groups/<int:group_id>/reactivate")
def reactivate_group(group_id: int):
    return _switch(places.set_group_active, group_id, True, _("The group is active again."),
                   url_for("department.edit_group", group_id=group_id))


def _group_form_page(form, kindergarten, group):
    return render_template("department/group_form.html", form=form, kindergarten=kindergarten,
                           group=group), 422 if form.errors else 200


# --- localities ------------------------------------------------------------------------------------

@bp.get("/localities")
def list_localities():
    return render_template("department/localities.html", localities=places.localities(db.session, actor()))


@bp.route("/localities/new", methods=["GET", "POST"])
def create_locality():
    form = LocalityForm()
    if form.validate_on_submit():
        saved = _save(lambda: places.create_locality(db.session, actor(), form.data, clock.now()),
                      form.name_kk, _("The locality is created."),
                      lambda _created: url_for("department.list_localities"))
        if saved is not None:
            return saved
    return _locality_form_page(form, None)


@bp.route("/localities/<int:locality_id>", methods=["GET", "POST"])
def edit_locality(locality_id: int):
    found = places.locality(db.session, actor(), locality_id)
    form = LocalityForm(obj=found)
    if form.validate_on_submit():
        saved = _save(lambda: places.update_locality(db.session, actor(), found.id, form.data, clock.now()),
                      form.name_kk, _("The locality is saved."),
                      lambda _updated: url_for("department.list_localities"))
        if saved is not None:
            return saved
        found = places.locality(db.session, actor(), locality_id)
    return _locality_form_page(form, found)


@bp.post("/localities/<int:locality_id>/deactivate")
def deactivate_locality(locality_id: int):
    return _switch(places.set_locality_active, locality_id, False, _("The locality is deactivated."),
                   url_for("department.list_localities"))


@bp.post("/localities/<int:locality_id>/reactivate")
def reactivate_locality(locality_id: int):
    return _switch(places.set_locality_active, locality_id, True, _("The locality is active again."),
                   url_for("department.list_localities"))


def _locality_form_page(form, found):
    return render_template("department/locality_form.html", form=form, locality=found), \
        422 if form.errors else 200


# --- helpers ---------------------------------------------------------------------------------------

def _save(act, field, done: str, back):
    """Create or save from a valid form: ``act()`` calls the service. Its refusal (InvalidInput)
    changes nothing and lands on ``field``, and the caller re-renders the form (None); otherwise one
    commit, the ``done`` message and a 303 to ``back(what act returned)``."""
    try:
        result = act()
    except InvalidInput as error:
        db.session.rollback()
        field.errors.append(str(error))
        return None
    tasks.commit(db.session)
    flash(done)
    return redirect(back(result), 303)


def _switch(service, object_id: int, active: bool, done: str, back: str):
    """Deactivate or reactivate: a button with only the CSRF token. A refusal changes nothing and
    says why (409); a second click finds it already done and changes nothing either."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return refused(_("The form has expired. Open the page again and repeat."), back, 400)
    try:
        service(db.session, actor(), object_id, active, clock.now())
    except DomainError as error:
        db.session.rollback()
        if error.http_status == 404:
            raise
        return refused(str(error), back, 409)
    tasks.commit(db.session)
    flash(done)
    return redirect(back, 303)


def refused(message: str, back: str, status: int):
    return render_template("errors/refused.html", layout="department/_layout.html", message=message,
                           back=back), status
