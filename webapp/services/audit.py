"""The public, hash-chained record of every state change (DESIGN §8).

Services call ``record``; the events are appended when the transaction commits, under a lock, so
``seq`` has no gaps and each event's ``prev_hash`` is the previous event's ``hash`` even with many
writers. Taking the audit lock last, at commit, also means it can never be part of a deadlock.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..models import AuditCheckpoint, AuditEvent
from . import clock, locks, movement_log
from .actors import Actor

GENESIS = "0" * 64


@dataclass
class PendingEvent:
    action: str
    application: str | None
    from_status: str | None
    to_status: str | None
    actor: Actor
    reason: str = ""
    data: dict = field(default_factory=dict)
    at: datetime | None = None
    private: dict = field(default_factory=dict)


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record(session, action, *, actor: Actor, application=None, from_status=None, to_status=None,
           reason="", data=None, at=None, private=None) -> None:
    """Queue one event for the chain. ``data`` and ``reason`` are public: never personal data there;
    ``private`` details (who, which privilege) only enter the event through its SHA-256 digest."""
    number = application.number if hasattr(application, "number") else application
    session.info.setdefault("audit_pending", []).append(
        PendingEvent(action, number, from_status, to_status, actor, reason or "", data or {},
                     at or clock.now(), private or {})
    )


def public_record(event_row: AuditEvent) -> dict:
    """What the world sees and what is hashed: everything but the hash itself."""
    return {
        "seq": event_row.seq,
        "at": event_row.at,
        "action": event_row.action,
        "application": event_row.application,
        "from": event_row.from_status,
        "to": event_row.to_status,
        "actor_role": event_row.actor_role,
        "reason": event_row.reason,
        "data": json.loads(event_row.data),
        "private_digest": event_row.private_digest,
        "prev_hash": event_row.prev_hash,
    }


def chain_hash(prev_hash: str, public: dict) -> str:
    return hashlib.sha256((prev_hash + canonical_json(public)).encode("utf-8")).hexdigest()


def private_digest(actor: Actor, extra: dict | None = None) -> str:
    details = dict(actor.private_details, **(extra or {}))
    return hashlib.sha256(canonical_json(details).encode("utf-8")).hexdigest()


def build_row(seq: int, prev_hash: str, pending: PendingEvent) -> AuditEvent:
    row = AuditEvent(
        seq=seq, at=clock.iso(pending.at), action=pending.action, application=pending.application,
        from_status=pending.from_status, to_status=pending.to_status, actor_role=pending.actor.role,
        reason=pending.reason, data=canonical_json(pending.data),
        private_digest=private_digest(pending.actor, pending.private), prev_hash=prev_hash,
    )
    row.hash = chain_hash(prev_hash, public_record(row))
    return row


def head(session) -> AuditEvent | None:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()


def flush_pending(session) -> None:
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    locks.acquire(session, "audit")
    last = head(session)
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    for item in pending:
        seq += 1
        row = build_row(seq, prev, item)
        session.add(row)
        prev = row.hash
    movement_log.note(session, pending)  # the derived tables of "Movement explained", same transaction


@event.listens_for(Session, "before_commit")
def _append_on_commit(session):
    flush_pending(session)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    session.info.pop("audit_pending", None)


def verify(session, batch: int = 5000) -> int | None:
    """Re-check the whole chain; the seq of the first broken event, or None when it holds."""
    prev, expected_seq, after = GENESIS, 1, 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return None
        for row in rows:
            if not _row_holds(row, expected_seq, prev):
                return row.seq
            prev, expected_seq, after = row.hash, expected_seq + 1, row.seq
        session.expunge_all()


def _row_holds(row: AuditEvent, expected_seq: int, prev: str) -> bool:
    if row.seq != expected_seq or row.prev_hash != prev:
        return False
    try:
        data = json.loads(row.data)
    except ValueError:
        return False
    if canonical_json(data) != row.data:  # stored text must be exactly what was hashed
        return False
    return chain_hash(prev, public_record(row)) == row.hash


def checkpoint(session, day: date, zone: str = "Asia/Almaty") -> AuditCheckpoint | None:
    """Record the chain head as it stood at the end of ``day`` (local time); idempotent."""
    existing = session.get(AuditCheckpoint, day)
    if existing:
        return existing
    end = clock.iso(datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone)))
    last = session.scalars(
        select(AuditEvent).where(AuditEvent.at < end).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if last is None:
        return None
    row = AuditCheckpoint(day=day, seq=last.seq, hash=last.hash, at=last.at)
    session.add(row)
    return row
