"""Account routes: read the form, call one service, commit once, then redirect (303) or show the
form again with its errors (422). Log-in and every code entry are rate-limited per client and per
phone number (``RATELIMIT_LOGIN``); the forms that send an SMS per client as well."""
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...extensions import db, limiter
from ...services import clock, phone_codes, tasks, users
from ...services.errors import DomainError
from ...web.languages import NAMES, current as current_language
from . import bp
from .access import local_target, phone_confirmed_required
from .forms import (ChangePhoneForm, CodeForm, EmptyForm, LogInForm, ProfileForm, ResetPasswordForm,
                    ResetRequestForm, SignUpForm)

RESET_PHONE = "reset_phone"  # the session remembers whose password is being reset


@bp.app_template_filter("phone")
def show_phone(phone: str | None) -> str:
    """+77012345678 → +7 701 234 56 78, as people write it."""
    if not phone or len(phone) != 12:
        return phone or ""
    return f"{phone[:2]} {phone[2:5]} {phone[5:8]} {phone[8:10]} {phone[10:]}"


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _phone_key() -> str:
    """The phone a request is about: the form's, the one being reset, or the logged-in account's."""
    raw = request.form.get("phone") or ""
    if not raw and request.endpoint == "auth.reset_password":
        raw = session.get(RESET_PHONE) or ""
    if not raw and current_user.is_authenticated:
        raw = current_user.phone
    try:
        return "phone:" + users.normalise_phone(raw)
    except DomainError:
        return "phone:?" + raw[:20]


def _limited(view):
    """RATELIMIT_LOGIN on POSTs, counted per client address and, across the log-in and code routes
    together, per phone number (a spread-out guesser still meets the second)."""
    view = limiter.limit(_login_limit, methods=["POST"])(view)
    return limiter.shared_limit(_login_limit, scope="login-phone", key_func=_phone_key, methods=["POST"])(view)


def _start_session(user) -> None:
    """A fresh session for the account: nothing a visitor (or an attacker) put in it before survives."""
    session.clear()
    login_user(user)


def _after_log_in(user, target: str | None):
    if users.must_confirm_phone(user):
        return redirect(url_for("auth.confirm_phone", next=target), 303)
    return redirect(target or url_for("auth.show_profile"), 303)


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # each sign-up sends an SMS
def sign_up():
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = users.sign_up(db.session, form.phone.data, form.password.data, form.full_name.data,
                                 form.iin.data, clock.now(), email=form.email.data, language=current_language())
            phone_codes.issue(db.session, user, "confirm_phone", clock.now())
        except DomainError as error:
            db.session.rollback()
            form.phone.errors.append(str(error))
        else:
            tasks.commit(db.session)
            _start_session(user)
            return redirect(url_for("auth.confirm_phone"), 303)
    return render_template("auth/sign_up.html", form=form), 422 if form.errors else 200


@bp.route("/log-in", methods=["GET", "POST"])
@_limited
def log_in():
    form = LogInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = users.authenticate(db.session, form.phone.data, form.password.data)
        if user is not None:
            _start_session(user)
            return _after_log_in(user, local_target(form.next.data))
        form.password.errors.append(_("Wrong phone number or password."))
    return render_template("auth/log_in.html", form=form), 422 if form.errors else 200


@bp.post("/log-out")
def log_out():
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("public.show_home"), 303)


@bp.route("/confirm-phone", methods=["GET", "POST"])
@login_required
@_limited
def confirm_phone():
    form = CodeForm()
    target = local_target(request.values.get("next"))
    if not users.must_confirm_phone(current_user):
        return redirect(target or url_for("auth.show_profile"), 303)
    if request.method == "GET":
        form.next.data = target or ""
    if form.validate_on_submit():
        try:
            phone_codes.check(db.session, current_user, "confirm_phone", form.code.data, clock.now())
        except phone_codes.CodeRefused as error:
            tasks.commit(db.session)  # the failed try counts
            form.code.errors.append(str(error))
        else:
            users.confirm_phone(current_user)
            tasks.commit(db.session)
            flash(_("Your phone number is confirmed."))
            return redirect(target or url_for("auth.show_profile"), 303)
    return _confirm_page(form), 422 if form.errors else 200


