"""``flask audit verify`` holds the chain to its checkpoints (DESIGN §8): a consistent rewrite from
the middle (every later hash recomputed) or a cut-short chain passes every link, but not the daily
heads recorded, and not a file of checkpoints published earlier."""
import json
from datetime import date

import pytest
from sqlalchemy import delete, select, text

from webapp.models import AuditCheckpoint, AuditEvent
from webapp.services import audit, clock, tasks

from .helpers import World, almaty

DAYS = [date(2026, 11, 25 + offset) for offset in range(4)]  # 25–28 November


@pytest.fixture
def app_overrides():
    return {"DEFAULT_LANGUAGE": "en"}


@pytest.fixture
def history(factory, session):
    """Three events a day for four days, each day's head checkpointed; {day: checkpoint seq}."""
    world = World(factory)
    for day in DAYS:
        clock.set(almaty(day.year, day.month, day.day, 10, 0))
        world.submit_many(3)
        world.commit()
    for day in DAYS:
        audit.checkpoint(session, day)
    tasks.commit(session)
    return {row.day: row.seq for row in session.scalars(select(AuditCheckpoint))}


def _rewrite_from(session, seq: int) -> None:
    """Change event ``seq`` and recompute every later hash, as a careful forger would."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)).all()
    rows[0].reason = "rewritten"
    prev = rows[0].prev_hash
    for row in rows:
        row.prev_hash = prev
        row.hash = audit.chain_hash(prev, audit.public_record(row))
        prev = row.hash
    session.commit()
    session.expire_all()


def test_a_consistent_rewrite_from_the_middle_fails_at_the_first_later_checkpoint(history, session, runner):
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _rewrite_from(session, history[DAYS[1]] - 1)  # an event of 26 November
    assert audit.verify(session) == history[DAYS[1]]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"seq {history[DAYS[1]]}" in result.output and "2026-11-26" in result.output


def test_a_chain_with_its_tail_deleted_fails(history, session, runner):
    cut = history[DAYS[1]]
    session.execute(delete(AuditEvent).where(AuditEvent.seq > cut))
    session.commit()
    assert audit.verify(session) == history[DAYS[2]]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"seq {history[DAYS[2]]}" in result.output and "2026-11-27" in result.output
    assert f"ends at seq {cut}" in result.output


def test_a_rewrite_of_the_database_with_its_checkpoints_fails_against_a_published_file(
        history, session, runner, client, tmp_path):
    published = tmp_path / "checkpoints.json"
    published.write_text(client.get("/api/v1/audit/checkpoints").get_data(as_text=True), encoding="utf-8")
    assert runner.invoke(args=["audit", "verify", "--checkpoints", str(published)]).exit_code == 0

    _rewrite_from(session, 2)
    session.execute(text("DELETE FROM audit_checkpoint"))
    session.commit()
    for day in DAYS:  # the forger re-records the checkpoints too: the database agrees with itself
        audit.checkpoint(session, day)
    tasks.commit(session)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(published)])
    assert result.exit_code == 1
    assert f"seq {history[DAYS[0]]}" in result.output and "2026-11-25" in result.output


def test_a_published_file_that_is_not_checkpoints_is_refused(history, runner, tmp_path):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"items": [{"day": "yesterday"}]}', encoding="utf-8")
    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(wrong)])
    assert result.exit_code == 2 and "not the JSON of /api/v1/audit/checkpoints" in result.output
