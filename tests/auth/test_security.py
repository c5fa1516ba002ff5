"""Every POST of the blueprint needs the CSRF token; log-in and code entry are rate-limited per
client and per phone number."""
import pytest

from webapp import create_app

from .conftest import last_code, log_in, post_form, sign_up_data


def _auth_posts():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "routes", "TESTING": True,
                      "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://", "INLINE_SWEEP_INTERVAL": 0})
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("auth.") and "POST" in rule.methods)


AUTH_POSTS = _auth_posts()


def test_the_blueprint_has_the_expected_forms():
    assert set(AUTH_POSTS) >= {"/account", "/account/sign-up", "/account/log-in", "/account/log-out",
                               "/account/confirm-phone", "/account/confirm-phone/resend",
                               "/account/password/forgot", "/account/password/reset"}


@pytest.mark.parametrize("path", AUTH_POSTS)
def test_every_post_without_the_csrf_token_is_refused(client, parent, path):
    with client.session_transaction() as session:
        session["reset_phone"] = parent.phone
    response = client.post(path, data={"phone": parent.phone, "password": "Steppe-wind-2026", "code": "000000"})
    assert response.status_code == 400
    assert client.get("/account").status_code == 200  # still logged in: log-out was refused too


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}


def test_log_in_is_limited_per_client(client, confirmed_parent):
    for n in range(3):
        assert log_in(client, f"+7 702 000 00 0{n}", "wrong-password").status_code == 422
    response = log_in(client, confirmed_parent.phone)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many requests" in response.get_data(as_text=True)


def test_log_in_is_limited_per_phone_from_any_address(client, confirmed_parent):
    for n in range(3):
        response = log_in(client, confirmed_parent.phone, "wrong-password",
                          environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
        assert response.status_code == 422
    response = log_in(client, confirmed_parent.phone, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
    other = log_in(client, "+7 702 000 00 01", "wrong-password", environ_base={"REMOTE_ADDR": "10.0.0.10"})
    assert other.status_code == 422


def test_code_entry_is_limited_too(client, signed_up):
    for _ in range(3):
        assert post_form(client, "/account/confirm-phone", {"code": "000000"}).status_code == 422
    response = post_form(client, "/account/confirm-phone", {"code": last_code(signed_up.phone)})
    assert response.status_code == 429


def test_sign_up_is_limited_per_client(client):
    for n in range(3):
        assert post_form(client, "/account/sign-up", sign_up_data(phone=f"+7 702 000 00 0{n}", iin="1")).status_code == 422
    assert post_form(client, "/account/sign-up", sign_up_data()).status_code == 429
