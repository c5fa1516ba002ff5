"""The ``http`` SMS gateway against a real local HTTP server standing in for the provider:
request shape, retries with backoff, a provider down for good, and re-sending what failed."""
from datetime import timedelta

import pytest

from webapp import create_app, jobs
from webapp.services import clock, delivery, notifications, sms

from .conftest import Family, outbox

MAX_ATTEMPTS = 5


@pytest.fixture
def app_overrides(sms_provider):
    return {"SMS_BACKEND": "http", "SMS_HTTP_URL": sms_provider.url, "SMS_HTTP_TOKEN": "t0ken",
            "SMS_HTTP_SENDER": "GM-BILIM", "SMS_HTTP_TIMEOUT": 5, "NOTIFICATION_MAX_ATTEMPTS": MAX_ATTEMPTS}


@pytest.fixture
def family(factory):
    return Family(factory, email=None)


def test_the_request_has_the_providers_shape(family, session, sms_provider):
    [application] = family.apply()
    [row] = outbox(session, application_id=application.id, channel="sms")
    [request] = sms_provider.requests
    assert request["json"] == {"recipient": family.parent.phone[1:], "text": row.body, "from": "GM-BILIM",
                               "message_id": row.idempotency_key}
    assert request["headers"]["Authorization"] == "Bearer t0ken"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == row.idempotency_key
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")


def test_the_token_can_go_in_the_query_and_field_names_follow_the_provider(app, family, sms_provider):
    app.config.update(SMS_HTTP_TOKEN_PARAM="apiKey", SMS_HTTP_FIELDS={"sender": "sender", "message_id": "uid"})
    family.apply()
    [request] = sms_provider.requests
    assert request["args"] == {"apiKey": "t0ken"} and "Authorization" not in request["headers"]
    assert set(request["json"]) == {"recipient", "text", "sender", "uid"}


def test_a_provider_failing_three_times_then_succeeding_delivers_once(family, session, sms_provider):
    sms_provider.fail_next = 3
    [application] = family.apply()  # attempt 1, right after the commit
    [row] = outbox(session, application_id=application.id, channel="sms")
    waits = []
    while row.status == "pending":
        assert "HTTP 503" in row.last_error and "temporarily unavailable" in row.last_error
        waits.append(row.next_attempt_at - clock.now())
        clock.advance(waits[-1])
        jobs.requeue_pending()  # the tick's outbox step: without Redis it delivers what is due
        [row] = outbox(session, id=row.id)
    assert waits == [timedelta(seconds=s) for s in (60, 300, 900)]  # backoff
    assert (row.status, row.attempts, row.last_error, row.sent_at) == ("sent", 4, "", clock.now())
    assert len(sms_provider.requests) == 4 and list(sms_provider.accepted) == [row.idempotency_key]


def test_nothing_is_sent_before_its_time(family, session, sms_provider):
    sms_provider.fail_next = 1
    [application] = family.apply()
    [row] = outbox(session, application_id=application.id, channel="sms")
    clock.advance(timedelta(seconds=59))
    assert jobs.deliver_notification(row.id) == "not_due"
    assert jobs.deliver_outbox() == 0
    assert len(sms_provider.requests) == 1


def test_a_provider_down_for_good_fails_visibly_and_can_be_resent(family, session, sms_provider, cli):
    sms_provider.down = True
    [application] = family.apply()
    [row] = outbox(session, application_id=application.id, channel="sms")
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(timedelta(hours=2))
        jobs.requeue_pending()
    [row] = outbox(session, id=row.id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert len(sms_provider.requests) == MAX_ATTEMPTS and not sms_provider.accepted

    assert [(failed.id, number) for failed, number in delivery.failed(session, family.district.id)] == \
        [(row.id, application.number)]
    listed = cli.invoke(args=["notifications", "failed", "--district", family.district.code])
    assert listed.exit_code == 0 and f"{row.id}\t" in listed.output and application.number in listed.output
    assert "HTTP 503" in listed.output
    status = cli.invoke(args=["jobs", "status"])
    assert "failed=1" in status.output and "redis: disabled" in status.output

    sms_provider.down = False
    resent = cli.invoke(args=["notifications", "resend", str(row.id)])
    assert resent.exit_code == 0, resent.output
    assert f"notification {row.id}: sent (attempts=1)" in resent.output
    assert list(sms_provider.accepted) == [row.idempotency_key]
    again = cli.invoke(args=["notifications", "resend", str(row.id)])
    # never twice (the CLI speaks the default language, Russian)
    assert again.exit_code != 0 and "Повторно отправить можно только" in again.output
    assert len(sms_provider.accepted) == 1


def test_a_message_whose_worker_died_goes_out_again_after_its_lease(app, family, session, sms_provider):
    sms_provider.down = True
    [application] = family.apply()
    [row] = outbox(session, application_id=application.id, channel="sms")
    sms_provider.down = False
    clock.advance(timedelta(seconds=60))
    settings = delivery.Settings.from_config(app.config)
    with delivery.outbox_connection(session) as connection:
        [claimed] = delivery.claim_due(connection, clock.now(), settings)  # a worker claims it… and dies
    assert (claimed.id, claimed.attempts) == (row.id, 2)
    assert jobs.requeue_pending()["recovered"] == 0  # its lease still runs
    clock.advance(settings.lease)
    assert jobs.requeue_pending() == {"recovered": 1, "overdue": 0, "sent": 1}
    [row] = outbox(session, id=row.id)
    assert (row.status, row.attempts) == ("sent", 3)


def test_every_text_fits_one_sms():
    """One Cyrillic SMS is 70 characters: every event's text, in every language, with realistic values."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True,
                      "REDIS_URL": None})
    params = {"number": "GM-2026-000123", "due": "30.03.2026", "until": "13.04.2026", "year": 2026,
              "code": "123456"}
    with app.app_context():
        too_long = [(language, event, len(text), text)
                    for language in ("kk", "ru", "en") for event in notifications.TEXTS
                    for text in [notifications.render(event, language, params)] if sms.segments(text) > 1]
    assert too_long == []


def test_segments_count_like_a_phone():
    assert sms.segments("a" * 160) == 1 and sms.segments("a" * 161) == 2
    assert sms.segments("ы" * 70) == 1 and sms.segments("ы" * 71) == 2 and sms.segments("ә" * 135) == 3
