"""The transparency page: the rule of the order with each district's ratio, the chain head and its
latest daily checkpoints, and the latest distribution runs (who was invited, in order, to which seat)."""
import json
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..models import AuditCheckpoint, AuditEvent, Bulletin, District
from . import policy, registry


def summary(session, language: str, runs: int = 5, checkpoints: int = 7) -> dict:
    latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.day.desc()).limit(checkpoints))
    return {
        "districts": [{"name": d.name_in(language), **asdict(policy.of(d))}
                      for d in session.scalars(select(District).order_by(District.id))],
        "head": registry.audit_head(session),
        "checkpoints": [{"day": row.day, "seq": row.seq, "hash": row.hash, "at": row.at} for row in latest],
        "runs": latest_runs(session, language, runs),
    }


def latest_runs(session, language: str, limit: int) -> list[dict]:
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "distribution.run").order_by(AuditEvent.seq.desc()).limit(limit)
    ).all()
    runs = [(row, json.loads(row.data)) for row in rows]
    bulletin_ids = {item[1] for _, data in runs for item in data.get("invited", [])}
    bulletins = {b.id: b for b in session.scalars(
        select(Bulletin).options(joinedload(Bulletin.kindergarten)).where(Bulletin.id.in_(bulletin_ids)))} \
        if bulletin_ids else {}
    return [
        {"seq": row.seq, "at": row.at, "segment": data.get("segment"),
         "invited": [{"order": n, "number": number, "seat": seat_id, "bulletin": bulletin_id,
                      "kindergarten": _kindergarten_name(bulletins.get(bulletin_id), language)}
                     for n, (number, bulletin_id, seat_id) in enumerate(data.get("invited", []), 1)]}
        for row, data in runs
    ]


def _kindergarten_name(bulletin, language: str) -> str:
    return bulletin.kindergarten.name_in(language) if bulletin is not None else ""
