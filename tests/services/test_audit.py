"""The public audit chain (DESIGN §8), re-verified here with nothing but hashlib and json."""
import hashlib
import json
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from webapp.models import AuditCheckpoint, AuditEvent, Child
from webapp.services import applications, audit, clock, invitations, referrals, tasks

from .helpers import World, almaty


def independent_hash(prev_hash: str, row) -> str:
    public = {
        "seq": row.seq, "at": row.at, "action": row.action, "application": row.application,
        "from": row.from_status, "to": row.to_status, "actor_role": row.actor_role, "reason": row.reason,
        "data": json.loads(row.data), "private_digest": row.private_digest, "prev_hash": row.prev_hash,
    }
    canonical = json.dumps(public, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _history(world, session, rng, children=50, rounds=8):
    """A few hundred transitions, day after day: submissions, bulletins and distribution runs,
    responses, declines, activations, rejections, enrolments, withdrawals."""
    parent = world.parent
    waiting = [world.submit(parent=parent) for _ in range(children)]
    world.commit()
    actor = world.parent_actor
    for round_ in range(rounds):
        clock.set(almaty(2026, 12, 1 + 3 * round_, 10, 0))
        world.bulletin(places=5)
        for application in list(waiting):
            if application.status == "stop_listed":
                applications.end_stop_list(session, application.id, clock.now())
            elif application.status == "invited":
                if rng.random() < 0.7:
                    invitations.respond(session, application.id, actor, clock.now())
                else:
                    invitations.decline(session, application.id, actor, clock.now())
            elif application.status == "responded":
                if rng.random() < 0.8:
                    referrals.activate(session, application.id, world.staff, clock.now())
                else:
                    referrals.reject(session, application.id, world.staff, clock.now(),
                                     reason="«жоқ» — no papers")
            elif application.status == "referred":
                referrals.enrol(session, application.id, world.staff, clock.now())
            elif application.status == "queued" and rng.random() < 0.05:
                applications.withdraw(session, application.id, actor, clock.now(), reason="moved")
        world.commit()
        waiting = [a for a in waiting if world.reload(a).status not in ("enrolled", "withdrawn")]


def test_the_chain_holds_after_a_long_history_and_matches_the_design_formula(factory, session):
    world = World(factory, capacity=40)
    _history(world, session, random.Random(11))
    secrets_ = [world.parent.phone, world.parent.full_name]
    for child in session.scalars(select(Child)).all():
        secrets_ += [child.iin, child.surname, child.name]
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert len(rows) >= 200, len(rows)
    assert audit.verify(session) is None
    assert audit.verify(session, batch=7) is None  # across batch boundaries too
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    prev = "0" * 64
    for expected_seq, row in enumerate(rows, start=1):
        assert row.seq == expected_seq and row.prev_hash == prev
        assert row.hash == independent_hash(prev, row)
        assert len(row.private_digest) == 64 and int(row.private_digest, 16) >= 0
        assert row.at.endswith("Z") and len(row.at) == len("2026-12-01T05:00:00.000000Z")
        prev = row.hash
    assert audit.head(session).hash == prev
    actions = {row.action for row in rows}
    assert {"application.submitted", "bulletin.published", "distribution.run", "invitation.created",
            "invitation.responded", "invitation.declined", "response.activated", "response.rejected",
            "application.enrolled", "stop_list.ended"} <= actions

    # No personal data in any public record: no IIN, no name, no phone.
    for row in rows:
        public = json.dumps(audit.public_record(row), ensure_ascii=False)
        assert not any(secret in public for secret in secrets_ if secret)
        assert row.application is None or row.application.startswith("GM-2026-")


def test_private_digest_is_sha256_of_the_salt_and_the_private_details(factory, session):
    world = World(factory)
    application = world.submit()
    world.commit()
    [row] = session.scalars(select(AuditEvent).where(AuditEvent.application == application.number)).all()
    details = {"name": world.parent.full_name, "user_id": world.parent.id}
    canonical = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert row.private_digest == hashlib.sha256((row.private_salt + canonical).encode("utf-8")).hexdigest()
    assert row.private_digest != hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("column, value", [
    ("reason", "tampered"),
    ("data", '{"x":1}'),
    ("at", "2026-11-25T04:00:00.000001Z"),
    ("to_status", "enrolled"),
    ("data", None),  # the same JSON, re-spaced: not the text that was hashed
])
def test_changing_one_stored_byte_breaks_the_chain_at_that_event(factory, session, runner, column, value):
    world = World(factory)
    world.submit_many(6)
    world.commit()
    world.bulletin(places=2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    total = audit.head(session).seq
    victim = random.Random(column).randint(2, total - 1)
    if value is None:
        original = session.get(AuditEvent, victim).data
        value = json.dumps(json.loads(original), sort_keys=True)
        assert value != original
    session.execute(text(f"UPDATE audit_event SET {column} = :value WHERE seq = :seq"),
                    {"value": value, "seq": victim})
    session.commit()
    session.expire_all()
    assert audit.verify(session) == victim
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"seq {victim}" in result.output


def test_a_deleted_event_breaks_the_chain(factory, session, runner):
    world = World(factory)
    world.submit_many(4)
    world.commit()
    session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    session.commit()
    assert audit.verify(session) == 3
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "seq 3" in result.output


def test_a_rolled_back_transaction_leaves_no_event(factory, session):
    world = World(factory)
    assert world.parent and world.commit() is None
    world.submit()
    session.rollback()
    assert audit.head(session) is None
    world.submit()
    world.commit()
    assert audit.head(session).seq == 1 and audit.verify(session) is None


def test_daily_checkpoints_record_the_head_at_the_end_of_each_local_day(factory, session):
    world = World(factory)
    assert audit.checkpoint(session, date(2026, 11, 24)) is None  # nothing happened yet
    clock.set(almaty(2026, 11, 25, 23, 59, 59))
    world.submit(step=None)
    world.commit()
    last_of_25th = audit.head(session)
    clock.set(almaty(2026, 11, 26, 0, 0))  # 19:00 UTC on the 25th, but the 26th in Almaty
    world.submit(step=None)
    world.commit()
    first = audit.checkpoint(session, date(2026, 11, 25))
    tasks.commit(session)
    assert (first.day, first.seq, first.hash, first.at) == \
        (date(2026, 11, 25), last_of_25th.seq, last_of_25th.hash, last_of_25th.at)
    second = audit.checkpoint(session, date(2026, 11, 26))
    tasks.commit(session)
    assert second.seq == audit.head(session).seq == last_of_25th.seq + 1
    # Idempotent: a later event does not rewrite a published checkpoint.
    clock.advance(timedelta(hours=1))
    world.submit(step=None)
    world.commit()
    again = audit.checkpoint(session, date(2026, 11, 26))
    assert (again.seq, again.hash) == (second.seq, second.hash)
    assert [c.day for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.day))] == \
        [date(2026, 11, 25), date(2026, 11, 26)]


def test_the_cli_writes_a_checkpoint(factory, session, runner):
    world = World(factory)
    world.submit()
    world.commit()
    result = runner.invoke(args=["audit", "checkpoint", "--day", "2026-11-25"])
    assert result.exit_code == 0, result.output
    head = audit.head(session)
    assert result.output.strip() == f"2026-11-25 seq={head.seq} {head.hash}"
    result = runner.invoke(args=["audit", "checkpoint", "--day", "2026-11-20"])
    assert result.output.strip() == "no events by then"
