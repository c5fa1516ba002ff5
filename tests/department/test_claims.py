"""Privilege checks by the district department: the claims by state, the parent's document, verify
with a validity date or reject with a reason the parent sees; the tier and the public position
change at once, and every decision is on the record with the operator privately named."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, PrivilegeClaim
from webapp.services import audit

from .conftest import csrf_token, fresh, log_in, post  # noqa: F401
from .review import (OUTSIDERS, PNG, app_overrides, audit_head, claim_in_queue,  # noqa: F401
                     outsider_browser, state_of_claims_and_applications, url_of)

ROUTES = [("/department/claims", "GET"), ("/department/claims/<int:claim_id>", "GET"),
          ("/department/claims/<int:claim_id>/document", "GET"),
          ("/department/claims/<int:claim_id>/verify", "POST"),
          ("/department/claims/<int:claim_id>/reject", "POST")]
VALID = {"valid_until": "2027-06-30", "reason": "document_expired", "note": ""}


@pytest.fixture
def queue(world, factory, app):
    first, claimant, claim = claim_in_queue(world, factory, app)
    return {"first": first, "claimant": claimant, "claim": claim, "claim_id": claim.id}


def _lookup(client, number) -> dict:
    response = client.get(f"/api/v1/queue/lookup?q={number}")
    assert response.status_code == 200
    return response.get_json()


# --- who may enter -----------------------------------------------------------------------------------

def test_every_route_of_this_part_exists(app):
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods}
    assert set(ROUTES) <= rules


@pytest.mark.parametrize("kind", OUTSIDERS)
@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_outsiders_never_see_or_decide_a_claim(kind, rule, method, client, world, factory, queue, operator):
    browser = outsider_browser(kind, client, world, factory)
    before = (audit_head(), state_of_claims_and_applications())
    url = url_of(rule, queue)
    if method == "GET":
        response = browser.get(url)
    else:
        page = "/account/log-in" if kind == "anonymous" else "/account"
        response = browser.post(url, data={"csrf_token": csrf_token(browser, page), **VALID})
    text = response.get_data(as_text=True)
    if kind == "anonymous":
        assert response.status_code in (302, 303) and "/account/log-in" in response.headers["Location"]
    elif kind == "stranger" and rule == "/department/claims":  # their own district's list: empty of ours
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404), (url, response.status_code)
    assert queue["claimant"].number not in text and "Сейітов" not in text
    assert PNG not in response.get_data()
    assert (audit_head(), state_of_claims_and_applications()) == before


@pytest.mark.parametrize("rule", [r for r, m in ROUTES if m == "POST"])
def test_a_decision_without_the_csrf_token_is_refused(rule, department, queue):
    before = (audit_head(), state_of_claims_and_applications())
    response = department.post(url_of(rule, queue), data=VALID)
    assert response.status_code == 400
    assert (audit_head(), state_of_claims_and_applications()) == before


# --- the list and the document ---------------------------------------------------------------------

def test_the_pending_claims_list_the_number_child_privilege_and_document(department, queue):
    page = department.get("/department/claims")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    claimant = queue["claimant"]
    assert claimant.number in text and claimant.child.full_name in text
    assert "disability" in text and "extraordinary right" in text
    assert f'/department/claims/{queue["claim_id"]}/document' in text
    assert queue["first"].number not in text  # no claim: not listed
    for which in ("verified", "rejected", "expiring"):
        assert claimant.number not in department.get(f"/department/claims?show={which}").get_data(as_text=True)


def test_the_document_is_sent_safely_and_only_to_the_district(department, queue):
    response = department.get(f'/department/claims/{queue["claim_id"]}/document')
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_pdf_is_downloaded_not_shown(department, world, factory, app):
    _, _, claim = claim_in_queue(world, factory, app, code="large_family", tier="priority",
                                 document=b"%PDF-1.4\n%%EOF\n")
    response = department.get(f"/department/claims/{claim.id}/document")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_a_claim_without_a_document_has_no_download(department, world, factory, app):
    _, _, claim = claim_in_queue(world, factory, app, code="orphan", document=None)
    assert department.get(f"/department/claims/{claim.id}/document").status_code == 404
    assert "Open the document" not in department.get(f"/department/claims/{claim.id}").get_data(as_text=True)


# --- verify ---------------------------------------------------------------------------------------

def test_verification_raises_the_tier_and_the_public_position_at_once(department, queue, operator, client):
    number = queue["claimant"].number
    assert _lookup(client, number)["position"] == 2
    response = post(department, f'/department/claims/{queue["claim_id"]}/verify',
                    {"valid_until": "2027-06-30", "seen": "pending"})
    assert response.status_code == 303
    claim = fresh(queue["claim"])
    assert (claim.status, claim.valid_until, claim.verified_by_id) == ("verified", date(2027, 6, 30), operator.id)
    found = _lookup(client, number)
    assert (found["position"], found["tier"]) == (1, "extraordinary")
    page = client.get(f"/queue/lookup?q={number}").get_data(as_text=True)
    assert "Privilege checked: the right changed" in page
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.application, event.actor_role) == ("application.tier_changed", number, "department")
    assert "disability" not in event.data + event.reason  # which privilege stays private
    details = {"user_id": operator.id, "name": operator.full_name, "category": "disability"}
    assert event.private_digest == audit.salted_digest(event.private_salt, details)  # the operator, privately
    listed = department.get("/department/claims?show=verified").get_data(as_text=True)
    assert number in listed and "June 30, 2027" in listed


def test_a_verified_claim_expiring_soon_is_listed(department, queue):
    post(department, f'/department/claims/{queue["claim_id"]}/verify', {"valid_until": "2026-12-10"})
    assert queue["claimant"].number in department.get("/department/claims?show=expiring").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Enter the last day the document is valid."),
    ({"valid_until": "30.06.2027"}, "Not a valid date value."),
    ({"valid_until": "2026-11-24"}, "The date has passed"),
])
def test_verification_needs_a_date_from_today_on(department, queue, data, message):
    before = (audit_head(), state_of_claims_and_applications())
    response = post(department, f'/department/claims/{queue["claim_id"]}/verify', data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (audit_head(), state_of_claims_and_applications()) == before


def test_a_second_verification_changes_nothing_and_says_why(department, queue):
    url = f'/department/claims/{queue["claim_id"]}/verify'
    assert post(department, url, {"valid_until": "2027-06-30", "seen": "pending"}).status_code == 303
    before = (audit_head(), state_of_claims_and_applications())
    response = post(department, url, {"valid_until": "2028-01-01", "seen": "pending"})
    assert response.status_code == 409
    assert "already been decided" in response.get_data(as_text=True)
    assert (audit_head(), state_of_claims_and_applications()) == before


# --- reject ---------------------------------------------------------------------------------------

def test_rejection_records_the_reason_for_the_parent_not_for_the_public(department, queue, operator, world, client):
    response = post(department, f'/department/claims/{queue["claim_id"]}/reject',
                    {"reason": "document_expired", "note": "Справка истекла в мае.", "seen": "pending"})
    assert response.status_code == 303
    claim = fresh(queue["claim"])
    assert claim.status == "rejected" and claim.reason == "document_expired\nСправка истекла в мае."
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.actor_role, event.reason) == ("privilege.rejected", "department", "privilege rejected")
    assert "Справка" not in event.data and json.loads(event.data) == {}
    details = {"user_id": operator.id, "name": operator.full_name, "category": "disability",
               "reason": "document_expired\nСправка истекла в мае."}
    assert event.private_digest == audit.salted_digest(event.private_salt, details)
    assert _lookup(client, queue["claimant"].number)["position"] == 2
    # the parent reads the reason in the cabinet
    client.post("/account/log-out")
    client.delete_cookie("session")
    from webapp.services import users
    users.confirm_phone(db.session.get(type(world.parent), queue["claimant"].child.parent_id))
    db.session.commit()
    assert log_in(client, queue["claimant"].child.parent.phone).status_code == 303
    cabinet = client.get(f'/cabinet/applications/{queue["claimant"].id}').get_data(as_text=True)
    assert "The document has expired" in cabinet and "Справка истекла в мае." in cabinet


@pytest.mark.parametrize(("data", "message"), [
    ({"reason": ""}, "Choose a reason."),
    ({"reason": "other", "note": "  "}, "Explain the reason in the note."),
    ({"reason": "made_up"}, "Not a valid choice"),
])
def test_rejection_needs_a_reason_from_the_list(department, queue, data, message):
    before = (audit_head(), state_of_claims_and_applications())
    response = post(department, f'/department/claims/{queue["claim_id"]}/reject', data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (audit_head(), state_of_claims_and_applications()) == before


def test_a_claim_decided_meanwhile_is_not_decided_again(department, queue):
    """The operator's page still showed the claim pending: a colleague verified it since."""
    post(department, f'/department/claims/{queue["claim_id"]}/verify', {"valid_until": "2027-06-30"})
    before = (audit_head(), state_of_claims_and_applications())
    response = post(department, f'/department/claims/{queue["claim_id"]}/reject',
                    {"reason": "document_expired", "seen": "pending"})
    assert response.status_code == 409
    assert (audit_head(), state_of_claims_and_applications()) == before
    again = post(department, f'/department/claims/{queue["claim_id"]}/reject',
                 {"reason": "document_expired", "seen": "verified"})  # withdrawn knowingly: allowed
    assert again.status_code == 303 and fresh(queue["claim"]).status == "rejected"
    assert post(department, f'/department/claims/{queue["claim_id"]}/reject',
                {"reason": "document_expired", "seen": "rejected"}).status_code == 409


def test_the_operator_of_another_district_cannot_open_this_districts_claim(client, queue, stranger):
    assert log_in(client, stranger.phone).status_code == 303
    assert client.get(f'/department/claims/{queue["claim_id"]}').status_code == 404
    assert client.get(f'/department/claims/{queue["claim_id"]}/document').status_code == 404
    assert db.session.get(PrivilegeClaim, queue["claim_id"]).status == "pending"
