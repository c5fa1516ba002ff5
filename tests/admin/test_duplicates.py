"""A child on two accounts that no district could be found for (no application anywhere yet) is
decided by the administration, on the department's own pages; no department sees it."""
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Child, ChildDispute
from webapp.services import users

from ..department.conftest import Browser, csrf_token, log_in
from ..department.test_duplicates import _claim


def _browser(app, user):
    app.test_client_class = Browser
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    assert log_in(browser, user.phone).status_code == 303
    return browser


def test_the_administration_decides_a_dispute_without_a_district(app, factory):
    owner = factory.user("parent", full_name="Owner Parent")
    claimant = factory.user("parent", full_name="Claimant Parent")
    users.confirm_phone(claimant)  # the cabinet asks for a confirmed phone first
    child = factory.child(parent=owner)
    district = factory.district()
    operator, _ = factory.department(district)
    admin = factory.user("admin")
    factory.commit()
    assert _claim(app, claimant, child).status_code == 422
    db.session.rollback()
    dispute = db.session.scalar(select(ChildDispute))
    assert dispute.district_id is None

    department = _browser(app, operator)
    assert child.full_name not in department.get("/department/duplicates").get_data(as_text=True)
    token = csrf_token(department, "/department/duplicates")
    assert department.post(f"/department/duplicates/{dispute.id}",
                           data={"csrf_token": token, "resolution": "moved", "reason": "x"}).status_code == 404

    office = _browser(app, admin)
    page = office.get("/admin/duplicates").get_data(as_text=True)
    assert child.full_name in page
    token = csrf_token(office, "/admin/duplicates")
    response = office.post(f"/admin/duplicates/{dispute.id}",
                           data={"csrf_token": token, "resolution": "moved", "reason": "Birth certificate seen"})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Child, child.id).parent_id == claimant.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "child_dispute.resolved"))
    assert event.actor_role == "admin"
    assert office.post(f"/admin/duplicates/{dispute.id}",
                       data={"csrf_token": token, "resolution": "kept", "reason": "again"}).status_code == 409
