"""Password reset by a code sent to the account's phone."""
from datetime import timedelta

from webapp.services import clock

from .conftest import PASSWORD, account, last_code, log_in, post_form, sms_codes

NEW = "Aral-sea-blue-77"


def ask_for_code(client, phone):
    return post_form(client, "/account/password/forgot", {"phone": phone})


def test_a_code_by_sms_sets_a_new_password(client, confirmed_parent):
    response = ask_for_code(client, "8 701 777 00 11")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/password/reset")
    code = last_code(confirmed_parent.phone, "reset_password")
    response = post_form(client, "/account/password/reset", {"code": code, "password": NEW, "password_again": NEW})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/log-in")
    assert "Your password has been changed" in client.get("/account/log-in").get_data(as_text=True)
    assert log_in(client, confirmed_parent.phone, "correct-horse-1").status_code == 422
    assert log_in(client, confirmed_parent.phone, NEW).status_code == 303


def test_an_unknown_number_gets_the_same_answer_and_no_sms(client, confirmed_parent):
    response = ask_for_code(client, "+7 702 000 00 00")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/password/reset")
    assert sms_codes("+77020000000", "reset_password") == []
    refused = post_form(client, "/account/password/reset", {"code": "123456", "password": NEW, "password_again": NEW})
    assert refused.status_code == 422 and "There is no valid code" in refused.get_data(as_text=True)


def test_a_wrong_or_expired_reset_code_changes_nothing(client, confirmed_parent):
    ask_for_code(client, confirmed_parent.phone)
    code = last_code(confirmed_parent.phone, "reset_password")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = post_form(client, "/account/password/reset", {"code": wrong, "password": NEW, "password_again": NEW})
    assert response.status_code == 422 and "Tries left: 4" in response.get_data(as_text=True)
    clock.advance(timedelta(minutes=11))
    response = post_form(client, "/account/password/reset", {"code": code, "password": NEW, "password_again": NEW})
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)
    assert log_in(client, confirmed_parent.phone, NEW).status_code == 422


def test_the_new_password_must_be_strong(client, confirmed_parent):
    ask_for_code(client, confirmed_parent.phone)
    code = last_code(confirmed_parent.phone, "reset_password")
    response = post_form(client, "/account/password/reset",
                         {"code": code, "password": "7017770011ab", "password_again": "7017770011ab"})
    assert response.status_code == 422 and "phone number" in response.get_data(as_text=True)


def test_the_reset_form_needs_a_phone_first(client):
    response = client.get("/account/password/reset")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/password/forgot")


def test_a_reset_code_confirms_an_unconfirmed_phone(client, signed_up):
    client.post("/account/log-out", data={"csrf_token": _token(client)})
    clock.advance(timedelta(seconds=61))  # the sign-up's code went a moment ago
    assert ask_for_code(client, signed_up.phone).status_code == 303
    code = last_code(signed_up.phone, "reset_password")
    assert post_form(client, "/account/password/reset",
                     {"code": code, "password": NEW, "password_again": NEW}).status_code == 303
    assert account(signed_up.phone).phone_verified
    assert log_in(client, signed_up.phone, PASSWORD).status_code == 422


def test_reset_codes_are_limited_per_phone(client, confirmed_parent):
    assert ask_for_code(client, confirmed_parent.phone).status_code == 303
    too_soon = ask_for_code(client, confirmed_parent.phone)
    assert too_soon.status_code == 429 and "seconds" in too_soon.get_data(as_text=True)


def _token(client):
    from .conftest import csrf_token

    return csrf_token(client, "/account/confirm-phone")
