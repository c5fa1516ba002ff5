"""Email over SMTP to a real server started by the test: subject, language, body, reply-to."""
from datetime import timedelta

import pytest

from webapp import jobs
from webapp.services import clock, notifications

from .conftest import DISTRICT_EMAIL, Family, closed_port, outbox

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


@pytest.fixture
def app_overrides(smtp_server):
    return {"SMTP_HOST": smtp_server.host, "SMTP_PORT": smtp_server.port,
            "MAIL_FROM": "Kezek <kezek@gm.example.kz>"}


@pytest.mark.parametrize("language, greeting, other_greeting", [
    ("kk", "Құрметті ата-ана!", "Уважаемый родитель!"),
    ("ru", "Уважаемый родитель!", "Құрметті ата-ана!"),
])
def test_a_letter_in_the_parents_language_answered_by_the_department(factory, session, smtp_server, language,
                                                                       greeting, other_greeting):
    family = Family(factory, language=language)
    [application] = family.apply()  # no Redis: delivered right after the commit
    [row] = outbox(session, application_id=application.id, channel="email")
    assert (row.status, row.attempts, row.language) == ("sent", 1, language)

    [(sender, recipients, message)] = smtp_server.messages
    assert (sender, recipients) == ("kezek@gm.example.kz", ["parent@example.kz"])
    assert message["Reply-To"] == DISTRICT_EMAIL
    assert message["Content-Language"] == language
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == "<application.submitted.1.submitted.email@gm.example.kz>"
    # The subject is the short text of the event, translated, with the application number.
    assert message["Subject"] == row.body and application.number in row.body
    others = {notifications.render("application.submitted", other, {"number": application.number})
              for other in ("kk", "ru", "en") if other != language}
    assert row.body not in others  # really translated, not a fallback
    assert bool(set(row.body) & KAZAKH_LETTERS) == (language == "kk")

    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert greeting in part and other_greeting not in part
        assert row.body in part and application.number in part
        assert family.district.name_in(language) in part
    assert f'<html lang="{language}">' in html
    assert row.body_html.strip() == html.strip()  # what was sent is kept


def test_a_district_without_an_email_sends_no_reply_to(factory, session, smtp_server):
    family = Family(factory)
    family.district.email = None
    family.apply()
    [(_, _, message)] = smtp_server.messages
    assert message["Reply-To"] is None
    assert "ответьте на это письмо" not in message.get_body(("plain",)).get_content()


def test_an_smtp_server_that_is_down_is_retried_later(app, factory, session, smtp_server):
    app.config["SMTP_PORT"] = closed_port()
    family = Family(factory)
    [application] = family.apply()
    [row] = outbox(session, application_id=application.id, channel="email")
    assert (row.status, row.attempts) == ("pending", 1)
    assert "SMTP" in row.last_error and row.next_attempt_at == clock.now() + timedelta(seconds=60)

    app.config["SMTP_PORT"] = smtp_server.port
    clock.advance(timedelta(seconds=60))
    assert jobs.deliver_outbox() == 1
    [row] = outbox(session, id=row.id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(smtp_server.messages) == 1
