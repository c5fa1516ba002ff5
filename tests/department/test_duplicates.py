"""A child registered by two accounts: the second account's attempt is kept (once) for the
department of the child's district, which keeps the child where it is or moves it, with its
applications, to the account that asked — with a reason, on the record, both accounts told."""
import json

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Child, ChildDispute, Notification
from webapp.services import children, clock, disputes, users
from webapp.services.errors import Duplicate

from .conftest import PASSWORD, Browser, csrf_token, fresh, log_in, post


@pytest.fixture
def claimant(factory):
    user = factory.user("parent", full_name="Дана Ахметова")
    users.confirm_phone(user)
    factory.commit()
    return user


@pytest.fixture
def child_of_world(world):
    """The world's parent's child, with an application in the world's district."""
    application = world.submit()
    world.commit()
    return application.child


def _claim(app, claimant, child):
    """The claimant adds the child from the cabinet, in a browser of their own."""
    app.test_client_class = Browser
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    assert log_in(browser, claimant.phone, PASSWORD).status_code == 303
    token = csrf_token(browser, "/cabinet/children/new")
    return browser.post("/cabinet/children/new", data={"csrf_token": token, "iin": child.iin,
                                                       "surname": "Ахметов", "name": "Алихан"})


@pytest.fixture
def dispute(app, claimant, child_of_world):
    assert _claim(app, claimant, child_of_world).status_code == 422
    db.session.rollback()
    return db.session.scalar(select(ChildDispute))


def _state():
    db.session.rollback()
    return (db.session.scalar(select(func.max(AuditEvent.seq))),
            db.session.execute(select(Child.id, Child.parent_id).order_by(Child.id)).all(),
            db.session.execute(select(ChildDispute.id, ChildDispute.resolution).order_by(ChildDispute.id)).all())


# --- the cabinet's side ----------------------------------------------------------------------------

def test_the_attempt_is_kept_once_and_the_parent_is_told_the_department_will_look(app, claimant, child_of_world,
                                                                                   world):
    for _ in range(2):
        response = _claim(app, claimant, child_of_world)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "already registered by another account" in page and "education department" in page
        assert world.parent.full_name not in page  # never whose account it is
    db.session.rollback()
    [kept] = db.session.scalars(select(ChildDispute)).all()
    assert (kept.child_id, kept.claimant_id, kept.district_id, kept.resolved_at) == \
        (child_of_world.id, claimant.id, world.district.id, None)
    assert fresh(child_of_world).parent_id == world.parent.id  # nothing added, nothing moved
    assert db.session.scalar(select(func.count(Child.id)).where(Child.iin == child_of_world.iin)) == 1
    [opened] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "child_dispute.opened")).all()
    assert opened.actor_role == "parent" and child_of_world.iin not in opened.data


def test_the_district_is_the_childs_then_the_claimants_then_the_owners(session, world, factory):
    elsewhere = factory.locality(factory.district(code="YY"), name="Бөтен")
    lonely = world.child()  # no application anywhere
    claimant = factory.user("parent")
    assert disputes.district_for(session, lonely, claimant.id) is None
    world.submit(parent=world.parent)  # the owner's other child applies here
    assert disputes.district_for(session, lonely, claimant.id) == world.district.id
    world.submit(parent=claimant, locality=elsewhere)  # the claimant's child applies elsewhere
    assert disputes.district_for(session, lonely, claimant.id) == elsewhere.district_id
    factory.application(world.locality, child=lonely)
    assert disputes.district_for(session, lonely, claimant.id) == world.district.id


def test_a_dispute_without_a_district_is_shown_to_no_department(session, world, factory, department):
    lonely = world.child()
    claimant = factory.user("parent")
    with pytest.raises(Duplicate):
        children.add(session, claimant, lonely.iin, "X", "Y", lonely.birth_date, lonely.sex, clock.now())
    session.commit()
    assert session.scalar(select(ChildDispute.district_id)) is None
    assert lonely.full_name not in department.get("/department/duplicates").get_data(as_text=True)


# --- the department's side -------------------------------------------------------------------------

def test_the_page_shows_both_accounts_masked_and_the_applications(department, dispute, world, claimant):
    page = department.get("/department/duplicates").get_data(as_text=True)
    child = dispute.child
    assert child.full_name in page and child.iin in page
    assert world.parent.full_name in page and claimant.full_name in page
    assert world.parent.phone not in page and claimant.phone not in page
    assert disputes.mask_phone(claimant.phone) in page
    [application] = child_applications(child)
    assert application.number in page


