"""Faults: a worker killed mid-batch, Redis down when a transition commits, deadline jobs that run
twice or after the parent acted. Against a real worker process, Redis and an HTTP SMS provider."""
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from webapp import jobs, queueing
from webapp.models import Application, AuditEvent, Seat
from webapp.services import clock, invitations, tasks
from webapp.services.actors import Actor

from .conftest import Family, closed_port, outbox, wait_for

LEASE = 120  # seconds a claimed message belongs to its worker


pytestmark = pytest.mark.redis

@pytest.fixture
def worker_config(sms_provider):
    return {"SMS_BACKEND": "http", "SMS_HTTP_URL": sms_provider.url, "SMS_HTTP_TOKEN": "t",
            "NOTIFICATION_LEASE": LEASE}


@pytest.fixture
def app_overrides(redis_url, worker_config):
    return {"REDIS_URL": redis_url, **worker_config}


def test_a_worker_killed_mid_batch_sends_every_message_exactly_once(app, factory, session, workers,
                                                                      sms_provider):
    family = Family(factory, email=None)
    family.apply(count=30)
    sms_provider.hold_at = 10  # the 10th message is on the wire when the worker dies
    worker = workers.start(clock_now=clock.now())
    assert sms_provider.holding.wait(60), workers.logs()
    workers.kill(worker)  # SIGKILL to the worker, its work horse and its scheduler at once
    sms_provider.release.set()
    in_flight = sms_provider.requests[9]["json"]["message_id"]
    states = _states(session)
    assert states == {"sent": 9, "sending": 21}

    # Restarted at once: the dead worker's claims are not free yet, so nothing goes out twice.
    workers.burst(clock_now=clock.now())
    assert len(sms_provider.requests) == 10 and _states(session) == states

    # After the lease the tick returns them to pending and a worker sends them.
    clock.advance(timedelta(seconds=LEASE + 1))
    assert jobs.requeue_pending()["recovered"] == 21  # the tick's step
    workers.burst(clock_now=clock.now())

    rows = outbox(session, channel="sms")
    assert {row.status for row in rows} == {"sent"}
    assert set(sms_provider.accepted) == {row.idempotency_key for row in rows}  # each exactly once
    sent_ids = [request["json"]["message_id"] for request in sms_provider.requests]
    assert len(sent_ids) == 31
    assert [key for key in set(sent_ids) if sent_ids.count(key) > 1] == [in_flight]  # same id: dropped


def test_a_worker_killed_alone_mid_batch_lets_its_work_horse_finish_the_batch(app, factory, session, workers,
                                                                              sms_provider):
    family = Family(factory, email=None)
    family.apply(count=30)
    sms_provider.hold_at = 10
    worker = workers.start(clock_now=clock.now())
    assert sms_provider.holding.wait(60), workers.logs()
    workers.kill(worker, tree=False)  # SIGKILL to the worker process only
    sms_provider.release.set()
    wait_for(lambda: _states(session) == {"sent": 30}, message="the work horse to finish its batch")
    workers.burst(clock_now=clock.now() + timedelta(seconds=LEASE + 1))  # restarted, even after the lease
    assert len(sms_provider.requests) == len(sms_provider.accepted) == 30


def test_redis_down_at_commit_leaves_the_outbox_pending_until_it_returns(app, family, session, workers,
                                                                           sms_provider, redis_url):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/13"
    [application] = family.apply()  # commits; queueing the delivery fails and is logged
    [sms] = outbox(session, application_id=application.id, channel="sms")
    assert sms.status == "pending"

    app.config["REDIS_URL"] = redis_url  # Redis is back
    assert jobs.requeue_pending() == {"recovered": 0, "overdue": 0}  # under a minute old: leave it
    workers.burst(clock_now=clock.now())
    assert sms_provider.requests == []

    clock.advance(timedelta(minutes=2))
    assert jobs.requeue_pending() == {"recovered": 0, "overdue": 2}  # the SMS and the email
    workers.burst(clock_now=clock.now())
    assert [row.status for row in outbox(session, application_id=application.id)] == ["sent"] * 3
    assert [request["json"]["message_id"] for request in sms_provider.requests] == [sms.idempotency_key]


def test_a_lost_distribution_is_made_good_by_the_tick(app, family, factory, session, workers, redis_url):
    [application] = family.apply()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/13"
    factory.bulletin(family.group, places=1)
    tasks.commit(session)  # the distribution job for the new bulletin is lost
    app.config["REDIS_URL"] = redis_url
    assert _status(session, application) == "queued"
    assert jobs.redistribute() == 1  # the tick's step
    assert _status(session, application) == "invited"


def test_a_deadline_job_run_twice_changes_nothing_the_second_time(app, family, factory, session):
    [application] = family.apply()
    factory.bulletin(family.group, places=1)
    tasks.commit(session)
    jobs.distribute_segment(*session.get(Application, application.id).segment)
    seat = session.scalars(select(Seat)).one()
    clock.set(seat.deadline_at + timedelta(seconds=1))
    assert jobs.expire_seat(seat.id) is True
    assert jobs.expire_seat(seat.id) is False
    assert _status(session, application) == "stop_listed"
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "invitation.expired")) == 1
    assert len(outbox(session, event="invitation.expired")) == 3  # inbox, SMS, email: once each


def test_a_deadline_job_after_the_parent_responded_changes_nothing(app, family, factory, session, workers):
    [application] = family.apply()
    factory.bulletin(family.group, places=1)
    tasks.commit(session)
    workers.burst(clock_now=clock.now())  # distribution: invited, the deadline job scheduled
    seat = session.scalars(select(Seat)).one()
    deadline = seat.deadline_at
    scheduled = ScheduledJobRegistry(queueing.QUEUE_NAME, connection=queueing.connection(app))
    assert scheduled.get_job_ids() == [queueing.deadline_job_id(seat.id)]

    invitations.respond(session, application.id, Actor.of(family.parent), clock.now())
    tasks.commit(session)
    assert scheduled.get_job_ids() == []  # cancelled with the response

    # Suppose the cancellation had been lost: the job runs after the deadline anyway.
    queueing.enqueue(app, "expire_seat", (seat.id,))
    workers.burst(clock_now=deadline + timedelta(hours=1))
    assert _status(session, application) == "responded"
    session.expire_all()
    assert session.get(Seat, seat.id).state == "held"


def _states(session) -> dict:
    rows = outbox(session, channel="sms")
    return {state: sum(1 for row in rows if row.status == state) for state in {row.status for row in rows}}


def _status(session, application) -> str:
    session.expire_all()
    return session.get(Application, application.id).status

