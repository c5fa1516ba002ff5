"""Outbox delivery throughput with the ``console`` SMS backend, one worker.

    python -m bench.bench_delivery [--messages 5000] [--database-url URL] [--redis-url URL] [--inline]

Writes N pending SMS rows, then runs one real ``python worker.py --burst`` (RQ, forked work horse,
the same code as production) and measures:

- ``drain``: messages / (last sent_at − first sent_at), the steady rate of the worker;
- ``wall``: messages / the worker process's whole life, start-up included.

Every row must end ``sent`` and the worker must print exactly N SMS lines, or the run fails.
``--inline`` drains in this process instead (no Redis). The database defaults to a fresh SQLite file;
a PostgreSQL URL must point to a scratch database (tables are created; the rows are removed after).
The Redis database (default 13) is flushed: give a scratch one.
"""
import argparse
import fcntl
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import delete, func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp import create_app, jobs  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Notification, User  # noqa: E402
from webapp.services import clock  # noqa: E402

PHONE = "+77009990000"


def main() -> int:
    args = parse()
    scratch = tempfile.TemporaryDirectory(prefix="kezek-bench-")
    database_url = args.database_url or f"sqlite:///{Path(scratch.name) / 'bench.sqlite3'}"
    redis_url = None if args.inline else args.redis_url
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "SMS_BACKEND": "console",
                      "SMTP_HOST": None, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        user_id = _prepare(args.messages)
        try:
            if args.inline:
                result = _inline(args.messages)
            else:
                result = _worker(app, database_url, redis_url, args.messages, user_id)
            _check_all_sent(user_id, args.messages)
        finally:
            _clean(user_id)
    print(f"backend={app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]} messages={args.messages} "
          + " ".join(f"{name}={value}" for name, value in result.items()))
    return 0


def parse():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--inline", action="store_true", help="drain in this process, without Redis")
    return parser.parse_args()


def _prepare(count: int) -> int:
    """One parent and ``count`` pending SMS rows, written in bulk."""
    now = clock.now()
    user = db.session.scalar(select(User).where(User.phone == PHONE))
    if user is None:
        user = User(phone=PHONE, password_hash="-", role="parent", language="ru", created_at=now)
        db.session.add(user)
        db.session.flush()
    run = f"bench:{uuid.uuid4().hex[:12]}"
    rows = [{"user_id": user.id, "channel": "sms", "event": "application.submitted", "language": "ru",
             "recipient": PHONE, "subject": "", "body": f"Kezek: заявление GM-2026-{i:06d} поставлено в очередь.",
             "status": "pending", "attempts": 0, "idempotency_key": f"{run}:{i}", "created_at": now,
             "body_html": "", "last_error": "", "read": False} for i in range(count)]
    for start in range(0, count, 1000):
        db.session.execute(insert(Notification), rows[start:start + 1000])
    db.session.commit()
    return user.id


def _inline(count: int) -> dict:
    started = time.perf_counter()
    sent = jobs.deliver_outbox()
    elapsed = time.perf_counter() - started
    assert sent == count, f"sent {sent} of {count}"
    return {"seconds": round(elapsed, 2), "messages_per_second": round(count / elapsed)}


def _worker(app, database_url: str, redis_url: str, count: int, user_id: int) -> dict:
    from webapp import queueing

    redis = queueing.connection(app)
    # The tests flush the same scratch database: take their lock, so neither spoils the other.
    with open(f"/tmp/kezek-test-redis-{redis.connection_pool.connection_kwargs.get('db', 0)}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        redis.flushdb()
        return _run_worker(app, database_url, redis_url, count, user_id)


def _run_worker(app, database_url: str, redis_url: str, count: int, user_id: int) -> dict:
    from webapp import queueing

    queueing.kick_outbox(app)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEZEK_")}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, KEZEK_SMS_BACKEND="console",
               KEZEK_SECRET_KEY="bench", KEZEK_RATELIMIT_ENABLED="false")
    started = time.perf_counter()
    command = [sys.executable, "worker.py", "--burst", "--log-level", "WARNING"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    printed = sum(1 for line in done.stdout.splitlines() if line.startswith("SMS bench:"))
    assert printed == count, f"the console printed {printed} of {count} messages"
    first, last = db.session.execute(
        select(func.min(Notification.sent_at), func.max(Notification.sent_at))
        .where(Notification.user_id == user_id)
    ).one()
    drain = (last - first).total_seconds()
    return {"worker_seconds": round(wall, 2), "drain_seconds": round(drain, 2),
            "wall_messages_per_second": round(count / wall), "drain_messages_per_second": round(count / drain)}


def _check_all_sent(user_id: int, count: int) -> None:
    db.session.expire_all()
    states = dict(db.session.execute(
        select(Notification.status, func.count()).where(Notification.user_id == user_id)
        .group_by(Notification.status)
    ).all())
    assert states == {"sent": count}, states


def _clean(user_id: int) -> None:
    db.session.rollback()
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.commit()


if __name__ == "__main__":
    sys.exit(main())
