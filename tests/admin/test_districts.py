"""Districts and their department accounts, as the administration manages them."""
import json

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import District, Notification, User
from webapp.services import audit
from webapp.services.actors import Actor

from ..auth.conftest import last_code, post_form, sms_codes
from .conftest import (OUTSIDERS, PASSWORD, admin_routes, audit_head, csrf_token, events, fill, fresh,
                       log_in, post)

ROUTES = list(admin_routes("/admin/districts")) + list(admin_routes("/admin/accounts"))
DISTRICT = {"code": "kr", "name_kk": "Қарасай ауданы", "name_ru": "Карасайский район", "name_en": "Karasai district",
            "timezone": "Asia/Almaty", "email": "bilim@karasai.example.kz"}
ACCOUNT = {"full_name": "Омарова Сәуле", "phone": "+7 705 111 22 33", "language": "ru"}
NEW_PASSWORD = "Mountain-apple-42"


def _state():
    db.session.rollback()
    return (audit_head(),
            db.session.execute(select(District.id, District.code, District.name_ru, District.timezone,
                                      District.email).order_by(District.id)).all(),
            db.session.execute(select(User.id, User.active, User.password_hash).order_by(User.id)).all(),
            db.session.scalar(select(func.count()).select_from(Notification)))


def _ids(world, operator):
    return {"district_id": world.district.id, "account_id": operator.id}


def test_every_route_of_the_part_is_covered():
    assert {(p.values[0], p.values[1]) for p in ROUTES} == {
        ("/admin/districts", "GET"), ("/admin/districts", "POST"),
        ("/admin/districts/<int:district_id>", "GET"), ("/admin/districts/<int:district_id>", "POST"),
        ("/admin/districts/<int:district_id>/accounts", "POST"),
        ("/admin/accounts/<int:account_id>/block", "POST"), ("/admin/accounts/<int:account_id>/unblock", "POST"),
        ("/admin/accounts/<int:account_id>/password-code", "POST"),
    }


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_outsiders_get_403_and_change_nothing(outsider, world, operator, rule, method):
    url = fill(rule, _ids(world, operator))
    before = _state()
    if method == "GET":
        response = outsider.get(url)
    else:
        response = outsider.post(url, data={"csrf_token": csrf_token(outsider, "/account"), **DISTRICT, **ACCOUNT})
    assert response.status_code == 403, url
    assert _state() == before


@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, world, operator, rule, method):
    before = _state()
    response = client.open(fill(rule, _ids(world, operator)), method=method,
                           data={**DISTRICT, **ACCOUNT} if method == "POST" else None)
    assert response.status_code in ((302, 303) if method == "GET" else (302, 303, 400))
    if method == "GET":
        assert response.headers["Location"].startswith("/account/log-in")
    assert _state() == before


@pytest.mark.parametrize(("rule", "method"), [r for r in ROUTES if r.values[1] == "POST"])
def test_a_post_without_the_csrf_token_is_refused(admin, world, operator, rule, method):
    before = _state()
    assert admin.post(fill(rule, _ids(world, operator)), data={**DISTRICT, **ACCOUNT}).status_code == 400
    assert _state() == before


def test_the_admin_creates_a_district_that_takes_applications(admin, admin_user, factory):
    response = post(admin, "/admin/districts", DISTRICT)
    assert response.status_code == 303
    db.session.rollback()
    district = db.session.scalar(select(District).where(District.code == "KR"))
    assert (district.name_kk, district.timezone, district.email) == (DISTRICT["name_kk"], "Asia/Almaty",
                                                                     DISTRICT["email"])
    assert response.headers["Location"].endswith(f"/admin/districts/{district.id}")
    [event] = events("district.created")
    assert json.loads(event.data) == {"district_id": district.id, "code": "KR", "timezone": "Asia/Almaty"}
    assert event.actor_role == "admin"
    assert event.private_digest == audit.private_digest(Actor.of(admin_user), {}, salt=event.private_salt)

    # The engine needs nothing more: the first application of the district gets number 1.
    locality = factory.locality(district)
    application = factory.application(locality)
    factory.commit()
    assert application.number == "KR-2026-000001"
    listing = admin.get("/admin/districts").get_data(as_text=True)
    assert "Karasai district" in listing


