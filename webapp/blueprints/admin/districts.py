"""Districts and their department accounts. A district is created with its code, names, time zone and
the department's email; its department operators are created here (the person sets their own
password with an SMS code), blocked, unblocked or sent a new password code."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...services import clock, districts, office_accounts, tasks
from ...services.districts import KAZAKH_ZONES
from ...services.errors import DomainError
from ...web.account_forms import AccountForm, ButtonForm
from ...web.languages import current as current_language
from . import bp
from .access import actor
from .forms import DistrictForm

ACTIONS = {"block": "admin.block_account", "unblock": "admin.unblock_account",
           "reset": "admin.send_password_code"}


@bp.get("/districts")
def list_districts():
    return _list_page(DistrictForm(formdata=None))


@bp.post("/districts")
def create_district():
    form = DistrictForm()
    if form.validate_on_submit():
        try:
            district = districts.create(db.session, actor(), clock.now(), **form.values())
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
        else:
            tasks.commit(db.session)
            flash(_("The district is created. Add its department's accounts below."))
            return redirect(url_for("admin.edit_district", district_id=district.id), 303)
    return _list_page(form, 422)


@bp.route("/districts/<int:district_id>", methods=["GET", "POST"])
def edit_district(district_id: int):
    district = districts.get(db.session, actor(), district_id)
    form = DistrictForm(obj=district)
    status = 200
    if form.validate_on_submit():
        try:
            districts.update(db.session, actor(), district.id, clock.now(), **form.values())
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
            status = error.http_status
        else:
            tasks.commit(db.session)
            flash(_("The district is saved."))
            return redirect(url_for("admin.edit_district", district_id=district.id), 303)
    elif form.errors:
        status = 422
    return _district_page(district_id, form, _account_form(), status)


@bp.post("/districts/<int:district_id>/accounts")
def create_department_account(district_id: int):
    districts.get(db.session, actor(), district_id)
    form = AccountForm()
    if form.validate_on_submit():
        try:
            account = office_accounts.create_department(db.session, actor(), district_id, form.phone.data,
                                                        form.full_name.data, clock.now(), language=form.language.data)
        except DomainError as error:
            db.session.rollback()
            form.phone.errors.append(str(error))
            return _district_page(district_id, None, form, error.http_status)
        tasks.commit(db.session)
        flash(_("The account of %(name)s is created. A code to set the password was sent by SMS.",
                name=account.full_name))
        return redirect(url_for("admin.edit_district", district_id=district_id), 303)
    return _district_page(district_id, None, form, 422)


@bp.post("/accounts/<int:account_id>/block")
def block_account(account_id: int):
    return _act(account_id, office_accounts.block, _("The account is blocked: it can no longer log in."),
                _("The account was already blocked."))


@bp.post("/accounts/<int:account_id>/unblock")
def unblock_account(account_id: int):
    return _act(account_id, office_accounts.unblock, _("The account is unblocked."),
                _("The account was already active."))


@bp.post("/accounts/<int:account_id>/password-code")
def send_password_code(account_id: int):
    return _act(account_id, office_accounts.send_password_code,
                _("A code to set a new password was sent by SMS."), None)


def _act(account_id: int, step, done: str, unchanged: str | None):
    account = office_accounts.load(db.session, actor(), account_id)
    district_id = account.district_id
    back = url_for("admin.edit_district", district_id=district_id)
    if not ButtonForm().validate_on_submit():
        return redirect(back, 303)
    try:
        changed = step(db.session, actor(), account.id, clock.now())
    except DomainError as error:
        db.session.rollback()
        return _district_page(district_id, None, _account_form(), error.http_status, problem=str(error))
    tasks.commit(db.session)
    flash(done if changed or unchanged is None else unchanged)
    return redirect(back, 303)


def _account_form() -> AccountForm:
    language = current_language()
    return AccountForm(formdata=None, language=language if language in ("kk", "ru") else "ru")


def _list_page(form, status: int = 200):
    return render_template("admin/districts.html", districts=districts.listing(db.session, actor()), form=form,
                           zones=KAZAKH_ZONES), status


def _district_page(district_id: int, form, account_form, status: int = 200, problem: str | None = None):
    district, accounts = office_accounts.department_of(db.session, actor(), district_id)
    form = form or DistrictForm(formdata=None, obj=district)
    return render_template("admin/district.html", district=district, form=form, account_form=account_form,
                           accounts=accounts, button_form=ButtonForm(), actions=ACTIONS, problem=problem,
                           zones=KAZAKH_ZONES, me=actor().user_id), status
