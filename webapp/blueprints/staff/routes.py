"""Routes of the office: load through the read service (which scopes to the account's kindergarten),
validate the form, call one transition service, commit once, redirect (303). An invalid form is shown
again (422); a step the current state no longer allows (a double click, a stale page) changes nothing
and the page says why (409)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...services import bulletins, clock, groups, kindergarten_office as office, referrals, tasks
from ...services.errors import DomainError, InvalidInput, NotFound
from ...web.rendering import page_or_partial
from . import bp
from .access import actor
from .forms import BulletinForm, EmptyForm, ExtendForm, GroupForm, NoShowForm, RejectForm, WithdrawForm


# --- reading ------------------------------------------------------------------------------------

@bp.get("")
def show_dashboard():
    now = clock.now()
    kindergarten = office.kindergarten_of(db.session, actor())
    return render_template(
        "staff/dashboard.html", kindergarten=kindergarten,
        groups=office.group_places(db.session, kindergarten.id),
        bulletins=office.open_bulletins(db.session, kindergarten.id),
        responses=office.waiting_responses(db.session, kindergarten, now),
        referrals=office.waiting_referrals(db.session, kindergarten, now),
        arrivals=office.expected_arrivals(db.session, kindergarten, now),
        waited_too_long=office.WAITED_TOO_LONG,
    )


@bp.get("/arrivals")
def print_arrivals():
    now = clock.now()
    kindergarten = office.kindergarten_of(db.session, actor())
    return render_template("staff/arrivals.html", kindergarten=kindergarten, now=now,
                           arrivals=office.expected_arrivals(db.session, kindergarten, now))


@bp.get("/applications/<int:application_id>")
def show_application(application_id: int):
    return _application_page(application_id)


@bp.get("/applications/<int:application_id>/referral")
def print_referral(application_id: int):
    card = office.application_card(db.session, actor(), application_id, clock.now())
    if card["referral"] is None:
        raise NotFound()
    return render_template("staff/referral.html", **card, qr=_qr(card["referral"].token))


# --- responses and referrals ----------------------------------------------------------------------

@bp.post("/applications/<int:application_id>/activate")
def activate_response(application_id: int):
    return _act_on_application(application_id, EmptyForm(), lambda form, who, now: referrals.activate(
        db.session, application_id, who, now), _("The referral is issued and the parent has been told."))


@bp.post("/applications/<int:application_id>/reject")
def reject_response(application_id: int):
    return _act_on_application(application_id, RejectForm(), lambda form, who, now: referrals.reject(
        db.session, application_id, who, now, form.public_reason(), note=form.note.data or ""),
        _("The response is rejected; the child is back in the queue with the original date."), "reject_form")


@bp.post("/applications/<int:application_id>/enrol")
def enrol_child(application_id: int):
    return _act_on_application(application_id, EmptyForm(), lambda form, who, now: referrals.enrol(
        db.session, application_id, who, now), _("The contract is recorded: the child is enrolled."))


@bp.post("/applications/<int:application_id>/no-show")
def record_no_show(application_id: int):
    return _act_on_application(application_id, NoShowForm(), lambda form, who, now: referrals.record_no_show(
        db.session, application_id, who, now, form.public_reason(), note=form.note.data or ""),
        _("The no-show is recorded; the place goes to the next child."), "no_show_form")


@bp.post("/applications/<int:application_id>/extend")
def extend_referral(application_id: int):
    return _act_on_application(application_id, ExtendForm(), lambda form, who, now: referrals.extend(
        db.session, application_id, who, now, form.until.data, form.public_reason(), note=form.note.data or ""),
        _("The referral is extended and the parent has been told."), "extend_form")


def _act_on_application(application_id: int, form, step, done: str, form_name: str | None = None):
    office.application_seat(db.session, actor(), application_id)  # 404 unless it is ours
    if not form.validate_on_submit():
        return _application_page(application_id, status=422, **({form_name: form} if form_name else {}))
    try:
        step(form, actor(), clock.now())
    except InvalidInput as error:
        db.session.rollback()
        if form_name is None:
            return _refused(error, url_for("staff.show_application", application_id=application_id))
        form.errors.setdefault("form", []).append(str(error))
        return _application_page(application_id, status=422, problem=str(error), **{form_name: form})
    except DomainError as error:
        db.session.rollback()
        return _refused(error, url_for("staff.show_application", application_id=application_id))
    tasks.commit(db.session)
    flash(done)
    return redirect(url_for("staff.show_application", application_id=application_id), 303)


def _application_page(application_id: int, status: int = 200, problem: str | None = None, **forms):
    card = office.application_card(db.session, actor(), application_id, clock.now())
    forms.setdefault("reject_form", RejectForm(formdata=None))
    forms.setdefault("no_show_form", NoShowForm(formdata=None))
    forms.setdefault("extend_form", ExtendForm(formdata=None))
    return render_template("staff/application.html", **card, **forms, button_form=EmptyForm(),
                           problem=problem), status


# --- groups -------------------------------------------------------------------------------------

@bp.route("/groups/new", methods=["GET", "POST"])
def create_group():
    form = GroupForm()
    kindergarten = office.kindergarten_of(db.session, actor())
    if form.validate_on_submit():
        try:
            group = groups.create(db.session, kindergarten.id, form.name.data, form.birth_year.data,
                                  form.language.data, form.capacity.data, actor(), clock.now())
        except InvalidInput as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            tasks.commit(db.session)
            flash(_("The group is created."))
            return redirect(url_for("staff.edit_group", group_id=group.id), 303)
    return render_template("staff/group.html", form=form, group=None, places=None), 422 if form.errors else 200


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def edit_group(group_id: int):
    group = office.group(db.session, actor(), group_id)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            groups.update(db.session, group.id, form.name.data, form.birth_year.data, form.language.data,
                          form.capacity.data, actor(), clock.now())
        except InvalidInput as error:
            db.session.rollback()
            form.capacity.errors.append(str(error))
        else:
            tasks.commit(db.session)
            flash(_("The group is saved."))
            return redirect(url_for("staff.edit_group", group_id=group.id), 303)
        group = office.group(db.session, actor(), group_id)
    return render_template("staff/group.html", form=form, group=group, places=office.places_of(db.session, group),
                           bulletins=_group_bulletins(group)), 422 if form.errors else 200


def _group_bulletins(group):
    return [b for b in office.recent_bulletins(db.session, group.kindergarten_id) if b.group_id == group.id]


# --- bulletins ----------------------------------------------------------------------------------

@bp.route("/groups/<int:group_id>/bulletins/new", methods=["GET", "POST"])
def create_bulletin(group_id: int):
    group = office.group(db.session, actor(), group_id)
    form = BulletinForm()
    if form.validate_on_submit():
        try:
            bulletin = bulletins.announce(db.session, group.id, form.places.data, actor(), clock.now())
        except InvalidInput as error:
            db.session.rollback()
            form.places.errors.append(str(error))
        except DomainError as error:
            db.session.rollback()
            return _refused(error, url_for("staff.edit_group", group_id=group_id))
        else:
            tasks.commit(db.session)  # distribution runs after the commit (a job)
            flash(_("The bulletin is published; the queue is being distributed."))
            return redirect(url_for("staff.show_bulletin", bulletin_id=bulletin.id), 303)
        group = office.group(db.session, actor(), group_id)
    return render_template("staff/new_bulletin.html", form=form, group=group,
                           places=office.places_of(db.session, group),
                           available=office.can_announce(db.session, group)), 422 if form.errors else 200


@bp.get("/bulletins/<int:bulletin_id>")
def show_bulletin(bulletin_id: int):
    return _bulletin_page(bulletin_id)


@bp.post("/bulletins/<int:bulletin_id>/withdraw")
def withdraw_places(bulletin_id: int):
    office.bulletin(db.session, actor(), bulletin_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _bulletin_page(bulletin_id, form, 422)
    try:
        bulletins.withdraw_places(db.session, bulletin_id, form.places.data, actor(), clock.now(),
                                  form.reason.data)
    except InvalidInput as error:
        db.session.rollback()
        form.places.errors.append(str(error))
        return _bulletin_page(bulletin_id, form, 422)
    except DomainError as error:
        db.session.rollback()
        return _refused(error, url_for("staff.show_bulletin", bulletin_id=bulletin_id))
    tasks.commit(db.session)
    flash(_("The places are withdrawn."))
    return redirect(url_for("staff.show_bulletin", bulletin_id=bulletin_id), 303)


def _bulletin_page(bulletin_id: int, form=None, status: int = 200):
    found = office.bulletin(db.session, actor(), bulletin_id)
    seats = office.bulletin_seats(db.session, found.id)
    return page_or_partial("staff/bulletin.html", "staff/_seats.html", status, bulletin=found, seats=seats,
                           waiting_for_distribution=office.distribution_pending(found, seats, clock.now()),
                           form=form or WithdrawForm(formdata=None))


# --- helpers ------------------------------------------------------------------------------------

def _refused(error: DomainError, back: str):
    """Nothing changed: say why, and lead back to the page as it is now."""
    status = 409 if error.http_status in (404, 409) else error.http_status
    message = str(error) if error.http_status != 404 else _(
        "This response or referral is no longer open. Its current state is on its page.")
    return render_template("errors/refused.html", layout="staff/_layout.html", message=message,
                           back=back), status


def _qr(token: str) -> str:
    import segno

    target = url_for("public.verify_referral", token=token, _external=True)
    return segno.make(target, error="m").svg_data_uri(scale=4)
