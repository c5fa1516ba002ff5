"""Migrations (DESIGN §10): ``flask db upgrade`` builds the whole schema on an empty SQLite file and
an empty PostgreSQL database, and the models and migrations agree (no drift, as ``flask db check``)."""
import logging
import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from webapp import create_app
from webapp.config import normalise_database_url
from webapp.extensions import db


MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def keep_logging():
    """migrations/env.py loads alembic.ini's logging setup, which disables every logger configured
    before it; give the rest of the test session its loggers back."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    known = logging.root.manager.loggerDict.items()
    loggers = {name: (logger.disabled, logger.level) for name, logger in known if isinstance(logger, logging.Logger)}
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, (disabled, level) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.level = disabled, level


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_database(request, tmp_path_factory):
    """A URL of a database with nothing in it, dropped afterwards (one per backend for the module)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'migrated.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    server = make_url(normalise_database_url(PG_URL))
    name = f"kezek_test_migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def migrated_app(empty_database, keep_logging):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "test-secret", "TESTING": True,
                      "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://", "INLINE_SWEEP_INTERVAL": 0})
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade(directory=MIGRATIONS)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_creates_every_table_of_the_models(migrated_app):
    tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables
    assert tables - {table.name for table in db.metadata.sorted_tables} == {"alembic_version"}


def test_models_and_migrations_do_not_drift(migrated_app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrade_twice_is_harmless_and_the_schema_works(migrated_app):
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(version) == 1
    # The seat invariant and the one-live-seat index exist in the migrated schema, not only in the models.
    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("seat")}
    assert "uq_seat_one_active_per_application" in indexes
    checks = {ck["name"] for ck in inspect(db.engine).get_check_constraints("bulletin")}
    assert any("claimed_within_places" in (name or "") for name in checks)
