"""Named locks held until the end of the current transaction.

PostgreSQL: transaction-level advisory locks. SQLite: an UPDATE of a row in the ``lock`` table,
which takes SQLite's single write lock at once, so every read after it in the transaction is fresh.
Either way no in-process state is involved: many web and worker processes agree.
"""
import hashlib

from sqlalchemy import text


def acquire(session, name: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(name)})
        return
    updated = session.execute(text("UPDATE lock SET counter = counter + 1 WHERE name = :n"), {"n": name})
    if updated.rowcount == 0:
        session.execute(text("INSERT INTO lock (name, counter) VALUES (:n, 1)"), {"n": name})


def segment(session, locality_id: int, language: str, birth_year: int) -> None:
    """Everything that changes who is where in one queue segment runs under this lock."""
    acquire(session, f"segment:{locality_id}:{language}:{birth_year}")


def _key(name: str) -> int:
    # A stable signed 64-bit key for pg_advisory_xact_lock.
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def next_value(session, name: str) -> int:
    """A gap-free counter (application and referral numbers), safe across processes."""
    return session.execute(
        text(
            "INSERT INTO lock (name, counter) VALUES (:n, 1) "
            "ON CONFLICT (name) DO UPDATE SET counter = lock.counter + 1 RETURNING counter"
        ),
        {"n": name},
    ).scalar_one()