@bp.post("/confirm-phone/resend")
@login_required
@limiter.limit(_login_limit)
def resend_code():
    form = EmptyForm()
    target = local_target(request.form.get("next"))
    if not users.must_confirm_phone(current_user):
        return redirect(target or url_for("auth.show_profile"), 303)
    if form.validate_on_submit():
        try:
            phone_codes.issue(db.session, current_user, "confirm_phone", clock.now())
        except phone_codes.TooManyCodes as error:
            db.session.rollback()
            code_form = CodeForm(formdata=None, next=target or "")
            return _confirm_page(code_form, resend_error=str(error)), 429
        tasks.commit(db.session)
        flash(_("A new code has been sent."))
    return redirect(url_for("auth.confirm_phone", next=target), 303)


def _confirm_page(form, resend_error=None):
    return render_template("auth/confirm_phone.html", form=form, resend_form=EmptyForm(),
                           resend_error=resend_error)


@bp.route("/password/forgot", methods=["GET", "POST"])
@_limited
def request_password_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = users.find_by_phone(db.session, form.phone.data)
        if user is not None and user.active:
            try:
                phone_codes.issue(db.session, user, "reset_password", clock.now())
            except phone_codes.TooManyCodes as error:
                db.session.rollback()
                form.phone.errors.append(str(error))
                return render_template("auth/request_reset.html", form=form), 429
            tasks.commit(db.session)
        # The same answer whether or not the number has an account: the page reveals nothing.
        session[RESET_PHONE] = users.normalise_phone(form.phone.data)
        return redirect(url_for("auth.reset_password"), 303)
    return render_template("auth/request_reset.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset", methods=["GET", "POST"])
@_limited
def reset_password():
    if request.method == "GET" and "phone" in request.args:
        return _reset_with_code_in_hand(request.args["phone"])
    phone = session.get(RESET_PHONE)
    if not phone:
        return redirect(url_for("auth.request_password_reset"), 303)
    form = ResetPasswordForm(account_phone=phone)
    if form.validate_on_submit():
        user = users.find_by_phone(db.session, phone)
        try:
            if user is None or not user.active:
                raise phone_codes.CodeRefused(_("There is no valid code: ask for a new one."))
            phone_codes.check(db.session, user, "reset_password", form.code.data, clock.now())
        except phone_codes.CodeRefused as error:
            tasks.commit(db.session)  # the failed try counts
            form.code.errors.append(str(error))
        else:
            users.set_password(user, form.password.data)
            users.confirm_phone(user)  # the code proved the phone is theirs
            tasks.commit(db.session)
            session.pop(RESET_PHONE, None)
            flash(_("Your password has been changed. Log in with the new one."))
            return redirect(url_for("auth.log_in"), 303)
    return render_template("auth/reset_password.html", form=form, phone=phone), 422 if form.errors else 200


def _reset_with_code_in_hand(raw_phone: str):
    """The person already holds a code (an office account made for them, or one the department or
    the administration sent): straight to the form, without sending another SMS. Like the request
    form it reveals nothing about whether the number has an account."""
    try:
        session[RESET_PHONE] = users.normalise_phone(raw_phone)
    except DomainError:
        return redirect(url_for("auth.request_password_reset"), 303)
    return redirect(url_for("auth.reset_password"), 303)


@bp.get("")
@phone_confirmed_required
def show_profile():
    return _profile_page(_profile_form(formdata=None)), 200


