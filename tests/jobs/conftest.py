"""Fixtures for background work: a real Redis, real worker processes, a real SMTP server and a real
HTTP server standing in for the SMS provider.

Redis: ``redis://127.0.0.1:6379/13`` (or TEST_REDIS_URL), flushed around every test and
locked with a file lock, so two test runs on one machine never share it. Without Redis the tests
that need it are skipped with the reason (and fail under KEZEK_STRICT_TESTS=1).
"""
import email
import email.policy
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.models import Notification
from webapp.services import clock, tasks

ROOT = Path(__file__).resolve().parents[2]
# Never REDIS_URL: the tests flush this database, and REDIS_URL may be someone's working Redis.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
DISTRICT_EMAIL = "bilim@gm.example.kz"


# --- Redis ------------------------------------------------------------------------------------------

@pytest.fixture
def redis_url():
    from redis import Redis

    client = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL}: {error}")
    with open(f"/tmp/kezek-test-redis-{client.connection_pool.connection_kwargs.get('db', 0)}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client.flushdb()
        try:
            yield TEST_REDIS_URL
        finally:
            client.flushdb()
            fcntl.flock(lock, fcntl.LOCK_UN)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free now, and nobody listens on it


# --- the app under test --------------------------------------------------------------------------

@pytest.fixture
def cli(app):
    """The CLI runner; create_app registers the jobs and notifications commands."""
    assert "jobs" in app.cli.commands and "notifications" in app.cli.commands
    return app.test_cli_runner()


def outbox(session, **where) -> list[Notification]:
    session.expire_all()
    query = select(Notification).order_by(Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(session.scalars(query))


class Family:
    """One district (with the department's email), locality, kindergarten and group; one parent."""

    def __init__(self, factory, language="ru", email="parent@example.kz"):
        self.factory, self.session = factory, factory.session
        self.district = factory.district(email=DISTRICT_EMAIL)
        self.locality = factory.locality(self.district)
        self.kindergarten = factory.kindergarten(self.locality)
        self.group = factory.group(self.kindergarten)
        self.parent = factory.user("parent", language=language, email=email)

    def apply(self, count=1, parent=None, birth_date=date(2022, 5, 17)):
        """``count`` applications (children of one parent: one password hash is slow enough)."""
        made = []
        for _ in range(count):
            child = self.factory.child(parent=parent or self.parent, birth_date=birth_date)
            made.append(self.factory.application(self.locality, child=child))
            clock.advance(timedelta(seconds=1))
        tasks.commit(self.session)
        return made


@pytest.fixture
def family(factory):
    return Family(factory)


# --- worker processes ------------------------------------------------------------------------------

class Workers:
    """``python worker.py`` as a real process, configured like the app under test."""

    def __init__(self, database_url: str, redis_url: str, config: dict, log_dir: Path):
        self.database_url, self.redis_url, self.config, self.log_dir = database_url, redis_url, config, log_dir
        self.running: list[subprocess.Popen] = []
        self.orphans: list[int] = []  # a work horse or scheduler whose worker was killed alone

    def env(self, clock_now=None) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEZEK_") and k != "DATABASE_URL"}
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, KEZEK_SECRET_KEY="test-secret",
                   KEZEK_RATELIMIT_ENABLED="false", KEZEK_INLINE_SWEEP_INTERVAL="0", PYTHONUNBUFFERED="1")
        for name, value in self.config.items():
            env[f"KEZEK_{name}"] = value if isinstance(value, str) else json.dumps(value)
        if clock_now is not None:
            env["KEZEK_CLOCK_NOW"] = clock_now.isoformat()
        return env

    def burst(self, clock_now=None, timeout=120) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=self.env(clock_now),
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def start(self, clock_now=None) -> subprocess.Popen:
        log = open(self.log_dir / f"worker-{len(self.running)}.log", "w")
        process = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=self.env(clock_now),
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.running.append(process)
        return process

    def kill(self, process, sig=signal.SIGKILL, tree=True) -> None:
        """Signal the worker, and with ``tree`` its work horse and scheduler too (the horse runs in a
        process group of its own, so a group signal would miss it): a machine or container dying."""
        children = _descendants(process.pid)
        self.orphans.extend([] if tree else children)  # killed at teardown, whatever happens
        for pid in (children if tree else []) + [process.pid]:
            _signal(pid, sig)
        process.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.log_dir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process, signal.SIGKILL)
        for pid in self.orphans:
            _signal(pid, signal.SIGKILL)


@pytest.fixture
def workers(app, database_url, redis_url, worker_config, tmp_path):
    runner = Workers(database_url, redis_url, worker_config, tmp_path)
    yield runner
    runner.stop_all()


@pytest.fixture
def worker_config():
    """Settings shared by the app under test and its worker processes; override per module."""
    return {}


def _signal(pid: int, sig) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_for(condition, timeout=30.0, step=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {message}")


# --- an SMS provider and a mail server ----------------------------------------------------------------

class SmsProvider:
    """A local HTTP server shaped like a Kazakh SMS provider's API (JSON in, ``{"code": 0}`` out).

    Like a real provider it remembers message ids and does not send a repeated one again. Scripted
    faults: ``fail_next`` requests answered 503, ``down`` for good, ``hold_at`` keeps request N open
    until ``release`` is set.
    """

    def __init__(self, httpserver):
        self.server, self.requests, self.accepted = httpserver, [], {}
        self.fail_next, self.down, self.hold_at = 0, False, None
        self.holding, self.release = threading.Event(), threading.Event()
        httpserver.expect_request("/api/send", method="POST").respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/api/send")

    def _handle(self, request):
        body = json.loads(request.get_data())
        self.requests.append({"headers": dict(request.headers), "args": dict(request.args), "json": body})
        if self.hold_at is not None and len(self.requests) == self.hold_at:
            self.holding.set()
            self.release.wait(30)
        if self.down or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            return _json({"code": 3, "message": "service temporarily unavailable"}, 503)
        message_id = body.get("message_id")
        if message_id in self.accepted:
            return _json({"code": 0, "message": "duplicate ignored", "data": {"duplicate": True}})
        self.accepted[message_id] = body
        return _json({"code": 0, "message": "", "data": {"messageId": len(self.accepted)}})


def _json(payload, status=200):
    return Response(json.dumps(payload), status=status, content_type="application/json")


@pytest.fixture
def sms_provider(httpserver):
    return SmsProvider(httpserver)


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    mailbox.host, mailbox.port = controller.hostname, controller.port
    yield mailbox
    controller.stop()
