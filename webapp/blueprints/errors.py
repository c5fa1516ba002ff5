"""Errors: JSON under /api/ (the API's error object), plain text pages elsewhere; never a 500 for
something the user did."""
from flask import jsonify, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..services.errors import DomainError


def register(app) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, _http_error)


def error_body(code: str, message: str, status: int):
    return jsonify({"error": {"code": code, "message": message}}), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _domain_error(error: DomainError):
    db.session.rollback()
    if _wants_json():
        return error_body(error.code, str(error), error.http_status)
    return str(error), error.http_status


def _rate_limited(error):
    if _wants_json():
        response, status = error_body("rate_limited", "Too many requests; slow down.", 429)
        return response, status
    return error.get_response()


def _http_error(error: HTTPException):
    if _wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        response, status = error_body(code, error.description or error.name, error.code or 500)
        for name, value in error.get_headers():  # keep e.g. Allow on a 405 (RFC 9110)
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status
    return error
