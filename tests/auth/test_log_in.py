"""Log-in by phone and password, log-out, the session cookie, ``next``, blocked accounts."""
import pytest

from webapp.extensions import db
from webapp.services import users

from .conftest import account, csrf_token, log_in, post_form


def test_log_in_with_any_spelling_of_the_phone_then_log_out(client, confirmed_parent):
    response = log_in(client, "8 701 777 00 11")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200
    token = csrf_token(client, "/account")
    response = client.post("/account/log-out", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    after = client.get("/account")
    assert after.status_code == 302 and "/account/log-in" in after.headers["Location"]


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, confirmed_parent):
    response = log_in(client, confirmed_parent.phone, "not-the-password")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Wrong phone number or password." in body
    assert client.get("/account").status_code == 302
    unknown = log_in(client, "+7 701 000 00 00", "not-the-password")
    assert unknown.status_code == 422 and "Wrong phone number or password." in unknown.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"phone": "", "password": "x"}, "Enter your mobile phone number."),
    ({"phone": "+7 701 777 00 11", "password": ""}, "Enter your password."),
    ({"phone": "+44 20 7946 0000", "password": "x"}, "Kazakh mobile number"),
])
def test_an_incomplete_log_in_form_comes_back_with_the_reason(client, data, message):
    response = post_form(client, "/account/log-in", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_blocked_account_cannot_log_in(client, confirmed_parent):
    confirmed_parent.active = False
    db.session.commit()
    response = log_in(client, confirmed_parent.phone)
    assert response.status_code == 422
    assert client.get("/account").status_code == 302


def test_blocking_an_account_ends_its_session(client, confirmed_parent):
    assert log_in(client, confirmed_parent.phone).status_code == 303
    user = account(confirmed_parent.phone)
    user.active = False
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_log_in_starts_a_new_session(client, confirmed_parent):
    client.get("/account/log-in")
    before = client.get_cookie("session").value
    assert log_in(client, confirmed_parent.phone).status_code == 303
    after = client.get_cookie("session")
    assert after is not None and after.value != before


def test_the_session_cookie_is_http_only_and_lax(client, confirmed_parent):
    response = log_in(client, confirmed_parent.phone)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_outside_development(app):
    from webapp import create_app

    production = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "SECRET_KEY": "s", "ENV_NAME": "production", "REDIS_URL": None,
                             "RATELIMIT_STORAGE_URI": "memory://", "INLINE_SWEEP_INTERVAL": 0})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert production.config["SESSION_PROTECTION"] == "strong"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # tests run over plain http


def test_next_leads_back_to_a_page_of_this_site(client, confirmed_parent):
    response = log_in(client, confirmed_parent.phone, next="/queue?language=kk")
    assert response.status_code == 303 and response.headers["Location"] == "/queue?language=kk"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/path", "/\\evil.example", "http:/evil.example", "javascript:alert(1)",
    "evil.example", "/\r\nLocation: https://evil.example",
])
def test_next_never_leads_to_another_site(client, confirmed_parent, target):
    response = log_in(client, confirmed_parent.phone, next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"


def test_the_log_in_page_carries_next_into_its_form(client):
    page = client.get("/account/log-in?next=/account").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account"' in page


def test_a_protected_page_sends_a_visitor_to_log_in_and_back(client, confirmed_parent):
    response = client.get("/account")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/account/log-in?next=")
    from urllib.parse import parse_qs, urlsplit

    target = parse_qs(urlsplit(location).query)["next"][0]
    assert log_in(client, confirmed_parent.phone, next=target).headers["Location"] == "/account"


def test_an_unconfirmed_parent_logs_in_to_the_confirmation_page(client, factory):
    factory.user(phone="+77017770022")
    factory.commit()
    response = log_in(client, "+77017770022", next="/account")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/account/confirm-phone")
    assert "Confirm your phone" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_staff_accounts_are_not_asked_to_confirm_a_phone(client, factory):
    kindergarten = factory.kindergarten()
    user, _ = factory.staff(kindergarten)
    factory.commit()
    assert not users.must_confirm_phone(user)
    assert log_in(client, user.phone).headers["Location"] == "/account"


def test_a_session_carried_to_another_browser_is_dropped(client, confirmed_parent):
    assert log_in(client, confirmed_parent.phone).status_code == 303
    assert client.get("/account").status_code == 200
    stolen = client.get("/account", headers={"User-Agent": "another-browser/1.0"})
    assert stolen.status_code == 302 and "/account/log-in" in stolen.headers["Location"]


def test_confirming_the_phone_never_leads_to_another_site(client, signed_up):
    from .conftest import last_code

    response = post_form(client, "/account/confirm-phone?next=//evil.example/",
                         {"code": last_code(signed_up.phone), "next": "//evil.example/"},
                         form_page="/account/confirm-phone")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
