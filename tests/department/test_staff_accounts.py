"""Staff accounts of the district's kindergartens: the department creates one (the person sets their
own password with the SMS code), blocks and unblocks it, sends a new password code. Nobody else gets
in, an operator of another district sees nothing of this one, and every change is on the record."""
import json
import re

import pytest
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import AuditEvent, Notification, User
from webapp.services import audit, clock
from webapp.services.actors import Actor

from ..auth.conftest import last_code, post_form, sms_codes
from .conftest import PASSWORD, csrf_token, fresh, log_in, post

NEW_PASSWORD = "Tulip-garden-77"


def _department_routes():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True,
                      "REDIS_URL": None, "INLINE_SWEEP_INTERVAL": 0})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("department.") and "staff" in rule.rule:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, method, id=f"{method} {rule.rule}")


ROUTES = list(_department_routes())
NEW = {"full_name": "Жұмабекова Айнұр", "phone": "8 702 555 44 33", "language": "kk"}


@pytest.fixture
def clerk(world, factory):
    user, _ = factory.staff(world.kindergarten)
    factory.commit()
    return user


def _url(rule: str, world, clerk) -> str:
    ids = {"kindergarten_id": world.kindergarten.id, "account_id": clerk.id}
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def _events(action=None):
    db.session.rollback()
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def _state():
    db.session.rollback()
    return (db.session.scalar(select(func.max(AuditEvent.seq))),
            db.session.execute(select(User.id, User.active, User.password_hash).order_by(User.id)).all(),
            db.session.scalar(select(func.count()).select_from(Notification)))


def test_every_route_of_the_part_is_covered():
    assert {(p.values[0], p.values[1]) for p in ROUTES} == {
        ("/department/kindergartens/<int:kindergarten_id>/staff", "GET"),
        ("/department/kindergartens/<int:kindergarten_id>/staff", "POST"),
        ("/department/staff-accounts/<int:account_id>/block", "POST"),
        ("/department/staff-accounts/<int:account_id>/unblock", "POST"),
        ("/department/staff-accounts/<int:account_id>/password-code", "POST"),
    }


@pytest.fixture
def outsider(request, world, factory, client, stranger):
    kind = request.param
    if kind == "parent":
        from webapp.services import users
        user = world.parent
        users.confirm_phone(user)
    elif kind == "staff":
        user, _ = factory.staff(world.kindergarten)
    elif kind == "admin":
        user = factory.user("admin")
    else:
        user = stranger
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    return kind, client


@pytest.mark.parametrize("outsider", ["parent", "staff", "stranger"], indirect=True)
@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_outsiders_get_403_or_404_and_change_nothing(outsider, world, clerk, rule, method):
    kind, browser = outsider
    url = _url(rule, world, clerk)
    before = _state()
    if method == "GET":
        response = browser.get(url)
    else:
        response = browser.post(url, data={"csrf_token": csrf_token(browser, "/account"), **NEW})
    expected = (404,) if kind == "stranger" else (403,)
    assert response.status_code in expected, (url, response.status_code)
    assert clerk.full_name not in response.get_data(as_text=True)
    assert _state() == before


@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, world, clerk, rule, method):
    url = _url(rule, world, clerk)
    before = _state()
    response = client.open(url, method=method, data=NEW if method == "POST" else None)
    if method == "GET":
        assert response.status_code in (302, 303)
        assert response.headers["Location"].startswith("/account/log-in")
    else:
        assert response.status_code in (302, 303, 400)
    assert _state() == before


@pytest.mark.parametrize(("rule", "method"), [r for r in ROUTES if r.values[1] == "POST"])
def test_a_post_without_the_csrf_token_is_refused(department, world, clerk, rule, method):
    before = _state()
    response = department.post(_url(rule, world, clerk), data=NEW)
    assert response.status_code == 400
    assert _state() == before


