"""A real ``python worker.py`` against the test database (SQLite file and PostgreSQL) and Redis:
a transition's SMS and email arrive, a deadline job fires once its time has come, retries back off."""
import time
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

from webapp import queueing
from webapp.models import Application, Seat
from webapp.services import clock, tasks

from .conftest import DISTRICT_EMAIL, outbox, wait_for


pytestmark = pytest.mark.redis

@pytest.fixture
def worker_config(sms_provider, smtp_server):
    return {
        "SMS_BACKEND": "http", "SMS_HTTP_URL": sms_provider.url, "SMS_HTTP_TOKEN": "secret-token",
        "SMS_HTTP_SENDER": "GM-BILIM", "SMTP_HOST": smtp_server.host, "SMTP_PORT": smtp_server.port,
        "MAIL_FROM": "kezek@gm.example.kz", "NOTIFICATION_RETRY_DELAYS": [1],
    }


@pytest.fixture
def app_overrides(redis_url, worker_config):
    return {"REDIS_URL": redis_url, **worker_config}


def test_a_transitions_sms_and_email_arrive_through_the_worker(app, family, session, workers, sms_provider,
                                                                  smtp_server):
    [application] = family.apply()
    rows = {row.channel: row for row in outbox(session, application_id=application.id)}
    assert {channel: row.status for channel, row in rows.items()} == \
        {"inbox": "sent", "sms": "pending", "email": "pending"}
    # One drain job for all rows of the commit, and the distribution a submission asks for.
    assert sorted(job.func_name for job in queueing.queue(app).get_jobs()) == \
        ["webapp.jobs.deliver_outbox", "webapp.jobs.distribute_segment"]

    workers.burst(clock_now=clock.now())

    rows = {row.channel: row for row in outbox(session, application_id=application.id)}
    assert {row.status for row in rows.values()} == {"sent"}
    assert rows["sms"].attempts == rows["email"].attempts == 1
    [request] = sms_provider.requests
    assert request["json"] == {"recipient": family.parent.phone.lstrip("+"), "text": rows["sms"].body,
                               "from": "GM-BILIM", "message_id": rows["sms"].idempotency_key}
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    [(sender, recipients, message)] = smtp_server.messages
    assert (sender, recipients) == ("kezek@gm.example.kz", ["parent@example.kz"])
    assert message["Reply-To"] == DISTRICT_EMAIL
    assert application.number in message["Subject"]
    assert rows["email"].body in message.get_body(("plain",)).get_content()


def test_a_deadline_job_fires_only_once_its_time_has_come(app, family, session, factory, workers, redis_url):
    [application] = family.apply()
    factory.bulletin(family.group, places=1)
    tasks.commit(session)  # publishing queues distribution for the worker
    workers.burst(clock_now=clock.now())  # distribution invites; the seat's deadline job is scheduled
    session.expire_all()
    seat = session.scalars(select(Seat)).one()
    assert seat.state == "reserved"
    scheduled = ScheduledJobRegistry(queueing.QUEUE_NAME, connection=queueing.connection(app))
    job_id = queueing.deadline_job_id(seat.id)
    assert scheduled.get_job_ids() == [job_id]
    # Scheduled as far ahead as the deadline is (3 working days: Monday 30 November), in the
    # scheduler's real time (time.time() here is RQ's clock, not the application's).
    ahead = _scheduled_at(scheduled, job_id) - time.time()
    assert abs(ahead - (seat.deadline_at - clock.now()).total_seconds()) < 60

    # Move the deadline three seconds ahead and reschedule: the same job id, a new time.
    deadline = clock.now() + timedelta(seconds=3)
    session.execute(update(Seat).where(Seat.id == seat.id).values(deadline_at=deadline))
    tasks.commit(session)
    queueing.schedule_seat_deadline(app, session, seat.id)
    assert scheduled.get_job_ids() == [job_id]
    after_deadline = deadline + timedelta(minutes=1)  # the worker's clock, pinned past the deadline

    workers.burst(clock_now=after_deadline)  # too early in real time: the scheduler holds the job
    assert _status(session, application) == "invited"

    due = _scheduled_at(scheduled, job_id)
    wait_for(lambda: time.time() > due + 0.2, timeout=30, message="the deadline in real time")
    workers.burst(clock_now=after_deadline)
    assert _status(session, application) == "stop_listed"
    assert [row.status for row in outbox(session, event="invitation.expired", channel="sms")] == ["sent"]
    assert job_id not in scheduled.get_job_ids()


def test_a_failing_provider_is_retried_by_the_scheduler_until_it_takes_the_message(
        app, family, session, workers, sms_provider):
    sms_provider.fail_next = 3
    worker = workers.start()  # a long-running worker: its scheduler fires the retries (1 s apart)
    [application] = family.apply()
    wait_for(lambda: sms_provider.accepted, timeout=60, message="the provider to accept the SMS")
    [sms] = outbox(session, application_id=application.id, channel="sms")
    wait_for(lambda: outbox(session, id=sms.id)[0].status == "sent", message="the row to be marked sent")
    [sms] = outbox(session, id=sms.id)
    assert (sms.attempts, len(sms_provider.requests), len(sms_provider.accepted)) == (4, 4, 1)
    assert "503" in sms.last_error or sms.last_error == ""
    assert worker.poll() is None


def _status(session, application) -> str:
    session.expire_all()
    return session.get(Application, application.id).status


def _scheduled_at(registry, job_id) -> float:
    """The job's time in the scheduler's registry, as a Unix timestamp."""
    return registry.connection.zscore(registry.key, job_id)
