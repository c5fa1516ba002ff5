"""Cabinet routes: load the parent's own object (or 404), read the form, call one service, commit
once, redirect (303); a form with errors comes back with 422. A step that is no longer possible (a
double click, a second tab) changes nothing and says why on the application's page."""
from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...extensions import db
from ...services import (applications, cabinet, calendar, children, clock, documents, iin, invitations, policy,
                         referral_pdf, referrals, tasks)
from ...services.actors import Actor
from ...services.errors import DomainError, InvalidInput, NoFreeSeat, NotFound
from ...web.documents import folder as document_folder
from ...web.documents import send as sent_document
from ...web.labels import TEACHING_LANGUAGES
from ...web.languages import current as language
from ..auth.access import phone_confirmed_required
from . import bp
from .forms import ApplicationForm, ChildForm, ChildNamesForm, ConfirmInterestForm, EmptyForm, ReasonForm


def parent_required(view):
    """Logged in (else to log in), phone confirmed (else to confirm it), and a parent."""

    @wraps(view)
    @phone_confirmed_required
    def wrapped(*args, **kwargs):
        if current_user.role != "parent":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _actor() -> Actor:
    return Actor.of(current_user)


def _application(application_id: int):
    return cabinet.own_application(db.session, current_user.id, application_id)


def _to_application(application_id: int):
    return redirect(url_for("cabinet.show_application", application_id=application_id), 303)


def _act(application_id: int, action, done_message: str):
    """Run one transition for the parent; a step no longer possible is explained, never half-done."""
    try:
        action()
    except NotFound:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(str(error))
    else:
        tasks.commit(db.session)
        flash(done_message)
    return _to_application(application_id)


CLAIM_STATES = {"pending": _l("waiting for the department's check"), "verified": _l("verified"),
                "rejected": _l("rejected")}


@bp.context_processor
def _claim_states():
    return {"CLAIM_STATES": CLAIM_STATES}


@bp.app_context_processor
def _unread():
    """The header's unread count, for a logged-in parent only."""
    def unread_messages() -> int:
        if getattr(current_user, "is_authenticated", False) and current_user.role == "parent":
            return cabinet.unread_count(db.session, current_user.id)
        return 0
    return {"unread_messages": unread_messages}


# --- overview and children ----------------------------------------------------------------------------

@bp.get("/")
@parent_required
def show_cabinet():
    return render_template("cabinet/home.html", children=cabinet.children_of(db.session, current_user.id),
                           open_applications=cabinet.open_application_ids(db.session, current_user.id),
                           cards=cabinet.applications_of(db.session, current_user.id, clock.now()))


@bp.route("/children/new", methods=["GET", "POST"])
@parent_required
def add_child():
    form = ChildForm()
    if form.validate_on_submit():
        try:
            parsed = iin.parse(form.iin.data)
            child = children.add(db.session, current_user, parsed.iin, form.surname.data, form.name.data,
                                 parsed.birth_date, parsed.sex, clock.now(), patronymic=form.patronymic.data or "")
        except children.Disputed as error:
            tasks.commit(db.session)  # nothing added, but the department must see the attempt
            form.iin.errors.append(str(error))
        except DomainError as error:
            db.session.rollback()
            form.iin.errors.append(str(error))
        else:
            tasks.commit(db.session)
            flash(_("%(name)s has been added. Born on %(born)s, as the IIN says.", name=child.full_name,
                    born=child.birth_date.strftime("%d.%m.%Y")))
            return redirect(url_for("cabinet.show_cabinet"), 303)
    return render_template("cabinet/child_form.html", form=form, child=None), 422 if form.errors else 200


@bp.route("/children/<int:child_id>", methods=["GET", "POST"])
@parent_required
def edit_child(child_id: int):
    child = cabinet.own_child(db.session, current_user.id, child_id)
    form = ChildNamesForm(obj=child)
    if form.validate_on_submit():
        try:
            children.update(db.session, current_user, child, form.surname.data, form.name.data,
                            form.patronymic.data or "")
        except DomainError as error:
            db.session.rollback()
            form.surname.errors.append(str(error))
        else:
            tasks.commit(db.session)
            flash(_("The child's details have been saved."))
            return redirect(url_for("cabinet.show_cabinet"), 303)
    return render_template("cabinet/child_form.html", form=form, child=child), 422 if form.errors else 200


# --- applications ---------------------------------------------------------------------------------------

@bp.route("/children/<int:child_id>/apply", methods=["GET", "POST"])
@parent_required
def submit_application(child_id: int):
    child = cabinet.own_child(db.session, current_user.id, child_id)
    form = ApplicationForm()
    categories = cabinet.privilege_categories(db.session)
    most = policy.most_preferences(db.session)
    form.language.choices = [(code, str(label)) for code, label in TEACHING_LANGUAGES.items()]
    form.privilege.choices = [("", _("No privilege"))] + [(c.code, c.name_in(language())) for c in categories]
    status = 200
    if form.validate_on_submit():
        stored = None
        try:
            preferences = form.preferences(request.form, most)
            category = next((c for c in categories if c.code == form.privilege.data), None)
            stored = _store_document(category, request.files.get("document"))
            application = applications.submit(db.session, _actor(), child.id, form.locality.data,
                                              form.language.data, clock.now(), kindergarten_ids=preferences,
                                              privilege_codes=[form.privilege.data] if form.privilege.data else [])
            if stored:
                documents.attach(application.claims[0], stored)
        except NotFound:
            raise
        except DomainError as error:
            db.session.rollback()
            if stored:
                documents.remove(_document_folder(), stored)
            form.locality.errors = list(form.locality.errors) + [str(error)]
            status = error.http_status
        else:
            tasks.commit(db.session)
            flash(_("Application %(number)s has been submitted.", number=application.number))
            return _to_application(application.id)
    elif form.errors:
        status = 422
    return render_template("cabinet/apply.html", form=form, child=child, categories=categories,
                           localities=cabinet.localities(db.session),
                           kindergartens=cabinet.kindergartens_by_locality(db.session),
                           chosen=[request.form.get(f"kindergarten_{i}", "") for i in range(1, most + 1)]), status