def child_applications(child):
    from webapp.models import Application
    return db.session.scalars(select(Application).where(Application.child_id == child.id)).all()


def test_moving_the_child_moves_its_applications_and_tells_both(department, dispute, world, claimant, operator):
    child_id = dispute.child_id
    response = post(department, f"/department/duplicates/{dispute.id}",
                    {"resolution": "moved", "reason": "Birth certificate shown by the mother"})
    assert response.status_code == 303
    moved = db.session.get(Child, child_id)
    assert moved.parent_id == claimant.id
    assert [a.child.parent_id for a in child_applications(moved)] == [claimant.id]
    decided = fresh(dispute)
    assert (decided.resolution, decided.resolved_by, decided.reason) == \
        ("moved", operator.id, "Birth certificate shown by the mother")
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "child_dispute.resolved")).all()
    assert event.actor_role == "department" and event.private_digest
    assert json.loads(event.data) == {"dispute_id": dispute.id, "resolution": "moved"}
    assert "certificate" not in event.data and "certificate" not in event.reason
    told = db.session.execute(select(Notification.user_id, Notification.event).where(
        Notification.event.like("child_dispute.%"), Notification.channel == "inbox")).all()
    assert sorted(told) == sorted([(world.parent.id, "child_dispute.moved.owner"),
                                   (claimant.id, "child_dispute.moved.claimant")])
    sms = db.session.scalars(select(Notification.body).where(Notification.channel == "sms",
                                                             Notification.event.like("child_dispute.%"))).all()
    assert len(sms) == 2 and all(len(text) <= 70 for text in sms)
    assert child_applications(moved)[0].number not in department.get("/department/duplicates").get_data(as_text=True)


def test_keeping_the_child_changes_no_account_and_a_second_submit_is_harmless(department, dispute, world):
    response = post(department, f"/department/duplicates/{dispute.id}", {"resolution": "kept", "reason": "Court order"})
    assert response.status_code == 303
    assert fresh(dispute).resolution == "kept"
    before = _state()
    again = post(department, f"/department/duplicates/{dispute.id}", {"resolution": "moved", "reason": "Again"})
    assert again.status_code == 409
    assert "already been decided" in again.get_data(as_text=True)
    assert _state() == before
    assert db.session.get(Child, dispute.child_id).parent_id == world.parent.id


@pytest.mark.parametrize("data", [{"resolution": "moved", "reason": " "}, {"reason": "Shown"},
                                  {"resolution": "elsewhere", "reason": "Shown"},
                                  {"resolution": "kept", "reason": "ы" * 1001}])
def test_a_decision_without_a_reason_or_a_choice_is_422(department, dispute, data):
    before = _state()
    response = post(department, f"/department/duplicates/{dispute.id}", data)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert _state() == before


def test_the_post_needs_its_token(department, dispute):
    before = _state()
    assert department.post(f"/department/duplicates/{dispute.id}",
                           data={"resolution": "moved", "reason": "x"}).status_code == 400
    assert _state() == before


@pytest.mark.parametrize("kind", ["anonymous", "parent", "staff", "stranger"])
def test_outsiders_get_nothing(client, dispute, world, factory, stranger, claimant, kind):
    if kind != "anonymous":  # the parent is the claimant: asking does not let them decide
        user = {"parent": claimant, "staff": factory.staff(world.kindergarten)[0], "stranger": stranger}[kind]
        factory.commit()
        assert log_in(client, user.phone, PASSWORD).status_code == 303
    before = _state()
    listing = client.get("/department/duplicates")
    token = csrf_token(client, "/account/log-in" if kind == "anonymous" else "/account")
    decision = client.post(f"/department/duplicates/{dispute.id}",
                           data={"csrf_token": token, "resolution": "moved", "reason": "x"})
    if kind == "anonymous":
        assert listing.status_code in (302, 303) and decision.status_code in (302, 303)
    elif kind == "stranger":
        assert listing.status_code == 200 and decision.status_code == 404  # their own, empty list
        assert dispute.child.full_name not in listing.get_data(as_text=True)
    else:
        assert (listing.status_code, decision.status_code) == (403, 403)
    assert _state() == before
