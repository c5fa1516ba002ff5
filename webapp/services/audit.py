"""The public, hash-chained record of every state change (DESIGN §8).

Services call ``record``; the events are appended when the transaction commits, under a lock, so
``seq`` has no gaps and each event's ``prev_hash`` is the previous event's ``hash`` even with many
writers. Taking the audit lock last, at commit, also means it can never be part of a deadlock.
"""
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..models import AuditCheckpoint, AuditEvent
from . import clock, locks, movement_log
from .actors import Actor

GENESIS = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")


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
    """What the world sees and what is hashed: everything but the hash itself (and the private salt,
    which is never published)."""
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


SALT_BYTES = 16  # 128 bits: DESIGN §8's minimum


def new_salt() -> str:
    """A fresh secret salt for one event's private digest, as lowercase hex."""
    return secrets.token_hex(SALT_BYTES)


def salted_digest(salt: str, details: dict) -> str:
    """SHA-256 hex of the salt (its hex text) followed by the details' canonical JSON (DESIGN §8).

    Without the salt a digest of small ids, public names and ten categories falls to a dictionary;
    with it the digest commits to the details and reveals nothing. Showing salt and details proves
    what an event was about."""
    return hashlib.sha256((salt + canonical_json(details)).encode("utf-8")).hexdigest()


def private_details(actor: Actor, extra: dict | None = None) -> dict:
    return dict(actor.private_details, **(extra or {}))


def private_digest(actor: Actor, extra: dict | None = None, *, salt: str) -> str:
    return salted_digest(salt, private_details(actor, extra))


def build_row(seq: int, prev_hash: str, pending: PendingEvent) -> AuditEvent:
    salt = new_salt()
    row = AuditEvent(
        seq=seq, at=clock.iso(pending.at), action=pending.action, application=pending.application,
        from_status=pending.from_status, to_status=pending.to_status, actor_role=pending.actor.role,
        reason=pending.reason, data=canonical_json(pending.data),
        private_digest=private_digest(pending.actor, pending.private, salt=salt), private_salt=salt,
        prev_hash=prev_hash,
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


@dataclass(frozen=True)
class Checkpoint:
    """A chain head as recorded (the table) or as published earlier (a file an outsider kept)."""

    day: date
    seq: int
    hash: str
    source: str = "stored"  # "stored" | "published"


@dataclass(frozen=True)
class Break:
    """Where verification failed: the first broken link, or a checkpoint the chain does not match."""

    seq: int
    checkpoint: Checkpoint | None = None
    chain_hash: str | None = None  # the chain's hash at ``seq`` (None: the chain has no such event)
    last_seq: int = 0  # where the chain ends

    def __str__(self) -> str:
        if self.checkpoint is None:
            return f"audit chain broken at seq {self.seq}"
        point = self.checkpoint
        where = f"the {point.source} checkpoint of {point.day.isoformat()} (seq {point.seq}, hash {point.hash})"
        if self.chain_hash is None:
            return f"audit chain cut short at seq {self.seq}: the chain ends at seq {self.last_seq}, but {where}"
        return f"audit chain rewritten at seq {self.seq}: the chain's hash is {self.chain_hash}, but {where}"


def verify(session, batch: int = 5000, published=()) -> int | None:
    """Re-check the whole chain and every checkpoint; the seq where it first fails, or None."""
    found = find_break(session, batch, published)
    return found.seq if found else None


def find_break(session, batch: int = 5000, published=()) -> Break | None:
    """Re-check every link of the chain, and the chain against every stored checkpoint and every
    ``published`` one (``Checkpoint``s from a file kept by an outsider). A rewrite from the middle
    with every later hash recomputed keeps the links, and so does a chain with its tail deleted:
    only the checkpoints catch those, at the first checkpoint after the rewrite or past the end."""
    expected: dict[int, list[Checkpoint]] = {}
    for point in [*stored_checkpoints(session), *published]:
        expected.setdefault(point.seq, []).append(point)
    prev, expected_seq, after = GENESIS, 1, 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if not row_holds(row, expected_seq, prev):
                return Break(row.seq)
            for point in expected.get(row.seq, ()):
                if point.hash != row.hash:
                    return Break(row.seq, point, row.hash)
            prev, expected_seq, after = row.hash, expected_seq + 1, row.seq
        session.expunge_all()
    beyond = sorted((point for points in expected.values() for point in points if point.seq > after),
                    key=lambda point: point.seq)
    return Break(beyond[0].seq, beyond[0], None, after) if beyond else None


def stored_checkpoints(session) -> list[Checkpoint]:
    return [Checkpoint(row.day, row.seq, row.hash) for row in
            session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.day))]


def published_checkpoints(document) -> list[Checkpoint]:
    """Checkpoints from the parsed JSON of ``/api/v1/audit/checkpoints``: one page (``{"items":
    [...]}``), a list of pages, or a plain list of items. ValueError when it is none of these."""
    pages = document if isinstance(document, list) else [document]
    items = []
    for page in pages:
        items.extend(page["items"] if isinstance(page, dict) and "items" in page else [page])
    found = []
    for item in items:
        try:
            point = Checkpoint(date.fromisoformat(item["day"]), int(item["seq"]), str(item["hash"]),
                               "published")
        except (TypeError, KeyError, ValueError) as error:
            raise ValueError(f"not a checkpoint: {item!r}") from error
        if point.seq < 1 or not _HEX64.fullmatch(point.hash):
            raise ValueError(f"not a checkpoint: {item!r}")
        found.append(point)
    return found


def row_holds(row: AuditEvent, expected_seq: int, prev: str) -> bool:
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


@dataclass(frozen=True)
class ChainStatus:
    """The chain re-checked from the last stored checkpoint to the head (the department's view)."""

    checkpoint: Checkpoint | None  # where the check started; None: from the first event
    verified_seq: int  # every link up to here holds
    head_seq: int
    broken: Break | None = None


def verify_from_checkpoint(session, batch: int = 5000) -> ChainStatus:
    """Re-check the chain from the latest stored checkpoint to the head: the checkpoint's own event
    must still carry the checkpointed hash, and every later link must hold. Cheaper than ``verify``
    (a day of events, not the whole history), which ``flask audit verify`` still runs in full."""
    points = stored_checkpoints(session)
    start = points[-1] if points else None
    last = head(session)
    head_seq = last.seq if last else 0
    prev, after = GENESIS, 0
    if start is not None:
        row = session.get(AuditEvent, start.seq)
        if row is None:
            return ChainStatus(start, 0, head_seq, Break(start.seq, start, None, head_seq))
        if row.hash != start.hash:
            return ChainStatus(start, 0, head_seq, Break(start.seq, start, row.hash))
        prev, after = row.hash, row.seq
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            return ChainStatus(start, after, head_seq)
        for row in rows:
            if not row_holds(row, after + 1, prev):
                return ChainStatus(start, after, head_seq, Break(row.seq))
            prev, after = row.hash, row.seq