@pytest.mark.parametrize("change, message", [
    ({"code": "K1"}, "The code is 2 to 8 Latin letters"),
    ({"code": "GM"}, "Another district already has this code."),
    ({"timezone": "Asia/Nowhere"}, "Unknown time zone"),
    ({"timezone": "../../etc/passwd"}, "Unknown time zone"),
    ({"name_en": " "}, "name in every language"),
    ({"email": "not-an-address"}, "Enter an email address"),
])
def test_wrong_district_input_is_422_and_changes_nothing(admin, world, change, message):
    before = _state()
    response = post(admin, "/admin/districts", {**DISTRICT, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _state() == before


def test_the_admin_edits_a_district(admin, admin_user, world):
    response = post(admin, f"/admin/districts/{world.district.id}",
                    {**DISTRICT, "code": world.district.code, "timezone": "Asia/Qostanay"})
    assert response.status_code == 303
    district = fresh(world.district)
    assert (district.name_ru, district.timezone, district.email) == (DISTRICT["name_ru"], "Asia/Qostanay",
                                                                     DISTRICT["email"])
    [event] = events("district.changed")
    data = json.loads(event.data)
    assert data["timezone"] == "Asia/Qostanay" and "name_ru" in data["changed"] and "code" not in data["changed"]
    assert event.private_digest == audit.private_digest(Actor.of(admin_user), {}, salt=event.private_salt)
    # Saving the same values again records nothing.
    post(admin, f"/admin/districts/{world.district.id}", {**DISTRICT, "code": world.district.code,
                                                           "timezone": "Asia/Qostanay"})
    assert len(events("district.changed")) == 1


def test_the_code_cannot_change_once_the_district_has_applications(admin, world):
    world.submit()
    world.commit()
    before = _state()
    response = post(admin, f"/admin/districts/{world.district.id}", {**DISTRICT, "code": "NEW"})
    assert response.status_code == 409
    assert "cannot change" in response.get_data(as_text=True)
    assert _state() == before


def test_an_unknown_district_is_404(admin):
    assert admin.get("/admin/districts/999").status_code == 404
    assert post(admin, "/admin/districts/999/accounts", ACCOUNT).status_code == 404


def test_the_admin_creates_a_department_account_and_the_person_sets_a_password(admin, admin_user, world, app):
    response = post(admin, f"/admin/districts/{world.district.id}/accounts", ACCOUNT)
    assert response.status_code == 303
    db.session.rollback()
    account = db.session.scalar(select(User).where(User.phone == "+77051112233"))
    assert (account.role, account.district_id, account.kindergarten_id) == ("department", world.district.id, None)
    [event] = events("account.created")
    assert json.loads(event.data) == {"role": "department", "district_id": world.district.id}
    assert event.private_digest == audit.private_digest(
        Actor.of(admin_user), {"account_id": account.id, "phone": account.phone, "full_name": account.full_name},
        salt=event.private_salt)
    page = admin.get(f"/admin/districts/{world.district.id}").get_data(as_text=True)
    assert ACCOUNT["full_name"] in page

    person = app.test_client()
    person.get("/account/password/reset?phone=87051112233")
    response = post_form(person, "/account/password/reset", {
        "code": last_code(account.phone, "reset_password"), "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD})
    assert response.status_code == 303
    assert log_in(person, account.phone, NEW_PASSWORD).status_code == 303
    assert person.get("/department").status_code == 200


def test_a_phone_already_in_use_is_422(admin, world, operator):
    before = _state()
    response = post(admin, f"/admin/districts/{world.district.id}/accounts", {**ACCOUNT, "phone": operator.phone})
    assert response.status_code == 422
    assert "Another account already uses this phone number." in response.get_data(as_text=True)
    assert _state() == before


def test_block_unblock_and_reset_a_department_account(admin, admin_user, world, operator, app):
    session_of_operator = app.test_client()
    assert log_in(session_of_operator, operator.phone, PASSWORD).status_code == 303
    assert post(admin, f"/admin/accounts/{operator.id}/block").status_code == 303
    assert not fresh(operator).active
    assert session_of_operator.get("/department").status_code in (302, 303)
    assert log_in(app.test_client(), operator.phone, PASSWORD).status_code == 422
    [event] = events("account.blocked")
    assert json.loads(event.data) == {"role": "department", "district_id": world.district.id}
    assert event.private_digest == audit.private_digest(
        Actor.of(admin_user), {"account_id": operator.id, "phone": operator.phone, "full_name": operator.full_name},
        salt=event.private_salt)
    assert post(admin, f"/admin/accounts/{operator.id}/password-code").status_code == 409  # blocked: no code

    assert post(admin, f"/admin/accounts/{operator.id}/unblock").status_code == 303
    assert fresh(operator).active and len(events("account.unblocked")) == 1
    assert post(admin, f"/admin/accounts/{operator.id}/password-code").status_code == 303
    assert len(sms_codes(operator.phone, "reset_password")) == 1
    assert len(events("account.password_reset_sent")) == 1


def test_the_admin_may_block_staff_too_but_not_parents_nor_admins(admin, admin_user, world, factory):
    clerk, _ = factory.staff(world.kindergarten)
    assert world.parent.id
    factory.commit()
    assert post(admin, f"/admin/accounts/{clerk.id}/block").status_code == 303
    assert not fresh(clerk).active
    before = _state()
    for user in (world.parent, admin_user):
        assert post(admin, f"/admin/accounts/{user.id}/block").status_code == 404
    assert _state() == before
