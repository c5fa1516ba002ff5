"""Turning the unsalted private digests into salted commitments, once, before launch (DESIGN §8).

Until this step ``private_digest`` was the plain SHA-256 of ``{"user_id", "name", ...}``: small ids,
public names and ten privilege categories, so a dictionary recovered the category of every
"privilege verified" event. The old details were never stored, only their plain digest, so each
event's new digest commits to that: ``SHA-256(salt + canonical_json({"unsalted_digest": old}))``
with a fresh 128-bit secret salt kept in ``private_salt``. The department proves what an old event
was about by showing the salt and the details whose plain SHA-256 is ``unsalted_digest``.

The digest is part of the hashed record, so the chain is recomputed once. The rebuilt chain starts
with an ``audit.chain_rebuilt`` event (seq 1) that names the old head; every old event follows, its
seq one higher. Stored checkpoints move with their events, and a new one records the rebuilt head.
The old chain is verified first: a broken chain is never laundered into a valid one.

Plain table definitions, not the ORM models, so that the migration calling this keeps working
whatever the models become later.
"""
from datetime import date
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from . import audit, clock
from .actors import SYSTEM

ACTION = "audit.chain_rebuilt"
REASON = "private digests salted; chain rebuilt before launch"
CHECKPOINT_ZONE = "Asia/Almaty"  # as the sweep's daily checkpoint

_COLUMNS = ("seq", "at", "action", "application", "from_status", "to_status", "actor_role", "reason", "data",
            "private_digest", "private_salt", "prev_hash", "hash")
events = sa.table("audit_event", *(sa.column(name) for name in _COLUMNS))
checkpoints = sa.table("audit_checkpoint", sa.column("day", sa.Date), sa.column("seq"), sa.column("hash"),
                       sa.column("at"))


class BrokenChain(RuntimeError):
    """The chain to be rebuilt does not verify: rebuilding it would hide the damage."""


def resalt_and_rebuild(connection, now=None, batch: int = 5000) -> int:
    """Re-salt every event's digest and rebuild the chain and its checkpoints; returns how many old
    events were rebuilt (0 for an empty chain, which needs nothing)."""
    now = now or clock.now()
    old_head = connection.execute(
        sa.select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)).first()
    if old_head is None:
        return 0
    stored = connection.execute(sa.select(checkpoints)).all()
    expected_at = {}  # seq → the hash its checkpoints name (a quiet day repeats the previous seq)
    for point in stored:
        if expected_at.setdefault(point.seq, point.hash) != point.hash:
            raise BrokenChain(f"the checkpoints of seq {point.seq} disagree: not rebuilt")
    first = _rebuild_event(now, old_head)
    new_hash_of = {}  # old seq of a checkpoint → the rebuilt hash of that event
    old_prev, new_prev, expected, after = audit.GENESIS, first["hash"], 1, 0
    update = sa.update(events).where(events.c.seq == sa.bindparam("old_seq")).values(
        seq=sa.bindparam("new_seq"), private_digest=sa.bindparam("new_digest"),
        private_salt=sa.bindparam("new_salt"), prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash"))
    while True:
        rows = connection.execute(
            sa.select(events).where(events.c.seq > after).order_by(events.c.seq).limit(batch)).all()
        if not rows:
            break
        changes = []
        for row in rows:
            record = SimpleNamespace(**row._mapping)
            if not audit.row_holds(record, expected, old_prev):
                raise BrokenChain(f"the audit chain is broken at seq {row.seq}: not rebuilt")
            if expected_at.get(row.seq, row.hash) != row.hash:
                raise BrokenChain(f"a checkpoint does not match seq {row.seq}: not rebuilt")
            salt = audit.new_salt()
            record.seq, record.prev_hash = row.seq + 1, new_prev
            record.private_digest = audit.salted_digest(salt, {"unsalted_digest": row.private_digest})
            new_hash = audit.chain_hash(new_prev, audit.public_record(record))
            # Negative while the walk lasts: seq is the primary key and seq + 1 is still taken.
            changes.append({"old_seq": row.seq, "new_seq": -record.seq, "new_digest": record.private_digest,
                            "new_salt": salt, "new_prev": new_prev, "new_hash": new_hash})
            if row.seq in expected_at:
                new_hash_of[row.seq] = new_hash
            old_prev, new_prev, expected, after = row.hash, new_hash, expected + 1, row.seq
        connection.execute(update, changes)
    beyond = [seq for seq in expected_at if seq > after]
    if beyond:
        raise BrokenChain(f"a checkpoint names seq {min(beyond)}, past the end of the chain: not rebuilt")
    connection.execute(sa.update(events).where(events.c.seq < 0).values(seq=-events.c.seq))
    connection.execute(sa.insert(events).values(**first))
    _move_checkpoints(connection, stored, new_hash_of)
    _checkpoint_head(connection, now, after + 1, new_prev)
    return after


def _rebuild_event(now, old_head) -> dict:
    """The first event of the rebuilt chain: what was done, and the head it replaces."""
    salt = audit.new_salt()
    row = {"seq": 1, "at": clock.iso(now), "action": ACTION, "application": None, "from_status": None,
           "to_status": None, "actor_role": SYSTEM.role, "reason": REASON,
           "data": audit.canonical_json({"events": old_head.seq,
                                         "previous_head": {"seq": old_head.seq, "hash": old_head.hash}}),
           "private_digest": audit.private_digest(SYSTEM, salt=salt), "private_salt": salt,
           "prev_hash": audit.GENESIS}
    row["hash"] = audit.chain_hash(audit.GENESIS, audit.public_record(SimpleNamespace(**row)))
    return row


def _move_checkpoints(connection, stored: list, new_hash_of: dict) -> None:
    """Each stored checkpoint names the same event as before: its seq one higher, its new hash."""
    for point in stored:
        connection.execute(sa.update(checkpoints).where(checkpoints.c.day == point.day)
                           .values(seq=point.seq + 1, hash=new_hash_of[point.seq]))


def _checkpoint_head(connection, now, head_seq: int, head_hash: str) -> None:
    """A checkpoint of the rebuilt head, under today's day, unless today already has one."""
    today = checkpoint_day(now)
    if connection.execute(sa.select(checkpoints.c.day).where(checkpoints.c.day == today)).first():
        return
    at = connection.execute(sa.select(events.c.at).where(events.c.seq == head_seq)).scalar_one()
    connection.execute(sa.insert(checkpoints).values(day=today, seq=head_seq, hash=head_hash, at=at))


def checkpoint_day(now) -> date:
    """The local day the checkpoint of the rebuilt head is recorded under."""
    return now.astimezone(ZoneInfo(CHECKPOINT_ZONE)).date()