@bp.post("/phone")
@phone_confirmed_required
@_limited  # sends an SMS; counted per client and per new number
def request_phone_change():
    """The new number gets a code; the account keeps its phone until the code comes back."""
    phone_form = ChangePhoneForm()
    status = 422
    if phone_form.validate_on_submit():
        try:
            phone = users.check_new_phone(db.session, current_user, phone_form.phone.data)
            phone_codes.issue(db.session, current_user, "change_phone", clock.now(), phone=phone)
        except DomainError as error:
            db.session.rollback()
            phone_form.phone.errors.append(str(error))
            status = error.http_status  # 429 for too many codes
        else:
            tasks.commit(db.session)
            flash(_("We have sent a code to %(phone)s.", phone=show_phone(phone)))
            return redirect(url_for("auth.confirm_phone_change"), 303)
    return _profile_page(_profile_form(formdata=None), phone_form), status


@bp.route("/phone/confirm", methods=["GET", "POST"])
@phone_confirmed_required
@_limited
def confirm_phone_change():
    pending = phone_codes.pending(db.session, current_user, "change_phone")
    if pending is None:
        return redirect(url_for("auth.show_profile"), 303)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            row = phone_codes.check(db.session, current_user, "change_phone", form.code.data, clock.now())
        except phone_codes.CodeRefused as error:
            tasks.commit(db.session)  # the failed try counts
            form.code.errors.append(str(error))
        else:
            try:
                users.change_phone(db.session, current_user, row.phone)
            except DomainError as error:  # taken by another account since the code was sent
                db.session.rollback()
                form.code.errors.append(str(error))
            else:
                tasks.commit(db.session)
                flash(_("Your mobile phone is now %(phone)s.", phone=show_phone(current_user.phone)))
                return redirect(url_for("auth.show_profile"), 303)
    return _change_page(form, pending.phone), 422 if form.errors else 200


@bp.post("/phone/resend")
@phone_confirmed_required
@limiter.limit(_login_limit)
def resend_phone_change_code():
    pending = phone_codes.pending(db.session, current_user, "change_phone")
    if pending is None:
        return redirect(url_for("auth.show_profile"), 303)
    if EmptyForm().validate_on_submit():
        phone = pending.phone
        try:
            phone_codes.issue(db.session, current_user, "change_phone", clock.now(), phone=phone)
        except phone_codes.TooManyCodes as error:
            db.session.rollback()
            return _change_page(CodeForm(formdata=None), phone, resend_error=str(error)), 429
        tasks.commit(db.session)
        flash(_("A new code has been sent."))
    return redirect(url_for("auth.confirm_phone_change"), 303)


def _change_page(form, phone: str, resend_error=None):
    return render_template("auth/change_phone.html", form=form, resend_form=EmptyForm(), phone=phone,
                           resend_error=resend_error)


@bp.post("")
@phone_confirmed_required
def update_profile():
    form = _profile_form()
    if form.validate_on_submit():
        channels = [name for name in users.CHANNELS if getattr(form, f"notify_{name}").data]
        try:
            users.update_profile(current_user, form.language.data, form.email.data, channels,
                                 current_app.config["LANGUAGES"])
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            tasks.commit(db.session)
            flash(_("Your settings are saved."))
            # ?lang= makes the new language the page's language at once (and remembers it).
            return redirect(url_for("auth.show_profile", lang=current_user.language), 303)
    return _profile_page(form), 422


def _profile_form(formdata=...):
    kwargs = {} if formdata is ... else {"formdata": formdata}
    user = current_user
    form = ProfileForm(**kwargs, language=user.language, email=user.email or "",
                       notify_sms=user.notify_sms, notify_email=user.notify_email)
    form.language.choices = [(code, NAMES[code]) for code in current_app.config["LANGUAGES"]]
    return form


def _profile_page(form, phone_form=None):
    pending = phone_codes.pending(db.session, current_user, "change_phone")
    return render_template("auth/profile.html", form=form, user=current_user,
                           phone_form=phone_form or ChangePhoneForm(formdata=None),
                           pending_phone=pending.phone if pending else None)
