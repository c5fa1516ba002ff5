"""The notification outbox (DESIGN §5): written in the business transaction, idempotent, delivered
only after the commit, gone with a rollback; and domain errors readable wherever they surface."""
import logging

import pytest
from sqlalchemy import func, select

from webapp.models import Notification
from webapp.services import clock, invitations, notifications, sweep
from webapp.services.errors import WrongState

from .helpers import World, notifications_of, snapshot


@pytest.fixture
def world(factory):
    return World(factory)


def _count(session):
    return session.scalar(select(func.count()).select_from(Notification))


def test_rows_are_written_in_the_transaction_and_delivered_after_commit(world, session):
    application = world.submit()
    [sms] = [r for r in notifications_of(session, application) if r.channel == "sms"]
    assert (sms.status, sms.attempts, sms.sent_at) == ("pending", 0, None)
    world.commit()
    session.expire_all()
    rows = notifications_of(session, application)
    assert sorted(r.channel for r in rows) == ["inbox", "sms"]
    assert {r.status for r in rows} == {"sent"} and all(r.sent_at for r in rows)
    sms = next(r for r in rows if r.channel == "sms")
    assert (sms.recipient, sms.language, sms.attempts, sms.sent_at) == \
        (world.parent.phone, world.parent.language, 1, clock.now())


def test_a_rolled_back_transition_leaves_no_notification(world, session):
    application, _ = world.bring_to("invited")
    before = _count(session)
    invitations.decline(session, application.id, world.parent_actor, clock.now())
    assert _count(session) > before
    session.rollback()
    assert _count(session) == before
    assert notifications_of(session, application, "invitation.declined") == []


def test_the_same_message_for_the_same_event_is_written_once(world, session):
    application, _ = world.bring_to("queued")
    params = {"number": application.number}
    first = notifications.notify(session, world.parent, "application.submitted", params,
                                 application=application, key="resend-test")
    again = notifications.notify(session, world.parent, "application.submitted", params,
                                 application=application, key="resend-test")
    assert len(first) == 2 and again == []
    world.commit()
    rows = notifications_of(session, application)
    resent = [r for r in rows if r.idempotency_key.startswith("resend-test")]
    assert len(resent) == 2


def test_a_repeated_sweep_sends_nothing_twice(world, session):
    application, _ = world.bring_to("invited")
    clock.set(clock.parse("2026-12-01T05:00:00Z"))  # the invitation lapsed at the end of 30 November
    sweep.run(session, clock.now())
    expired = notifications_of(session, application, "invitation.expired")
    assert len(expired) == 2 and {r.status for r in expired} == {"sent"}
    before = snapshot(session)
    sweep.run(session, clock.now())
    assert snapshot(session) == before


def test_each_transition_tells_the_parent_in_their_language(world, session, factory):
    parent = factory.user("parent", language="kk")
    application = world.submit(parent=parent)
    world.commit()
    [sms] = [r for r in notifications_of(session, application) if r.channel == "sms"]
    assert sms.language == "kk" and application.number in sms.body


def test_a_domain_error_reads_well_outside_a_request(world, session, caplog):
    """Sweeps, workers and CLI commands have an app context but no request: their logs and
    messages must still show the error's text, not fail while rendering it."""
    application, _ = world.bring_to("queued")
    with pytest.raises(WrongState) as caught:
        invitations.decline(session, application.id, world.parent_actor, clock.now())
    text = str(caught.value)  # in the default language, whichever that is
    assert application.number in text and text != caught.value.code
    with caplog.at_level(logging.WARNING):
        logging.getLogger("webapp.services.sweep").warning("skipped: %s", caught.value)
    assert application.number in caplog.text
