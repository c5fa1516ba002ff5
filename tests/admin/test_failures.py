"""The operations page: background jobs (with Redis, and saying so without), the daily jobs, and the
messages that failed for good, re-sent with one audited click."""
import json

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import JobRun, Notification
from webapp.services import audit, clock, tasks
from webapp.services.actors import Actor

from ..jobs.conftest import closed_port, outbox, redis_url, smtp_server  # noqa: F401 - fixtures
from .conftest import OUTSIDERS, audit_head, csrf_token, events, post


@pytest.fixture
def app_overrides(smtp_server):
    # The SMTP server is down at first and a message gets one attempt: it fails for good at once.
    return {"SMTP_HOST": smtp_server.host, "SMTP_PORT": closed_port(), "NOTIFICATION_MAX_ATTEMPTS": 1}


@pytest.fixture
def failed_letter(world, factory, session):
    parent = factory.user("parent", email="parent@example.kz")
    application = factory.application(world.locality, child=factory.child(parent=parent))
    tasks.commit(session)  # no Redis: delivered (and failed) right after the commit
    [row] = outbox(session, application_id=application.id, channel="email")
    assert row.status == "failed" and "SMTP" in row.last_error
    return row


def _rows():
    db.session.rollback()
    return db.session.execute(select(Notification.id, Notification.status, Notification.attempts)
                              .order_by(Notification.id)).all()


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
@pytest.mark.parametrize("method, path", [("GET", "/admin/failures"), ("POST", "/admin/failures/messages/{id}/resend")])
def test_outsiders_get_403_and_resend_nothing(outsider, failed_letter, method, path):
    url = path.format(id=failed_letter.id)
    before = (audit_head(), _rows())
    if method == "GET":
        response = outsider.get(url)
    else:
        response = outsider.post(url, data={"csrf_token": csrf_token(outsider, "/account")})
    assert response.status_code == 403
    assert (audit_head(), _rows()) == before


@pytest.mark.parametrize("method, path", [("GET", "/admin/failures"), ("POST", "/admin/failures/messages/{id}/resend")])
def test_anonymous_visitors_are_sent_to_log_in(client, failed_letter, method, path):
    before = (audit_head(), _rows())
    response = client.open(path.format(id=failed_letter.id), method=method)
    assert response.status_code in ((302, 303) if method == "GET" else (302, 303, 400))
    assert (audit_head(), _rows()) == before


def test_a_post_without_the_csrf_token_is_refused(admin, failed_letter):
    before = (audit_head(), _rows())
    assert admin.post(f"/admin/failures/messages/{failed_letter.id}/resend").status_code == 400
    assert (audit_head(), _rows()) == before


def test_a_failed_message_is_listed_and_sent_again(app, admin, admin_user, failed_letter, smtp_server, session):
    page = admin.get("/admin/failures").get_data(as_text=True)
    assert "parent@example.kz" in page and f"/admin/failures/messages/{failed_letter.id}/resend" in page
    assert "Redis is not configured" in page

    app.config["SMTP_PORT"] = smtp_server.port  # the mail server is fixed
    response = post(admin, f"/admin/failures/messages/{failed_letter.id}/resend")
    assert response.status_code == 303
    [row] = outbox(session, id=failed_letter.id)
    assert (row.status, row.attempts) == ("sent", 1)  # a fresh set of attempts, delivered after the commit
    [(_, recipients, _)] = smtp_server.messages
    assert recipients == ["parent@example.kz"]
    [event] = events("notification.resent")
    assert json.loads(event.data) == {"notification_id": row.id, "channel": "email", "event": row.event}
    assert "parent@example.kz" not in event.data
    assert event.private_digest == audit.private_digest(Actor.of(admin_user), {"recipient": "parent@example.kz"},
                                                        salt=event.private_salt)
    assert "No failed message." in admin.get("/admin/failures").get_data(as_text=True)

    # A second click on the same (stale) button changes nothing and says why.
    head = audit_head()
    response = post(admin, f"/admin/failures/messages/{failed_letter.id}/resend")
    assert response.status_code == 409
    assert "Only a failed message can be sent again" in response.get_data(as_text=True)
    assert audit_head() == head and len(smtp_server.messages) == 1


def test_an_unknown_message_is_404(admin):
    head = audit_head()
    assert post(admin, "/admin/failures/messages/999/resend").status_code == 404
    assert audit_head() == head


def test_daily_jobs_not_done_today_are_flagged(admin, session):
    today = clock.now().date()  # 09:00 in Almaty: the same date
    session.add(JobRun(name="sweep", last_day=today))
    session.add(JobRun(name="audit_checkpoint", last_day=today.replace(day=today.day - 2)))
    session.commit()
    page = admin.get("/admin/failures").get_data(as_text=True)
    rows = {name: page.split(label, 1)[1].split("</tr>", 1)[0] for name, label in [
        ("sweep", "Sweep of deadlines and dates"), ("checkpoint", "Audit checkpoint of yesterday"),
        ("interest", "Interest reminders")]}
    assert ">done<" in rows["sweep"]
    assert "not done" in rows["checkpoint"] and 'class="late"' in page
    assert "waits for its hour" in rows["interest"]  # reminders wait for 10:00


def test_failed_background_jobs_from_redis(app, admin, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from webapp import queueing

    app.config["REDIS_URL"] = redis_url
    connection = Redis.from_url(redis_url)
    queue = Queue(queueing.QUEUE_NAME, connection=connection)
    queue.enqueue("webapp.jobs.no_such_job", job_id="broken-job-1")
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert queue.failed_job_registry.count == 1

    page = admin.get("/admin/failures").get_data(as_text=True)
    assert "Redis is not configured" not in page and "does not answer" not in page
    assert "broken-job-1" in page and "no_such_job" in page


def test_a_redis_that_does_not_answer_is_reported(app, admin):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    page = admin.get("/admin/failures")
    assert page.status_code == 200
    assert "Redis does not answer" in page.get_data(as_text=True)
