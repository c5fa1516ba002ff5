"""Operations: what the department sees (``flask jobs status``), the structured job logs, the periodic
tick and its chain, and the timer that replaces the worker in the development server."""
import json
import logging
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from webapp import jobs, queueing
from webapp.models import Seat
from webapp.services import clock, invitations, tasks
from webapp.services.actors import Actor

from .conftest import outbox, wait_for


class TestWithRedis:
    pytestmark = pytest.mark.redis

    @pytest.fixture
    def app_overrides(self, redis_url):
        return {"REDIS_URL": redis_url}

    def test_jobs_status_shows_queue_scheduled_failed_and_the_outbox(self, app, family, session, cli, workers):
        [application] = family.apply()  # a drain job and a distribution job wait in the queue
        queueing.ensure_next_tick(app)
        queueing.queue(app).enqueue("webapp.jobs.no_such_job")  # a broken job, without retries
        before = cli.invoke(args=["jobs", "status"])
        assert before.exit_code == 0, before.output
        assert "redis: ok" in before.output
        assert "queued=3 scheduled=1 started=0 failed=0 workers=0" in before.output
        assert "pending=2 sending=0 sent=1 failed=0" in before.output  # SMS and email wait; the inbox is there

        workers.burst(clock_now=clock.now())
        after = cli.invoke(args=["jobs", "status"])
        assert "queued=0 scheduled=1 started=0 failed=1" in after.output
        assert "pending=0 sending=0 sent=3 failed=0" in after.output

    def test_jobs_status_exits_non_zero_when_redis_is_down(self, app, cli):
        from .conftest import closed_port

        app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
        result = cli.invoke(args=["jobs", "status"])
        assert result.exit_code == 1 and "redis: down" in result.output

    def test_the_tick_chain_is_scheduled_once_per_slot(self, app):
        first, again = queueing.ensure_next_tick(app), queueing.ensure_next_tick(app)
        assert first == again and first.startswith("tick-")
        scheduled = ScheduledJobRegistry(queueing.QUEUE_NAME, connection=queueing.connection(app))
        assert scheduled.get_job_ids() == [first]
        slot = scheduled.connection.zscore(scheduled.key, first)
        assert slot % queueing.tick_interval(app) == 0

    def test_a_tick_schedules_its_successor_and_hands_daily_jobs_to_a_worker(self, app, family):
        entry = jobs.tick()
        assert entry["outcome"] == "done"
        # 09:00 in Almaty: reminders wait for 10:00
        assert entry["daily"] == ["sweep", "audit_checkpoint", "movement_months"]
        queued = [job.func_name for job in queueing.queue(app).get_jobs()]
        assert "webapp.jobs.run_daily" in queued
        scheduled = ScheduledJobRegistry(queueing.QUEUE_NAME, connection=queueing.connection(app))
        assert [job_id for job_id in scheduled.get_job_ids() if job_id.startswith("tick-")] != []

    def test_a_stop_list_end_is_scheduled_at_its_time_and_ends_it(self, app, family, factory, session):
        [application] = family.apply()
        factory.bulletin(family.group, places=1)
        tasks.commit(session)
        jobs.distribute_segment(*application.segment)
        invitations.decline(session, application.id, Actor.of(family.parent), clock.now())
        tasks.commit(session)
        jobs.schedule_stop_list_end(application.id)  # what the transition's hook will ask for
        scheduled = ScheduledJobRegistry(queueing.QUEUE_NAME, connection=queueing.connection(app))
        job_id = queueing.stop_list_job_id(application.id)
        assert job_id in scheduled.get_job_ids()
        until = session.get(type(application), application.id).stop_listed_until
        assert jobs.end_stop_list(application.id) is False  # not yet
        clock.set(until + timedelta(seconds=1))
        assert jobs.end_stop_list(application.id) is True
        assert jobs.end_stop_list(application.id) is False  # twice: no change
        jobs.schedule_stop_list_end(application.id)  # no longer stop-listed: nothing to schedule
        assert job_id not in scheduled.get_job_ids()

    def test_a_tick_while_another_runs_steps_aside(self, app):
        with queueing.exclusive(app, "tick", 60) as mine:
            assert mine
            assert jobs.tick()["outcome"] == "skipped: the previous tick is still running"
        with queueing.exclusive(app, "tick", 60) as mine:
            assert mine  # released again


def test_each_job_logs_one_json_line_with_the_application_number(app, family, factory, session, caplog):
    [application] = family.apply()
    factory.bulletin(family.group, places=1)
    with caplog.at_level(logging.INFO, logger="webapp.jobs"):
        tasks.commit(session)  # inline: distribution, then the invitation's messages
        seat = session.scalars(select(Seat)).one()
        clock.set(seat.deadline_at + timedelta(seconds=1))
        jobs.expire_seat(seat.id)
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "webapp.jobs"]
    by_job = {}
    for line in lines:
        by_job.setdefault(line["job"], []).append(line)
    assert by_job["distribute_segment"][0]["applications"] == [application.number]
    assert by_job["expire_seat"] == [{"seat_id": seat.id, "application": application.number,
                                      "outcome": "expired", "job": "expire_seat",
                                      "ms": by_job["expire_seat"][0]["ms"]}]
    delivered = [line for line in by_job["deliver"] if line["event"] == "invitation.expired"]
    assert {(line["channel"], line["application"], line["outcome"]) for line in delivered} == \
        {("sms", application.number, "sent"), ("email", application.number, "sent")}


def test_the_inline_timer_runs_the_tick_without_redis(app, family, session):
    app.config["SMTP_PORT"] = 1  # pretend the mail server is down: the email waits for a retry
    app.config["SMTP_HOST"] = "127.0.0.1"
    [application] = family.apply()
    [email] = outbox(session, application_id=application.id, channel="email")
    assert email.status == "pending"
    app.config["SMTP_HOST"] = None  # the server is "back" (development: letters are kept, not sent)
    clock.advance(timedelta(minutes=5))
    timer = jobs.start_inline_timer(app, interval=0.05)
    try:
        assert jobs.start_inline_timer(app, interval=0.05) is timer  # one per app
        wait_for(lambda: outbox(session, id=email.id)[0].status == "sent", timeout=20, message="the timer's tick")
    finally:
        timer.stop()
        timer.join(5)
    assert not timer.is_alive()


@pytest.mark.parametrize("server, starts", [("Werkzeug/3.1.9 Python/3.11.7", True), ("gunicorn/27.0.1", False)])
def test_only_the_development_server_starts_the_timer(app, server, starts):
    app.testing = False
    app.config["INLINE_SWEEP_INTERVAL"] = 3600
    try:
        app.test_client().get("/healthz", environ_base={"SERVER_SOFTWARE": server})
        timer = app.extensions.get("kezek_inline_timer")
        assert (timer is not None and timer.is_alive()) is starts
    finally:
        app.testing = True
        if app.extensions.get("kezek_inline_timer"):
            app.extensions["kezek_inline_timer"].stop()


def test_tests_and_redis_never_start_the_timer(app):
    app.config["INLINE_SWEEP_INTERVAL"] = 3600
    app.test_client().get("/healthz", environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.9"})
    assert app.extensions.get("kezek_inline_timer") is None  # TESTING
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/13"
    assert jobs.start_inline_timer(app) is None
