"""Migrations (DESIGN §10): ``flask db upgrade`` builds the whole schema on an empty SQLite file and
an empty PostgreSQL database, and the models and migrations agree (no drift, as ``flask db check``)."""
import hashlib
import json
import logging
import os
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from webapp import create_app
from webapp.config import normalise_database_url
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.services import audit, clock


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


@contextmanager
def _database(kind: str, folder, purpose: str):
    """An empty database of ``kind`` for one test or module: a file in ``folder``, or a PostgreSQL
    database made beside the test database and dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{purpose}.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    server = make_url(normalise_database_url(PG_URL))
    name = f"kezek_test_{purpose}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_database(request, tmp_path_factory):
    """A URL of a database with nothing in it, dropped afterwards (one per backend for the module)."""
    with _database(request.param, tmp_path_factory.mktemp("migrations"), "migr") as url:
        yield url


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


# --- the salted digests (revision e6c1a7b0d6a1) ------------------------------------------------------

BEFORE_SALTS = "c2b65c3d57b6"
OLD_EVENTS = [  # (at, action, application, from, to, actor details)
    ("2026-11-25T04:00:00.000000Z", "application.submitted", "GM-2026-000001", None, "queued",
     {"user_id": 7, "name": "Әлия Нұрова"}),
    ("2026-11-25T05:00:00.000000Z", "application.tier_changed", "GM-2026-000001", "queued", "queued",
     {"user_id": 3, "name": "Operator", "category": "disability"}),
    ("2026-11-26T05:00:00.000000Z", "application.submitted", "GM-2026-000002", None, "queued",
     {"user_id": 8, "name": "Марат Ахметов"}),
    ("2026-11-27T05:00:00.000000Z", "application.withdrawn", "GM-2026-000002", "queued", "withdrawn",
     {"user_id": 8, "name": "Марат Ахметов"}),
    ("2026-11-27T06:00:00.000000Z", "application.tier_changed", "GM-2026-000001", "queued", "queued",
     {"user_id": None, "name": "Kezek"}),
]
OLD_CHECKPOINTS = {"2026-11-25": 2, "2026-11-26": 3, "2026-11-27": 5}
MIGRATED_AT = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def _unsalted_chain() -> list[dict]:
    """Events as the services wrote them before salts: plain SHA-256 of the private details."""
    rows, prev = [], audit.GENESIS
    for seq, (at, action, number, from_status, to_status, details) in enumerate(OLD_EVENTS, start=1):
        row = {"seq": seq, "at": at, "action": action, "application": number, "from_status": from_status,
               "to_status": to_status, "actor_role": "parent", "reason": "", "data": "{}",
               "private_digest": hashlib.sha256(audit.canonical_json(details).encode("utf-8")).hexdigest(),
               "prev_hash": prev}
        row["hash"] = prev = audit.chain_hash(prev, audit.public_record(SimpleNamespace(**row)))
        rows.append(row)
    return rows


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def salted_by_migration(request, tmp_path, keep_logging):
    """A database at the revision before salts, with an unsalted chain and its checkpoints, then
    upgraded to the head; yields the old rows."""
    with _database(request.param, tmp_path, "salt") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret", "TESTING": True,
                          "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://", "INLINE_SWEEP_INTERVAL": 0})
        with app.app_context():
            upgrade(directory=MIGRATIONS, revision=BEFORE_SALTS)
            old = _unsalted_chain()
            with db.engine.begin() as connection:
                columns = ", ".join(old[0])
                marks = ", ".join(f":{name}" for name in old[0])
                connection.execute(text(f"INSERT INTO audit_event ({columns}) VALUES ({marks})"), old)
                for day, seq in OLD_CHECKPOINTS.items():
                    connection.execute(text("INSERT INTO audit_checkpoint (day, seq, hash, at) VALUES "
                                            "(:day, :seq, :hash, :at)"),
                                       {"day": date.fromisoformat(day), "seq": seq, "hash": old[seq - 1]["hash"],
                                        "at": old[seq - 1]["at"]})
            clock.set(MIGRATED_AT)
            try:
                upgrade(directory=MIGRATIONS)
                yield old
            finally:
                clock.reset()
                db.session.remove()
                db.engine.dispose()


def test_the_migration_salts_every_digest_and_rebuilds_the_chain_with_its_checkpoints(salted_by_migration):
    old = salted_by_migration
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [row.seq for row in rows] == list(range(1, len(old) + 2))
    first = rows[0]
    assert (first.action, first.actor_role, first.application, first.at) == \
        ("audit.chain_rebuilt", "system", None, clock.iso(MIGRATED_AT))
    assert json.loads(first.data) == {"events": 5, "previous_head": {"seq": 5, "hash": old[-1]["hash"]}}
    for before, after in zip(old, rows[1:]):
        assert (after.seq, after.at, after.action, after.application, after.from_status, after.to_status) == \
            (before["seq"] + 1, before["at"], before["action"], before["application"], before["from_status"],
             before["to_status"])
        assert len(after.private_salt) == 32 and after.private_digest != before["private_digest"]
        assert after.private_digest == audit.salted_digest(after.private_salt,
                                                            {"unsalted_digest": before["private_digest"]})
    assert len({row.private_salt for row in rows}) == len(rows)
    # The whole rebuilt chain verifies, checkpoints included; they name the same events as before.
    assert audit.find_break(db.session) is None
    points = {point.day.isoformat(): point.seq for point in audit.stored_checkpoints(db.session)}
    assert points == {**{day: seq + 1 for day, seq in OLD_CHECKPOINTS.items()}, "2026-11-29": 6}
    # Nothing of the old, guessable digests is left in the public feed.
    public = json.dumps([audit.public_record(row) for row in rows])
    assert not any(before["private_digest"] in public for before in old)


BEFORE_OFFICES = "5f6a7b8c9d0e"  # the head before the department's office (issue 11)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_a_database_with_rows_upgrades_and_keeps_them(kind, tmp_path, keep_logging):
    """Upgrading a district that already holds kindergartens: the new columns arrive with their
    defaults and nothing referenced by a foreign key is lost (SQLite copies a table in some batch
    migrations, which rows pointing at it would otherwise refuse)."""
    with _database(kind, tmp_path, "rows") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret", "TESTING": True,
                          "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://", "INLINE_SWEEP_INTERVAL": 0})
        with app.app_context():
            try:
                upgrade(directory=MIGRATIONS, revision=BEFORE_OFFICES)
                with db.engine.begin() as connection:
                    for statement in (
                        "INSERT INTO district (id, code, name_kk, name_ru, name_en, timezone, priority_ratio, max_age)"
                        " VALUES (1, 'GM', 'А', 'А', 'A', 'Asia/Almaty', 3, 6)",
                        "INSERT INTO locality (id, district_id, name_kk, name_ru, name_en) VALUES (1, 1, 'Б', 'Б', 'B')",
                        "INSERT INTO kindergarten (id, district_id, locality_id, name_kk, name_ru, name_en, address,"
                        " phone, languages, ownership, working_hours, equipment, programmes, description_kk,"
                        " description_ru, description_en) VALUES (1, 1, 1, 'В', 'В', 'V', '', '', 'kk', 'state', '',"
                        " '', '', '', '', '')",
                        "INSERT INTO kindergarten_group (id, kindergarten_id, name, birth_year, language, capacity,"
                        " enrolled) VALUES (1, 1, 'Г', 2022, 'kk', 25, 3)",
                    ):
                        connection.execute(text(statement))
                upgrade(directory=MIGRATIONS)
                with db.engine.connect() as connection:
                    rows = connection.execute(text(
                        "SELECT g.enrolled, g.active, k.active, l.active, d.respond_working_days, d.max_preferences"
                        " FROM kindergarten_group g JOIN kindergarten k ON k.id = g.kindergarten_id"
                        " JOIN locality l ON l.id = k.locality_id JOIN district d ON d.id = l.district_id")).all()
                assert [tuple(row) for row in rows] == [(3, True, True, True, 3, 4)]
            finally:
                db.session.remove()
                db.engine.dispose()