def _document_folder() -> str:
    return document_folder()


def _store_document(category, upload) -> str | None:
    """The privilege's document, checked and stored; required where the category needs one."""
    has_file = upload is not None and upload.filename
    if category is None:
        if has_file:
            raise InvalidInput(_l("Choose the privilege the document is for."))
        return None
    if not has_file:
        if category.document_required:
            raise InvalidInput(_l("Attach the document that proves the privilege (PDF, JPEG or PNG)."))
        return None
    data = documents.read_limited(upload.stream, current_app.config["DOCUMENT_MAX_BYTES"])
    return documents.store(_document_folder(), data)


@bp.get("/applications/<int:application_id>/claims/<int:claim_id>/document")
@parent_required
def download_document(application_id: int, claim_id: int):
    claim = cabinet.own_claim(db.session, current_user.id, application_id, claim_id)
    return sent_document(claim.document_path, f"privilege-{claim.id}")


@bp.get("/applications/<int:application_id>")
@parent_required
def show_application(application_id: int):
    application = _application(application_id)
    now = clock.now()
    return render_template("cabinet/application.html", application=application,
                           card=cabinet.card(db.session, application, now),
                           wizard=cabinet.wizard(db.session, application, now),
                           history=cabinet.history(db.session, application),
                           this_year=calendar.local_date(application.district, now).year)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@parent_required
def withdraw_application(application_id: int):
    application = _application(application_id)
    form = ReasonForm()
    if form.validate_on_submit():
        return _act(application.id, lambda: applications.withdraw(
            db.session, application.id, _actor(), clock.now(), reason=form.reason.data or ""),
            _("The application has been withdrawn."))
    return render_template("cabinet/withdraw.html", application=application, form=form), 422 if form.errors else 200


@bp.route("/applications/<int:application_id>/respond/<int:bulletin_id>", methods=["GET", "POST"])
@parent_required
def respond_invitation(application_id: int, bulletin_id: int):
    application = _application(application_id)
    bulletin = cabinet.bulletin_for(db.session, application, bulletin_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            invitations.respond(db.session, application.id, _actor(), clock.now(), bulletin_id=bulletin.id)
        except NoFreeSeat as error:
            db.session.rollback()
            flash(str(error))
            flash(_("The bulletin filled up meanwhile. Choose another one below, or respond for the place "
                    "reserved for your child."))
        except DomainError as error:
            db.session.rollback()
            flash(str(error))
        else:
            tasks.commit(db.session)
            flash(_("Your response has been sent to the kindergarten."))
        return _to_application(application.id)
    return render_template("cabinet/respond.html", application=application, bulletin=bulletin,
                           wizard=cabinet.wizard(db.session, application, clock.now()), form=form)


@bp.route("/applications/<int:application_id>/decline", methods=["GET", "POST"])
@parent_required
def decline_placement(application_id: int):
    """Decline the invitation (step 1) or the referral (step 3): both put the application on the
    stop-list; the confirmation page says so first."""
    application = _application(application_id)
    form = EmptyForm()
    if form.validate_on_submit():
        if application.status == "referred":
            action = lambda: referrals.decline(db.session, application.id, _actor(), clock.now())  # noqa: E731
        else:
            action = lambda: invitations.decline(db.session, application.id, _actor(), clock.now())  # noqa: E731
        return _act(application.id, action, _("Declined. The application is on the stop-list."))
    return render_template("cabinet/decline.html", application=application, form=form,
                           wizard=cabinet.wizard(db.session, application, clock.now()))


@bp.route("/applications/<int:application_id>/interest", methods=["GET", "POST"])
@parent_required
def confirm_interest(application_id: int):
    application = _application(application_id)
    form = ConfirmInterestForm()
    if form.validate_on_submit():
        return _act(application.id, lambda: applications.confirm_interest(
            db.session, application.id, _actor(), clock.now()), _("Your interest has been confirmed."))
    return render_template("cabinet/interest.html", application=application, form=form,
                           year=calendar.local_date(application.district, clock.now()).year), \
        422 if form.errors else 200


@bp.get("/applications/<int:application_id>/referral.pdf")
@parent_required
def download_referral(application_id: int):
    referral = cabinet.own_referral(db.session, current_user.id, application_id)
    pdf = referral_pdf.render(referral, url_for("public.verify_referral", token=referral.token, _external=True))
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'attachment; filename="{referral.number}.pdf"',
                      "Cache-Control": "private, no-store"}


# --- inbox -------------------------------------------------------------------------------------------

@bp.get("/inbox")
@parent_required
def show_inbox():
    return render_template("cabinet/inbox.html", messages=cabinet.inbox(db.session, current_user.id),
                           form=EmptyForm())


@bp.post("/inbox/read")
@parent_required
def mark_inbox_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    cabinet.mark_read(db.session, current_user.id)
    tasks.commit(db.session)
    return redirect(url_for("cabinet.show_inbox"), 303)
