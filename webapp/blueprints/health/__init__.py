"""``/healthz``: is the database answering, and Redis when it is configured."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ...extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    body = {"status": "ok", "db": _check_db(), "redis": _check_redis()}
    healthy = body["db"] == "ok" and body["redis"] in ("ok", "disabled")
    if not healthy:
        body["status"] = "unavailable"
    return jsonify(body), 200 if healthy else 503


def _check_db() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "down"
        db.session.rollback()
        return "down"


def _check_redis() -> str:
    url = current_app.config["REDIS_URL"]
    if not url:
        return "disabled"
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:  # noqa: BLE001
        return "down"
