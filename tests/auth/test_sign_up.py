"""Sign-up: every field's rule, then the phone confirmed with the SMS code before anything else."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Notification, PhoneCode, User
from webapp.services import clock

from .conftest import PASSWORD, account, last_code, post_form, sign_up_data, sms_codes


@pytest.mark.parametrize("spelling", [
    "+7 701 555 12 34", "+77015551234", "87015551234", "8 (701) 555-12-34", "7015551234", "7 701 555 1234",
])
def test_any_common_spelling_of_the_phone_is_stored_normalised(client, spelling):
    response = post_form(client, "/account/sign-up", sign_up_data(phone=spelling))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/confirm-phone")
    user = account("+77015551234")
    assert user is not None and user.role == "parent" and not user.phone_verified


@pytest.mark.parametrize("field, value, message", [
    ("phone", "+7 495 123 45 67", "Kazakh mobile number"),
    ("phone", "12345", "Kazakh mobile number"),
    ("phone", "", "Enter your mobile phone number"),
    ("full_name", "  ", "Enter your full name"),
    ("iin", "900314", "12 digits"),
    ("iin", "90031440000x", "digits only"),
    ("iin", "900314400009", "check digit"),
    ("email", "not-an-address", "Enter an email address"),
    ("password", "short-1", "at least 10 characters"),
    ("password", "12345678901234", "digits only"),
    ("password", "my7015551234x", "phone number"),
    ("password", "Qwerty123456", "too common"),
    ("password", "aaaaaaaaaaaa", "too common"),
    ("password_again", "Steppe-wind-2025", "two passwords differ"),
])
def test_invalid_sign_up_is_shown_again_with_the_reason(client, field, value, message):
    data = sign_up_data(**{field: value})
    if field == "password":
        data["password_again"] = value
    response = post_form(client, "/account/sign-up", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert 'aria-invalid="true"' in body
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_field_errors_are_translated(client):
    response = post_form(client, "/account/sign-up?lang=ru", sign_up_data(phone="12345"))
    assert response.status_code == 422
    assert "Введите казахстанский мобильный номер" in response.get_data(as_text=True)


def test_a_phone_number_has_only_one_account(client, confirmed_parent):
    response = post_form(client, "/account/sign-up", sign_up_data(phone="8 701 777 00 11"))
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_sign_up_sends_a_code_by_sms_only_and_stores_only_its_hash(client, signed_up):
    rows = db.session.scalars(select(Notification).where(Notification.event == "phone_code.confirm_phone")).all()
    assert [(row.channel, row.recipient) for row in rows] == [("sms", "+77015551234")]
    code = last_code(signed_up.phone)
    stored = db.session.scalar(select(PhoneCode).where(PhoneCode.user_id == signed_up.id))
    assert stored.code_hash and code not in stored.code_hash
    assert stored.expires_at == clock.now() + timedelta(minutes=10)


def test_sign_up_then_the_code_confirms_the_phone(client, signed_up):
    page = client.get("/account/confirm-phone")
    assert page.status_code == 200 and "+7 701 555 12 34" in page.get_data(as_text=True)
    response = post_form(client, "/account/confirm-phone", {"code": last_code(signed_up.phone)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert account(signed_up.phone).phone_verified
    profile = client.get("/account")
    assert profile.status_code == 200 and "Сейітова Айгүл Маратқызы" in profile.get_data(as_text=True)


def test_the_used_code_no_longer_sits_in_the_outbox(client, parent):
    bodies = db.session.scalars(select(Notification.body).where(Notification.event == "phone_code.confirm_phone"))
    assert all("******" in body for body in bodies)


def test_an_unconfirmed_parent_is_sent_to_confirm_the_phone(client, signed_up):
    response = client.get("/account")
    assert response.status_code == 303
    assert "/account/confirm-phone" in response.headers["Location"]


def test_a_wrong_code_counts_and_five_wrong_ones_lock_the_code(client, signed_up):
    right = last_code(signed_up.phone)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    for left in (4, 3, 2, 1):
        response = post_form(client, "/account/confirm-phone", {"code": wrong})
        assert response.status_code == 422
        assert f"Tries left: {left}" in response.get_data(as_text=True)
    response = post_form(client, "/account/confirm-phone", {"code": wrong})
    assert response.status_code == 422 and "Too many wrong codes" in response.get_data(as_text=True)
    response = post_form(client, "/account/confirm-phone", {"code": right})
    assert response.status_code == 422 and "Too many wrong codes" in response.get_data(as_text=True)
    assert not account(signed_up.phone).phone_verified


def test_an_expired_code_is_refused(client, signed_up):
    code = last_code(signed_up.phone)
    clock.advance(timedelta(minutes=10))
    response = post_form(client, "/account/confirm-phone", {"code": code})
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)
    assert not account(signed_up.phone).phone_verified


def test_a_new_code_replaces_the_old_one(client, signed_up):
    old = last_code(signed_up.phone)
    clock.advance(timedelta(seconds=61))
    assert post_form(client, "/account/confirm-phone/resend", {}, form_page="/account/confirm-phone").status_code == 303
    new = last_code(signed_up.phone)
    if old != new:  # one in a million: the same six digits again
        response = post_form(client, "/account/confirm-phone", {"code": old})
        assert response.status_code == 422
    assert post_form(client, "/account/confirm-phone", {"code": new}).status_code == 303
    assert account(signed_up.phone).phone_verified


def test_a_new_code_waits_60_seconds_and_an_hour_allows_five(client, signed_up):
    def resend():
        return post_form(client, "/account/confirm-phone/resend", {}, form_page="/account/confirm-phone")

    too_soon = resend()
    assert too_soon.status_code == 429 and "seconds" in too_soon.get_data(as_text=True)
    for _ in range(4):  # the sign-up's code was the first of five
        clock.advance(timedelta(seconds=60))
        assert resend().status_code == 303
    clock.advance(timedelta(seconds=60))
    refused = resend()
    assert refused.status_code == 429 and "in an hour" in refused.get_data(as_text=True)
    assert len(sms_codes(signed_up.phone)) == 5
    clock.advance(timedelta(minutes=60))
    assert resend().status_code == 303


def test_a_confirmed_parent_goes_straight_on(client, parent):
    response = client.get("/account/confirm-phone")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")


def test_the_header_shows_the_account_and_a_log_out_button(client, parent):
    page = client.get("/").get_data(as_text=True)
    assert "Сейітова Айгүл Маратқызы" in page
    assert 'action="/account/log-out"' in page and 'name="csrf_token"' in page
    assert 'href="/account/log-in"' not in page


def test_the_header_offers_log_in_and_sign_up_to_visitors(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert 'href="/account/log-in"' in page and 'href="/account/sign-up"' in page
    assert "Set-Cookie" not in response.headers or "session=" not in response.headers["Set-Cookie"]


def test_the_pages_use_the_password_the_parent_chose(client, signed_up):
    client.post("/account/log-out", data={"csrf_token": _token(client)})
    assert post_form(client, "/account/log-in", {"phone": "+77015551234", "password": PASSWORD}).status_code == 303


def _token(client):
    from .conftest import csrf_token

    return csrf_token(client, "/account/confirm-phone")
