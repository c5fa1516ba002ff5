"""The endpoints of ``/api/v1`` (DESIGN §9). Each one checks its query parameters (params.py), asks
one read-side service, and returns JSON; errors become the error object in blueprints/errors.py."""
import json
from datetime import date, datetime

from flask import Response, current_app
from flask_babel import get_locale

from ...extensions import db, limiter
from ...services import clock, lookup, registry
from ...services.queue import Segment
from . import bp, params
from .openapi import DOCUMENT


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def _lookup_limit() -> str:
    return current_app.config["RATELIMIT_LOOKUP"]


# Callables, so that the limits are read from the configuration of the app serving the request.
# Shared: one budget per client for the whole API, not one per endpoint.
limiter.shared_limit(_api_limit, scope="api")(bp)


@bp.before_request
def _check_interface_language():
    params.interface_language()


@bp.after_request
def _public_headers(response):
    response.headers["Content-Language"] = _language()
    response.vary.add("Accept-Language")
    # Read-only, anonymous and cookie-free: any web page may use it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/openapi.json")
def show_openapi():
    return _json(DOCUMENT)


@bp.get("/localities")
def list_localities():
    return _json(registry.localities(db.session, _language()))


@bp.get("/kindergartens")
def list_kindergartens():
    locality, teaching = params.locality(), params.language()
    page, per_page = params.pagination()
    total, items = registry.kindergartens(db.session, _language(), locality, teaching, page, per_page)
    return _json({"total": total, "items": items})


@bp.get("/kindergartens/<kindergarten_id>")
def show_kindergarten(kindergarten_id: str):
    return _json(registry.kindergarten(db.session, params.path_id(kindergarten_id), _language()))


@bp.get("/bulletins")
def list_bulletins():
    locality, language, birth_year = params.locality(), params.language(), params.birth_year()
    page, per_page = params.pagination()
    total, items = registry.bulletins(db.session, locality, language, birth_year, page, per_page)
    return _json({"total": total, "items": items})


@bp.get("/queue")
def show_queue():
    segment = Segment(params.locality(required=True), params.language(required=True),
                      params.birth_year(required=True))
    page, per_page = params.pagination()
    total, items = lookup.queue_page(db.session, segment, page, per_page)
    return _json({"total": total, "items": items})


@bp.get("/queue/lookup")
@limiter.limit(_lookup_limit, override_defaults=False)  # on top of the API-wide limit
def lookup_position():
    return _json(lookup.position_of(db.session, params.text("q", max_length=64)))


@bp.get("/audit/events")
def list_audit_events():
    after_seq = params.integer("after_seq", 0, params.MAX_ID, default=0)
    limit = params.integer("limit", 1, params.MAX_AUDIT_LIMIT, default=params.DEFAULT_AUDIT_LIMIT)
    items, next_after_seq = registry.audit_events(db.session, after_seq, limit)
    return _json({"items": items, "next_after_seq": next_after_seq})


@bp.get("/audit/head")
def show_audit_head():
    return _json(registry.audit_head(db.session))


@bp.get("/audit/checkpoints")
def list_audit_checkpoints():
    page, per_page = params.pagination(default_per_page=params.MAX_PER_PAGE)
    total, items = registry.audit_checkpoints(db.session, page, per_page)
    return _json({"total": total, "items": items})


# --- helpers --------------------------------------------------------------------------------------

def _language() -> str:
    """The language of ``name`` fields: ?lang=, else Accept-Language (the app's locale selector)."""
    return str(get_locale())


def _json(data) -> Response:
    """Compact UTF-8 (Cyrillic as itself, not as \\u escapes: a third of the bytes on a slow link),
    keys in the documented order. Instants and days are converted by ``_plain`` as the encoder
    meets them (its C implementation walks the rest: a 50-row page is 300 values)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return Response(body, mimetype="application/json")


def _plain(value):
    """Instants as ISO 8601 UTC with Z, days as YYYY-MM-DD; jsonify would write RFC 822."""
    if isinstance(value, datetime):
        return clock.iso(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
