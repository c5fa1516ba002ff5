"""Kezek: the electronic queue into state kindergartens.

The application exists only through ``create_app()``; ``wsgi.py`` holds the module-level app.
"""
import logging

from flask import Flask, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config
from .extensions import babel, csrf, db, limiter, login, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, overrides)
    _require_secret_key(app)
    _trust_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    _init_tasks(app)
    _init_clock(app)
    app.after_request(_security_headers)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return app


def _require_secret_key(app: Flask) -> None:
    """A published key lets anyone forge a session, so the fallback is only for the embedded
    development set-up (SQLite, not production); anything else refuses to start without a key."""
    if app.config["SECRET_KEY"]:
        return
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if app.config["ENV_NAME"] == "production" or not embedded:
        raise RuntimeError("KEZEK_SECRET_KEY must be set (it is only optional for the SQLite demo)")
    app.config["SECRET_KEY"] = "development-only-not-secret"


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (KEZEK_PROXY_HOPS), take the client address and scheme from their
    X-Forwarded-* headers: rate limits count per visitor, not per load balancer, and HSTS is sent."""
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401 - register every table before migrations look
    from .services import tally  # noqa: F401 - keeps the queue tally in step with every flush

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)  # batch mode: SQLite can ALTER tables too
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_language)
    limiter.init_app(app)
    login.init_app(app)
    login.login_view = "auth.login"

    @login.user_loader
    def load_user(user_id):
        from .models import User

        return db.session.get(User, int(user_id))


def select_language() -> str:
    """?lang=… (remembered in the session), then the account's choice, then Accept-Language."""
    from flask import current_app, has_request_context
    from flask_login import current_user

    if not has_request_context():  # CLI, jobs, the sweep: the configured language
        return current_app.config["DEFAULT_LANGUAGE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        if not request.path.startswith("/api/"):
            session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LANGUAGE"]


def _register_blueprints(app: Flask) -> None:
    from .blueprints.api import bp as api_bp
    from .blueprints.health import bp as health_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(health_bp)
    csrf.exempt(api_bp)  # read-only JSON, no cookies acted upon


def _register_errors(app: Flask) -> None:
    from .blueprints import errors

    errors.register(app)


def _register_cli(app: Flask) -> None:
    from . import cli

    cli.register(app)


def _init_tasks(app: Flask) -> None:
    from . import jobs

    jobs.init_app(app)


def _init_clock(app: Flask) -> None:
    from .services import clock

    if app.config["CLOCK_NOW"]:
        clock.set(app.config["CLOCK_NOW"])


def _security_headers(response):
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers work while one writer writes; foreign keys are off in SQLite by default."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
