"""Errors: the API's error object under /api/, a page in the visitor's language elsewhere; never a
500 for something the user did."""
from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db
from ..services.errors import DomainError

PAGES = {
    400: (_l("The request is not valid"), _l("Something in the address or the form is wrong. Please check it and try again.")),
    403: (_l("Access denied"), _l("You may not open this page.")),
    404: (_l("Page not found"), _l("There is no such page, or it has been removed. Check the address.")),
    405: (_l("Not possible here"), _l("This page cannot be used this way.")),
    409: (_l("Already changed"), _l("Someone has changed this meanwhile. Open the page again to see its current state.")),
    422: (_l("Please check what you entered"), _l("Something you entered cannot be used.")),
    429: (_l("Too many requests"), _l("You have made too many requests in a short time. Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"), _l("The error has been recorded. Please try again in a few minutes.")),
}


def register(app) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def error_body(code: str, message: str, status: int):
    return jsonify({"error": {"code": code, "message": message}}), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, message: str | None = None):
    title, default = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    return render_template("errors/error.html", code=status, title=title, message=message or default), status


def _domain_error(error: DomainError):
    db.session.rollback()
    if _wants_json():
        return error_body(error.code, str(error), error.http_status)
    return error_page(error.http_status, str(error) if error.http_status != 404 else None)


def _rate_limited(error):
    retry_after = error.get_response().headers.get("Retry-After") or "60"
    if _wants_json():
        response, status = error_body("rate_limited", "Too many requests; slow down.", 429)
    else:
        response = make_response(*error_page(429))
    response.headers["Retry-After"] = retry_after
    return response, 429


def _http_error(error: HTTPException):
    if _wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        response, status = error_body(code, error.description or error.name, error.code or 500)
        for name, value in error.get_headers():  # keep e.g. Allow on a 405 (RFC 9110)
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status
    if error.code and error.code < 400:
        return error
    return error_page(error.code or 500)


def _unexpected(error: Exception):
    """Log it and show the translated 500 page (the API: its error object)."""
    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.exception("unhandled error on %s", request.path)
    db.session.rollback()
    if current_app.testing and current_app.config.get("PROPAGATE_EXCEPTIONS") is not False:
        raise error
    if _wants_json():
        return error_body("internal_error", "Internal error.", 500)
    return error_page(InternalServerError.code)
