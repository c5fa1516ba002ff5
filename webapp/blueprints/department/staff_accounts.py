"""The staff accounts of a kindergarten of the district: create one (the person gets an SMS code and
sets their own password), block or unblock it, send a new password code. The kindergarten pages link
here; a kindergarten of another district is 404."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...services import clock, office_accounts, tasks
from ...services.errors import DomainError
from ...web.account_forms import AccountForm, ButtonForm
from ...web.languages import current as current_language
from . import bp
from .access import actor

ACTIONS = {"block": "department.block_staff_account", "unblock": "department.unblock_staff_account",
           "reset": "department.send_staff_password_code"}


@bp.get("/kindergartens/<int:kindergarten_id>/staff")
def list_staff_accounts(kindergarten_id: int):
    return _page(kindergarten_id, _new_form())


@bp.post("/kindergartens/<int:kindergarten_id>/staff")
def create_staff_account(kindergarten_id: int):
    form = AccountForm()
    office_accounts.staff_of(db.session, actor(), kindergarten_id)  # 404 unless it is the district's
    if form.validate_on_submit():
        try:
            account = office_accounts.create_staff(db.session, actor(), kindergarten_id, form.phone.data,
                                                   form.full_name.data, clock.now(), language=form.language.data)
        except DomainError as error:
            db.session.rollback()
            form.phone.errors.append(str(error))
            return _page(kindergarten_id, form, error.http_status)
        tasks.commit(db.session)
        flash(_("The account of %(name)s is created. A code to set the password was sent by SMS.",
                name=account.full_name))
        return redirect(url_for("department.list_staff_accounts", kindergarten_id=kindergarten_id), 303)
    return _page(kindergarten_id, form, 422)


@bp.post("/staff-accounts/<int:account_id>/block")
def block_staff_account(account_id: int):
    return _act(account_id, office_accounts.block, _("The account is blocked: it can no longer log in."),
                _("The account was already blocked."))


@bp.post("/staff-accounts/<int:account_id>/unblock")
def unblock_staff_account(account_id: int):
    return _act(account_id, office_accounts.unblock, _("The account is unblocked."),
                _("The account was already active."))


@bp.post("/staff-accounts/<int:account_id>/password-code")
def send_staff_password_code(account_id: int):
    return _act(account_id, office_accounts.send_password_code,
                _("A code to set a new password was sent by SMS."), None)


def _act(account_id: int, step, done: str, unchanged: str | None):
    account = office_accounts.load(db.session, actor(), account_id)  # 404 outside the district
    back = url_for("department.list_staff_accounts", kindergarten_id=account.kindergarten_id)
    if not ButtonForm().validate_on_submit():
        return redirect(back, 303)
    try:
        changed = step(db.session, actor(), account.id, clock.now())
    except DomainError as error:
        db.session.rollback()
        return _page(account.kindergarten_id, _new_form(), error.http_status, problem=str(error))
    tasks.commit(db.session)
    flash(done if changed or unchanged is None else unchanged)
    return redirect(back, 303)


def _new_form() -> AccountForm:
    language = current_language()
    return AccountForm(formdata=None, language=language if language in ("kk", "ru") else "ru")


def _page(kindergarten_id: int, form, status: int = 200, problem: str | None = None):
    kindergarten, accounts = office_accounts.staff_of(db.session, actor(), kindergarten_id)
    return render_template("department/staff_accounts.html", kindergarten=kindergarten, accounts=accounts,
                           form=form, button_form=ButtonForm(), actions=ACTIONS, problem=problem), status
