"""Privilege checks: the district's claims by state, one claim with its document, and the two
decisions (services.privileges). A decision the claim's state no longer allows (a double click, a
colleague who decided first) changes nothing and says why (409)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...models import District
from ...services import calendar, claim_review, clock, privileges, tasks
from ...services.errors import DomainError, InvalidInput, WrongState
from ...web import documents
from . import bp
from .access import actor
from .review_forms import RejectClaimForm, VerifyClaimForm


@bp.get("/claims")
def list_claims():
    which = request.args.get("show", "pending")
    if which not in claim_review.FILTERS:
        which = "pending"
    total, claims = claim_review.claims_of(db.session, actor().district_id, which, _today())
    return render_template("department/claims.html", which=which, total=total, claims=claims,
                           expiring_days=claim_review.EXPIRING_DAYS)


@bp.get("/claims/<int:claim_id>")
def show_claim(claim_id: int):
    return _claim_page(claim_id)


@bp.get("/claims/<int:claim_id>/document")
def download_claim_document(claim_id: int):
    claim = claim_review.claim_of(db.session, actor().district_id, claim_id)
    return documents.send(claim.document_path, f"privilege-{claim.id}", inline=True)


@bp.post("/claims/<int:claim_id>/verify")
def verify_claim(claim_id: int):
    claim = claim_review.claim_of(db.session, actor().district_id, claim_id)
    form = VerifyClaimForm()
    if not form.validate_on_submit() or not form.check_future(_today()):
        return _claim_page(claim_id, 422, verify_form=form)
    return _decide(claim, form, lambda now: privileges.verify_claim(
        db.session, claim.id, actor(), now, valid_until=form.valid_until.data),
        _("The privilege is verified: the child's place in the queue is updated."))


@bp.post("/claims/<int:claim_id>/reject")
def reject_claim(claim_id: int):
    claim = claim_review.claim_of(db.session, actor().district_id, claim_id)
    form = RejectClaimForm()
    if not form.validate_on_submit():
        return _claim_page(claim_id, 422, reject_form=form)
    return _decide(claim, form, lambda now: privileges.reject_claim(
        db.session, claim.id, actor(), now, reason=form.stored_reason()),
        _("The claim is rejected; the parent sees the reason."))


def _decide(claim, form, step, done: str):
    back = url_for("department.show_claim", claim_id=claim.id)
    try:
        if form.seen.data and form.seen.data != claim.status:  # decided since the page was opened
            raise WrongState(_("This privilege claim has already been decided."))
        step(clock.now())
    except InvalidInput as error:
        db.session.rollback()
        return _claim_page(claim.id, 422, problem=str(error))
    except DomainError as error:
        db.session.rollback()
        return refused(error, back)
    tasks.commit(db.session)
    flash(done)
    return redirect(back, 303)


def _claim_page(claim_id: int, status: int = 200, problem: str | None = None, **forms):
    claim = claim_review.claim_of(db.session, actor().district_id, claim_id)
    forms.setdefault("verify_form", VerifyClaimForm(formdata=None, seen=claim.status))
    forms.setdefault("reject_form", RejectClaimForm(formdata=None, seen=claim.status))
    return render_template("department/claim.html", claim=claim, application=claim.application,
                           problem=problem, today=_today(), **forms), status


def _today():
    """The district's date today: validity dates are days of the district's calendar."""
    return calendar.local_date(db.session.get(District, actor().district_id), clock.now())


def refused(error: DomainError, back: str):
    """Nothing changed: say why, and lead back to the page as it is now."""
    status = 409 if error.http_status in (404, 409) else error.http_status
    return render_template("errors/refused.html", layout="department/_layout.html", message=str(error),
                           back=back), status
