"""System settings of the senders: what the administration saves is what the next SMS and letter use,
a cleared field gives the configuration back, and secrets are never stored or shown."""
import json

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Setting
from webapp.services import audit
from webapp.services.actors import Actor

from ..jobs.conftest import Family, closed_port, outbox, sms_provider, smtp_server  # noqa: F401 - fixtures
from .conftest import OUTSIDERS, audit_head, csrf_token, events, post

TOKEN, SMTP_SECRET = "t0ken-never-shown", "smtp-never-shown"
SETTINGS = {"SMS_HTTP_SENDER": "GM-BILIM", "SMS_HTTP_URL": "", "MAIL_FROM": "Bilim GM <noreply@gm-bilim.example.kz>",
            "MAIL_REPLY_TO": "help@gm-bilim.example.kz"}


@pytest.fixture
def app_overrides(smtp_server, sms_provider):
    # The configured gateway address leads nowhere: only the stored one reaches the provider.
    return {"SMTP_HOST": smtp_server.host, "SMTP_PORT": smtp_server.port, "SMTP_PASSWORD": SMTP_SECRET,
            "MAIL_FROM": "kezek@localhost", "SMS_BACKEND": "http", "SMS_HTTP_TOKEN": TOKEN,
            "SMS_HTTP_URL": f"http://127.0.0.1:{closed_port()}/api/send", "SMS_HTTP_SENDER": "KEZEK",
            "SMS_HTTP_TIMEOUT": 2}


def _stored():
    db.session.rollback()
    return dict(db.session.execute(select(Setting.key, Setting.value)).all())


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_outsiders_get_403(outsider, method):
    before = (audit_head(), _stored())
    if method == "GET":
        response = outsider.get("/admin/settings")
    else:
        response = outsider.post("/admin/settings", data={"csrf_token": csrf_token(outsider, "/account"), **SETTINGS})
    assert response.status_code == 403
    assert (audit_head(), _stored()) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_visitors_are_sent_to_log_in(client, method):
    response = client.open("/admin/settings", method=method, data=SETTINGS if method == "POST" else None)
    assert response.status_code in ((302, 303) if method == "GET" else (302, 303, 400))
    assert _stored() == {}


def test_a_post_without_the_csrf_token_is_refused(admin):
    assert admin.post("/admin/settings", data=SETTINGS).status_code == 400
    assert _stored() == {}


def test_the_page_shows_the_configuration_and_never_a_secret(admin):
    page = admin.get("/admin/settings")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "KEZEK" in text and "kezek@localhost" in text  # the configured values, as defaults
    assert TOKEN not in text and SMTP_SECRET not in text
    assert text.count(">set<") == 2  # the token and the SMTP password: only whether they are set


def test_saved_settings_are_what_the_next_letter_and_sms_use(admin, admin_user, factory, session, smtp_server,
                                                             sms_provider):
    response = post(admin, "/admin/settings", {**SETTINGS, "SMS_HTTP_URL": sms_provider.url})
    assert response.status_code == 303
    assert _stored() == {**SETTINGS, "SMS_HTTP_URL": sms_provider.url}
    [event] = events("settings.changed")
    assert json.loads(event.data) == {"keys": sorted(SETTINGS)}
    assert sms_provider.url not in event.data  # values stay in the private details
    private = {"before": {key: None for key in SETTINGS},
               "after": {**SETTINGS, "SMS_HTTP_URL": sms_provider.url}}
    assert event.actor_role == "admin"
    assert event.private_digest == audit.private_digest(Actor.of(admin_user), private, salt=event.private_salt)

    family = Family(factory, email="parent@example.kz")
    family.district.email = None  # the fallback Reply-To applies
    [application] = family.apply()
    [(sender, recipients, message)] = smtp_server.messages
    assert sender == "noreply@gm-bilim.example.kz" and recipients == ["parent@example.kz"]
    assert "noreply@gm-bilim.example.kz" in message["From"]
    assert message["Reply-To"] == "help@gm-bilim.example.kz"
    [sms] = sms_provider.requests
    assert sms["json"]["from"] == "GM-BILIM"
    assert sms["headers"]["Authorization"] == f"Bearer {TOKEN}"  # the secret still comes from the environment
    [row] = outbox(session, application_id=application.id, channel="sms")
    assert row.status == "sent"


def test_a_cleared_field_gives_the_configuration_back(admin, factory, smtp_server):
    post(admin, "/admin/settings", SETTINGS)
    assert post(admin, "/admin/settings", {**SETTINGS, "MAIL_FROM": ""}).status_code == 303
    assert "MAIL_FROM" not in _stored()
    assert json.loads(events("settings.changed")[-1].data) == {"keys": ["MAIL_FROM"]}
    Family(factory, email="parent@example.kz").apply()
    [(sender, _, _)] = smtp_server.messages
    assert sender == "kezek@localhost"


def test_saving_the_same_values_records_nothing(admin):
    post(admin, "/admin/settings", SETTINGS)
    head = audit_head()
    assert post(admin, "/admin/settings", SETTINGS).status_code == 303
    assert audit_head() == head


@pytest.mark.parametrize("change, message", [
    ({"SMS_HTTP_SENDER": "Имя отправителя"}, "up to 11 Latin letters"),
    ({"SMS_HTTP_SENDER": "A-VERY-LONG-SENDER"}, "up to 11 Latin letters"),
    ({"SMS_HTTP_URL": "ftp://sms.example.kz/send"}, "starting with https://"),
    ({"SMS_HTTP_URL": "https://sms.example.kz/send?apiKey=abc"}, "must not contain a password or a token"),
    ({"SMS_HTTP_URL": "https://user:pw@sms.example.kz/send"}, "must not contain a password or a token"),
    ({"MAIL_FROM": "kezek at example"}, "Enter an email address"),
    ({"MAIL_REPLY_TO": "a@b.kz\r\nBcc: x@y.kz"}, "Enter an email address"),
])
def test_wrong_input_is_422_and_nothing_is_saved(admin, change, message):
    head = audit_head()
    response = post(admin, "/admin/settings", {**SETTINGS, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _stored() == {} and audit_head() == head
