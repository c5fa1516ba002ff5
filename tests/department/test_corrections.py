"""Manual corrections by the district department: only through the transitions of DESIGN §5, with
a mandatory public reason, recorded as the transition's own event marked as a correction, and shown
in the application's public history as a correction by the department."""
import json

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.services import clock, users

from ..services.helpers import live_seat
from .conftest import csrf_token, fresh, log_in, post
from .review import (OUTSIDERS, app_overrides, audit_head, outsider_browser,  # noqa: F401
                     state_of_claims_and_applications)

REASON = "The SMS with the deadline was not delivered (an operator fault)"


def _url(application) -> str:
    return f"/department/applications/{application.id}/correct"


def _last_event(application, action=None) -> AuditEvent:
    """The application's latest event (of ``action``): distribution may invite right after a return."""
    db.session.rollback()
    query = select(AuditEvent).where(AuditEvent.application == application.number)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.order_by(AuditEvent.seq.desc())).first()


def _assert_correction(event, action, from_status, to_status):
    assert (event.action, event.from_status, event.to_status) == (action, from_status, to_status)
    assert event.actor_role == "department" and event.reason == REASON
    assert json.loads(event.data)["correction"] is True


@pytest.mark.parametrize("kind", OUTSIDERS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_outsiders_cannot_correct(kind, method, client, world, factory, operator):
    application, _ = world.bring_to("stop_listed")
    browser = outsider_browser(kind, client, world, factory)
    before = (audit_head(), state_of_claims_and_applications())
    if method == "GET":
        response = browser.get(_url(application))
    else:
        page = "/account/log-in" if kind == "anonymous" else "/account"
        response = browser.post(_url(application), data={"csrf_token": csrf_token(browser, page),
                                                         "kind": "end_stop_list", "reason": REASON})
    if kind == "anonymous":
        assert response.status_code in (302, 303) and "/account/log-in" in response.headers["Location"]
    else:
        assert response.status_code in (403, 404)
    assert application.number not in response.get_data(as_text=True)
    assert (audit_head(), state_of_claims_and_applications()) == before


def test_a_correction_without_the_csrf_token_is_refused(department, world):
    application, _ = world.bring_to("stop_listed")
    before = (audit_head(), state_of_claims_and_applications())
    response = department.post(_url(application), data={"kind": "end_stop_list", "reason": REASON})
    assert response.status_code == 400
    assert (audit_head(), state_of_claims_and_applications()) == before


def test_the_page_offers_only_the_corrections_of_the_state(department, world):
    application, _ = world.bring_to("stop_listed")
    text = department.get(_url(application)).get_data(as_text=True)
    assert 'value="end_stop_list"' in text and 'value="withdraw"' in text
    assert 'value="reactivate"' not in text and 'value="return_to_queue"' not in text
    assert application.child.full_name in text and "on the stop-list" in text


def test_ending_a_stop_list_early_is_public_as_a_correction(department, world, client, operator):
    application, _ = world.bring_to("stop_listed")
    response = post(department, _url(application), {"kind": "end_stop_list", "reason": REASON})
    assert response.status_code == 303
    stored = fresh(application)
    assert stored.status in ("queued", "invited") and stored.stop_listed_until is None  # invited again at once
    _assert_correction(_last_event(application, "stop_list.ended"), "stop_list.ended", "stop_listed", "queued")
    public = client.get(f"/queue/lookup?q={application.number}").get_data(as_text=True)
    assert "Correction by the department" in public and REASON in public
    assert client.get(f"/api/v1/queue/lookup?q={application.number}").get_json()["position"] == 1


def test_the_parent_sees_the_correction_in_the_cabinet(department, world, client):
    application, _ = world.bring_to("stop_listed")
    post(department, _url(application), {"kind": "end_stop_list", "reason": REASON})
    department.post("/account/log-out")
    client.delete_cookie("session")
    parent = db.session.get(type(world.parent), world.parent.id)
    users.confirm_phone(parent)
    db.session.commit()
    assert log_in(client, parent.phone).status_code == 303
    page = client.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Correction by the department" in page and REASON in page


def test_reactivation_records_this_years_interest(department, world):
    application, _ = world.bring_to("inactive")  # the clock is now 1 October 2027
    assert post(department, _url(application), {"kind": "reactivate", "reason": REASON}).status_code == 303
    stored = fresh(application)
    assert (stored.status, stored.interest_year) == ("queued", 2027)
    _assert_correction(_last_event(application, "interest.confirmed"), "interest.confirmed", "inactive", "queued")


def test_a_response_left_unanswered_returns_to_the_queue(department, world):
    application, bulletin = world.bring_to("responded")
    assert post(department, _url(application), {"kind": "return_to_queue", "reason": REASON}).status_code == 303
    assert fresh(application).status in ("queued", "invited")  # the released place may invite it again
    assert bulletin.id not in [s.bulletin_id for s in [live_seat(db.session, fresh(application))] if s] or \
        fresh(application).status == "invited"
    _assert_correction(_last_event(application, "response.rejected"), "response.rejected", "responded", "queued")


def test_withdrawal_by_the_department(department, world):
    application, bulletin = world.bring_to("referred")
    assert post(department, _url(application), {"kind": "withdraw", "reason": REASON}).status_code == 303
    assert fresh(application).status == "withdrawn"
    _assert_correction(_last_event(application), "application.withdrawn", "referred", "withdrawn")
    text = department.get(_url(application)).get_data(as_text=True)
    assert "no correction is possible" in text and "Correction by the department" in text


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "end_stop_list", "reason": " "}, "Please give a reason."),
    ({"kind": "end_stop_list"}, "Please give a reason."),
    ({"reason": REASON}, "Choose a correction."),
    ({"kind": "rewrite_history", "reason": REASON}, "Not a valid choice"),
    ({"kind": "end_stop_list", "reason": "x" * 301}, "The reason is too long."),
    ({"kind": "end_stop_list", "reason": "Parent IIN 220517 300 123 called"}, "leave out IINs"),
])
def test_a_correction_needs_a_kind_and_a_clean_public_reason(department, world, data, message):
    application, _ = world.bring_to("stop_listed")
    before = (audit_head(), state_of_claims_and_applications())
    response = post(department, _url(application), data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (audit_head(), state_of_claims_and_applications()) == before


def test_a_correction_the_state_does_not_allow_is_refused_with_why(department, world):
    application, _ = world.bring_to("queued")
    before = (audit_head(), state_of_claims_and_applications())
    response = post(department, _url(application), {"kind": "end_stop_list", "reason": REASON})
    assert response.status_code == 409
    assert "in the queue" in response.get_data(as_text=True)
    assert (audit_head(), state_of_claims_and_applications()) == before


def test_a_double_submit_changes_nothing_the_second_time(department, world):
    application, _ = world.bring_to("stop_listed")
    assert post(department, _url(application), {"kind": "end_stop_list", "reason": REASON}).status_code == 303
    before = (audit_head(), state_of_claims_and_applications())
    assert post(department, _url(application), {"kind": "end_stop_list", "reason": REASON}).status_code == 409
    assert (audit_head(), state_of_claims_and_applications()) == before


def test_another_districts_application_does_not_exist_here(department, world, factory):
    other = factory.district(code="QQ")
    locality = factory.locality(other, name="Басқа")
    application = world.submit(locality=locality)
    world.commit()
    assert department.get(_url(application)).status_code == 404
    before = audit_head()
    assert post(department, _url(application), {"kind": "withdraw", "reason": REASON}).status_code == 404
    assert audit_head() == before and fresh(application).status == "queued"


def test_the_sweep_still_ends_stop_lists_only_when_due(world, session):
    """The department's early end did not loosen the sweep's rule."""
    from webapp.services import applications
    application, _ = world.bring_to("stop_listed")
    assert applications.end_stop_list(session, application.id, clock.now()) is False
    assert application.status == "stop_listed"