def test_the_page_lists_the_kindergartens_staff_only(department, world, clerk, factory):
    other, _ = world.kindergarten_with_group("Күншуақ")
    someone_else, _ = factory.staff(other)
    factory.commit()
    page = department.get(f"/department/kindergartens/{world.kindergarten.id}/staff")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert clerk.full_name in text and someone_else.full_name not in text
    assert world.kindergarten.name_ru in text or world.kindergarten.name_en in text


def test_a_kindergarten_of_another_district_is_404(department, factory):
    elsewhere = factory.kindergarten(factory.locality(factory.district(code="QQ")))
    factory.commit()
    assert department.get(f"/department/kindergartens/{elsewhere.id}/staff").status_code == 404


def test_the_department_creates_an_account_and_the_person_sets_their_own_password(department, world,
                                                                                  operator, client):
    response = post(department, f"/department/kindergartens/{world.kindergarten.id}/staff", NEW)
    assert response.status_code == 303
    db.session.rollback()
    account = db.session.scalar(select(User).where(User.phone == "+77025554433"))
    assert (account.role, account.kindergarten_id, account.district_id, account.full_name, account.language) == \
           ("staff", world.kindergarten.id, world.district.id, NEW["full_name"], "kk")
    assert account.active

    [event] = _events("account.created")
    data = json.loads(event.data)
    assert data == {"role": "staff", "district_id": world.district.id, "kindergarten_id": world.kindergarten.id}
    assert "+7702" not in event.data and "Жұмабекова" not in event.data + event.reason
    details = {"account_id": account.id, "phone": account.phone, "full_name": account.full_name}
    assert event.actor_role == "department"
    assert event.private_digest == audit.private_digest(Actor.of(operator), details, salt=event.private_salt)

    # The SMS with the code is in the outbox; with it the person sets a password and logs in.
    [code] = sms_codes(account.phone, "reset_password")
    department.post("/account/log-out", data={"csrf_token": csrf_token(department, "/department")})
    response = client.get("/account/password/reset?phone=%2B77025554433")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/password/reset")
    response = post_form(client, "/account/password/reset",
                         {"code": code, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert log_in(client, account.phone, NEW_PASSWORD).status_code == 303
    assert client.get("/staff").status_code == 200


def test_nobody_can_log_in_before_the_password_is_set(department, world, client):
    post(department, f"/department/kindergartens/{world.kindergarten.id}/staff", NEW)
    for guess in (PASSWORD, "", NEW_PASSWORD):
        assert log_in(client, "+77025554433", guess).status_code == 422


@pytest.mark.parametrize("data, message", [
    ({**NEW, "phone": "12345"}, "Enter a Kazakh mobile number"),
    ({**NEW, "full_name": "  "}, "Enter the person"),
    ({**NEW, "language": "de"}, "Not a valid choice"),
])
def test_wrong_input_is_422_and_creates_nothing(department, world, data, message):
    before = _state()
    response = post(department, f"/department/kindergartens/{world.kindergarten.id}/staff", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _state() == before


def test_a_phone_of_another_account_is_422(department, world, clerk):
    before = _state()
    response = post(department, f"/department/kindergartens/{world.kindergarten.id}/staff",
                    {**NEW, "phone": clerk.phone})
    assert response.status_code == 422
    assert "Another account already uses this phone number." in response.get_data(as_text=True)
    assert _state() == before


def test_a_double_submit_creates_one_account(department, world):
    url = f"/department/kindergartens/{world.kindergarten.id}/staff"
    assert post(department, url, NEW).status_code == 303
    assert post(department, url, NEW).status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.phone == "+77025554433")) == 1
    assert len(_events("account.created")) == 1


def test_a_blocked_account_cannot_log_in_and_its_session_ends(department, world, clerk, operator, app):
    other = app.test_client()
    other.set_cookie("lang", "en")
    assert log_in(other, clerk.phone, PASSWORD).status_code == 303
    assert other.get("/staff").status_code == 200

    response = post(department, f"/department/staff-accounts/{clerk.id}/block")
    assert response.status_code == 303
    assert not fresh(clerk).active
    [event] = _events("account.blocked")
    assert json.loads(event.data)["kindergarten_id"] == world.kindergarten.id
    assert event.private_digest == audit.private_digest(
        Actor.of(operator), {"account_id": clerk.id, "phone": clerk.phone, "full_name": clerk.full_name},
        salt=event.private_salt)

    assert other.get("/staff").status_code in (302, 303)  # the open session is over
    fresh_browser = app.test_client()
    assert log_in(fresh_browser, clerk.phone, PASSWORD).status_code == 422

    # A second click changes nothing; unblocking lets the clerk in again.
    assert post(department, f"/department/staff-accounts/{clerk.id}/block").status_code == 303
    assert len(_events("account.blocked")) == 1
    assert post(department, f"/department/staff-accounts/{clerk.id}/unblock").status_code == 303
    assert fresh(clerk).active and len(_events("account.unblocked")) == 1
    assert log_in(fresh_browser, clerk.phone, PASSWORD).status_code == 303


def test_a_reset_code_by_sms_lets_the_clerk_choose_a_new_password(department, world, clerk, client):
    response = post(department, f"/department/staff-accounts/{clerk.id}/password-code")
    assert response.status_code == 303
    [event] = _events("account.password_reset_sent")
    assert json.loads(event.data) == {"role": "staff", "district_id": world.district.id,
                                      "kindergarten_id": world.kindergarten.id}
    code = last_code(clerk.phone, "reset_password")
    client.get(f"/account/password/reset?phone={clerk.phone[1:]}")
    response = post_form(client, "/account/password/reset",
                         {"code": code, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 303
    assert log_in(client, clerk.phone, PASSWORD).status_code == 422  # the old one is gone
    assert log_in(client, clerk.phone, NEW_PASSWORD).status_code == 303


def test_codes_are_rate_limited(department, clerk):
    url = f"/department/staff-accounts/{clerk.id}/password-code"
    assert post(department, url).status_code == 303
    response = post(department, url)  # a second one within the minute
    assert response.status_code == 429
    assert "A code was sent a moment ago" in response.get_data(as_text=True)
    assert len(sms_codes(clerk.phone, "reset_password")) == 1
    assert len(_events("account.password_reset_sent")) == 1


def test_no_code_goes_to_a_blocked_account(department, clerk):
    post(department, f"/department/staff-accounts/{clerk.id}/block")
    response = post(department, f"/department/staff-accounts/{clerk.id}/password-code")
    assert response.status_code == 409
    assert sms_codes(clerk.phone, "reset_password") == []


def test_the_page_links_back_to_the_kindergartens_when_that_page_exists(department, world, app):
    text = department.get(f"/department/kindergartens/{world.kindergarten.id}/staff").get_data(as_text=True)
    assert ('href="/department/kindergartens"' in text) == ("department.list_kindergartens" in app.view_functions)
    assert "<h1>Staff accounts" in text


def test_the_clock_is_the_services_clock(department, world):
    post(department, f"/department/kindergartens/{world.kindergarten.id}/staff", NEW)
    db.session.rollback()
    account = db.session.scalar(select(User).where(User.phone == "+77025554433"))
    assert account.created_at == clock.now()


def test_the_reset_form_opens_for_a_code_in_hand_and_reveals_nothing(client, clerk):
    """The link for someone who already holds a code sends no SMS, and answers alike for any number."""
    for phone in (clerk.phone, "+77009998877"):
        response = client.get(f"/account/password/reset?phone={phone.replace('+', '%2B')}")
        assert response.status_code == 303 and response.headers["Location"].endswith("/account/password/reset")
        shown = f"{phone[:2]} {phone[2:5]} {phone[5:8]} {phone[8:10]} {phone[10:]}"
        assert shown in client.get("/account/password/reset").get_data(as_text=True)
    response = client.get("/account/password/reset?phone=not-a-phone")
    assert response.headers["Location"].endswith("/account/password/forgot")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
