"""tools/verify_audit.py, run as its users run it: a separate process reading the public API of a
real HTTP server (werkzeug, in a thread) over a small seeded district."""
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from webapp import demo
from webapp.extensions import db
from webapp.models import AuditCheckpoint, AuditEvent
from webapp.services import clock

from .conftest import DEFAULT_NOW

TOOL = Path(__file__).resolve().parents[1] / "tools" / "verify_audit.py"


@pytest.fixture
def served(app, session):
    clock.set(DEFAULT_NOW)
    demo.seed(session, applications=120, seed=3)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _run(base: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), base, "--limit", "97", *args], capture_output=True,
                          text=True, timeout=300)


def test_a_sound_chain_is_ok_and_a_tampered_event_is_named(served, session):
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    head = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    assert events > 300 and session.scalar(select(func.count()).select_from(AuditCheckpoint)) > 10
    done = _run(served)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"ok: {events} events, head {head.hash}"

    victim = events // 2
    session.execute(text("UPDATE audit_event SET reason = 'edited later' WHERE seq = :seq"), {"seq": victim})
    session.commit()
    done = _run(served)
    assert done.returncode == 1
    assert done.stdout.startswith(f"broken at seq {victim}:"), done.stdout


def test_a_deleted_tail_fails_against_checkpoints_saved_earlier(served, session, client, tmp_path):
    saved = tmp_path / "checkpoints.json"
    items, page = [], 1
    while True:
        body = client.get(f"/api/v1/audit/checkpoints?page={page}&per_page=100").get_json()
        items += body["items"]
        if len(items) >= body["total"]:
            break
        page += 1
    saved.write_text(json.dumps({"total": len(items), "items": items}), encoding="utf-8")
    last_day = max(items, key=lambda item: item["seq"])
    keep = last_day["seq"] - 5
    # The tail and the published checkpoints that named it vanish together: only the saved copy remembers.
    session.execute(text("DELETE FROM audit_event WHERE seq > :seq"), {"seq": keep})
    session.execute(text("DELETE FROM audit_checkpoint WHERE seq > :seq"), {"seq": keep})
    session.commit()
    db.session.remove()

    alone = _run(served)
    assert alone.returncode == 0 and alone.stdout.startswith(f"ok: {keep} events"), alone.stdout
    done = _run(served, "--checkpoints", str(saved))
    assert done.returncode == 1
    assert done.stdout.startswith(f"broken at seq {keep + 1}:"), done.stdout
    assert f"names seq {last_day['seq']}" in done.stdout
