"""Helpers for the account pages: forms are posted with their CSRF token, as a browser does, and
SMS codes are read from the notification outbox, where the parent's phone would receive them."""
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Notification, User
from webapp.services import iin, users

PASSWORD = "Steppe-wind-2026"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def parent_iin(serial: int = 7) -> str:
    from datetime import date

    while True:
        number = iin.make(date(1990, 3, 14), "F", serial)
        if number:
            return number
        serial += 1


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post_form(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST like a browser: fetch the page with the form first, send its token back."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def sms_codes(phone: str, purpose: str = "confirm_phone") -> list[str]:
    """Every code sent to ``phone`` for ``purpose``, oldest first, as the SMS texts carry them."""
    db.session.rollback()  # read what the requests committed
    bodies = db.session.scalars(
        select(Notification.body).where(Notification.channel == "sms", Notification.recipient == phone,
                                        Notification.event == f"phone_code.{purpose}")
        .order_by(Notification.id)
    ).all()
    return [re.search(r"\d{6}", body).group(0) for body in bodies if re.search(r"\d{6}", body)]


def last_code(phone: str, purpose: str = "confirm_phone") -> str:
    codes = sms_codes(phone, purpose)
    assert codes, f"no {purpose} code was sent to {phone}"
    return codes[-1]


def account(phone: str) -> User:
    db.session.rollback()  # read what the requests committed
    return db.session.scalar(select(User).where(User.phone == phone))


def sign_up_data(**overrides) -> dict:
    data = {"phone": "8 (701) 555-12-34", "full_name": "Сейітова Айгүл Маратқызы", "iin": parent_iin(),
            "email": "", "password": PASSWORD, "password_again": PASSWORD}
    data.update(overrides)
    return data


@pytest.fixture
def signed_up(client, app):
    """A parent who has just signed up (logged in, phone not yet confirmed)."""
    response = post_form(client, "/account/sign-up", sign_up_data())
    assert response.status_code == 303, response.get_data(as_text=True)
    return account("+77015551234")


@pytest.fixture
def parent(client, signed_up):
    """A parent with a confirmed phone, logged in."""
    response = post_form(client, "/account/confirm-phone", {"code": last_code(signed_up.phone)})
    assert response.status_code == 303
    return account(signed_up.phone)


@pytest.fixture
def confirmed_parent(factory):
    """An account made outside the pages (phone confirmed), not logged in."""
    user = factory.user(phone="+77017770011", full_name="Нұрлан Әбенов")
    users.confirm_phone(user)
    factory.commit()
    return user


def log_in(client, phone: str, password: str = "correct-horse-1", next: str | None = None, **kwargs):
    data = {"phone": phone, "password": password}
    if next is not None:
        data["next"] = next
    return post_form(client, "/account/log-in", data, **kwargs)


class Browser(FlaskClient):
    """Each request in an application context of its own, as in production. The ``app`` fixture
    keeps one context open for the whole test, and requests would share its ``g``: Flask-WTF's
    cached CSRF token and Flask-Login's current user would leak from one request into the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    """A browser set to English, the language the assertions read."""
    app.test_client_class = Browser
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    return browser
