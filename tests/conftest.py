"""Shared fixtures. Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL too. Under KEZEK_STRICT_TESTS=1 (CI) a skipped test is a failure: CI starts every
service, so a skip there would hide a test that did not run."""
import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db
from webapp.services import clock, users

from .factories import Factory

STRICT = os.environ.get("KEZEK_STRICT_TESTS") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL")
DEFAULT_NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)  # 09:00 in Almaty, a Wednesday
users.HASH_METHOD = "pbkdf2:sha256:1000"  # strong hashing is slow on purpose; tests need speed


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under KEZEK_STRICT_TESTS=1: {report.longrepr}"


def _backends():
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(params=_backends())
def backend(request):
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    return request.param


@pytest.fixture
def database_url(backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return PG_URL


@pytest.fixture
def app_overrides():
    """Override in a test module to change the configuration of ``app``."""
    return {}


@pytest.fixture
def app(database_url, backend, app_overrides, tmp_path):
    overrides = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": True,
        "INLINE_SWEEP_INTERVAL": 0,
    }
    overrides.update(app_overrides)
    application = create_app(overrides)
    clock.set(DEFAULT_NOW)
    with application.app_context():
        _fresh_schema(backend)
        yield application
        db.session.remove()
        db.engine.dispose()
    clock.reset()


_pg_schema_rebuilt = False


def _fresh_schema(backend: str) -> None:
    global _pg_schema_rebuilt
    if backend == "postgresql":
        if not _pg_schema_rebuilt:  # once per run: the test database may hold an older schema
            db.drop_all()
            _pg_schema_rebuilt = True
        db.create_all()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
    else:
        db.create_all()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def factory(app):
    return Factory(db.session)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
