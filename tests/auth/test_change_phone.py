"""Changing the account's mobile phone: the code goes to the new number, and the account moves to it
only when that code comes back; until then the old phone stays in use."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Notification
from webapp.services import clock

from .conftest import PASSWORD, account, last_code, log_in, post_form, sms_codes

OLD = "+77015551234"  # the ``parent`` fixture's phone
NEW = "+77015559988"


def _ask(client, phone="8 (701) 555-99-88"):
    return post_form(client, "/account/phone", {"phone": phone}, form_page="/account")


def _enter(client, code):
    return post_form(client, "/account/phone/confirm", {"code": code})


def test_the_profile_has_the_change_phone_form(client, parent):
    page = client.get("/account").get_data(as_text=True)
    assert "Change mobile phone" in page and 'action="/account/phone"' in page


def test_the_phone_changes_only_after_the_code_sent_to_the_new_number(client, parent):
    response = _ask(client)
    assert response.status_code == 303 and response.headers["Location"] == "/account/phone/confirm"
    assert sms_codes(OLD, "change_phone") == []  # the code went to the new number only
    code = last_code(NEW, "change_phone")
    assert account(OLD) is not None and account(NEW) is None  # the old phone stays in use
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "+7 701 555 99 88" in page and "+7 701 555 12 34" in page
    assert "+7 701 555 99 88" in client.get("/account").get_data(as_text=True)  # the pending change

    response = _enter(client, code)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert "Your mobile phone is now +7 701 555 99 88." in client.get("/account").get_data(as_text=True)
    moved = account(NEW)
    assert moved is not None and moved.id == parent.id and moved.phone_verified
    assert account(OLD) is None
    assert "*" * 6 in last_body(NEW)  # the code's text is blanked once used
    assert client.get("/account/phone/confirm").status_code == 303  # nothing pending any more


def last_body(phone):
    return db.session.scalars(select(Notification.body).where(
        Notification.recipient == phone, Notification.event == "phone_code.change_phone")
        .order_by(Notification.id.desc())).first()


def test_log_in_works_with_the_new_phone_and_not_the_old(client, parent):
    _ask(client)
    assert _enter(client, last_code(NEW, "change_phone")).status_code == 303
    assert post_form(client, "/account/log-out", {}, form_page="/account").status_code == 303
    assert log_in(client, OLD, PASSWORD).status_code == 422
    response = log_in(client, NEW, PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/account"


def test_a_wrong_code_leaves_the_phone_as_it_was(client, parent):
    _ask(client)
    right = last_code(NEW, "change_phone")
    wrong = "000000" if right != "000000" else "111111"
    response = _enter(client, wrong)
    assert response.status_code == 422 and "Wrong code. Tries left: 4." in response.get_data(as_text=True)
    assert account(OLD) is not None and account(NEW) is None
    assert _enter(client, right).status_code == 303


def test_an_expired_code_is_refused(client, parent):
    _ask(client)
    code = last_code(NEW, "change_phone")
    clock.advance(timedelta(minutes=10))
    response = _enter(client, code)
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)
    assert account(OLD) is not None and account(NEW) is None


def test_a_new_code_can_be_asked_for_but_not_at_once(client, parent):
    _ask(client)
    response = post_form(client, "/account/phone/resend", {}, form_page="/account/phone/confirm")
    assert response.status_code == 429 and "in 60 seconds" in response.get_data(as_text=True)
    clock.advance(timedelta(seconds=61))
    response = post_form(client, "/account/phone/resend", {}, form_page="/account/phone/confirm")
    assert response.status_code == 303
    assert len(sms_codes(NEW, "change_phone")) == 2
    assert _enter(client, last_code(NEW, "change_phone")).status_code == 303
    assert account(NEW).id == parent.id


def test_a_number_of_another_account_is_refused(client, parent, confirmed_parent):
    response = _ask(client, confirmed_parent.phone)
    assert response.status_code == 422
    assert "Another account already uses this phone number." in response.get_data(as_text=True)
    assert sms_codes(confirmed_parent.phone, "change_phone") == []


def test_the_own_number_is_refused(client, parent):
    response = _ask(client, OLD)
    assert response.status_code == 422 and "already your phone number" in response.get_data(as_text=True)


@pytest.mark.parametrize("phone", ["12345", "", "+7 601 555 99 88"])
def test_a_malformed_number_is_refused(client, parent, phone):
    response = _ask(client, phone)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a Kazakh mobile number" in page or "Enter the new mobile phone number." in page
    assert account(OLD).phone == OLD


@pytest.mark.parametrize("path", ["/account/phone", "/account/phone/confirm", "/account/phone/resend"])
def test_every_new_post_needs_the_csrf_token(client, parent, path):
    _ask(client)
    response = client.post(path, data={"phone": NEW, "code": last_code(NEW, "change_phone")})
    assert response.status_code == 400
    assert account(OLD) is not None and account(NEW) is None


def test_the_interest_page_links_to_the_form(client, factory):
    district = factory.district()
    locality = factory.locality(district)
    user = factory.user(phone="+77015550001", full_name="Айгүл Сейітова")
    user.phone_verified = True
    child = factory.child(user)
    application = factory.application(locality, child=child)
    factory.commit()
    clock.set(datetime(2027, 2, 1, 5, tzinfo=timezone.utc))
    assert log_in(client, user.phone).status_code == 303
    page = client.get(f"/cabinet/applications/{application.id}/interest").get_data(as_text=True)
    assert "Changed your phone? Change it here" in page and 'href="/account#change-phone"' in page
    assert 'name="contacts_ok"' in page  # the tick stays
