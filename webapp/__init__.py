"""Kezek: the electronic queue into state kindergartens.

The application exists only through ``create_app()``; ``wsgi.py`` holds the module-level app.
"""
import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config
from .extensions import babel, compress, csrf, db, limiter, login, migrate
from .web import languages


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, overrides)
    _require_secret_key(app)
    _trust_proxies(app)
    _init_extensions(app)
    _init_web(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    _init_tasks(app)
    _init_clock(app)
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
    compress.init_app(app)
    babel.init_app(app, locale_selector=languages.select)
    limiter.init_app(app)
    login.init_app(app)
    login.login_view = "auth.log_in"
    login.login_message = None  # the log-in page says why it is there
    login.session_protection = app.config["SESSION_PROTECTION"]

    @login.user_loader
    def load_user(user_id):
        from .models import User

        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None  # a blocked account is logged out


def _init_web(app: Flask) -> None:
    """After the extensions: these after-request hooks must run before Flask-Compress's."""
    from . import web

    web.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from .blueprints.admin import bp as admin_bp
    from .blueprints.api import bp as api_bp
    from .blueprints.auth import bp as auth_bp
    from .blueprints.cabinet import bp as cabinet_bp
    from .blueprints.department import bp as department_bp
    from .blueprints.health import bp as health_bp
    from .blueprints.public import bp as public_bp
    from .blueprints.staff import bp as staff_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(health_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/account")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(cabinet_bp, url_prefix="/cabinet")
    app.register_blueprint(department_bp, url_prefix="/department")
    app.register_blueprint(admin_bp, url_prefix="/admin")
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


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers work while one writer writes; foreign keys are off in SQLite by default."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
