"""Configuration: safe defaults for a laptop, overridden by the environment.

Every setting may be given as ``KEZEK_<NAME>`` (read with ``from_prefixed_env``, so values are parsed
as JSON where possible: ``KEZEK_RATELIMIT_ENABLED=false`` is a real boolean). ``DATABASE_URL`` and
``REDIS_URL`` are read without the prefix because that is what hosting platforms set.
"""
import os
from pathlib import Path


class Defaults:
    SECRET_KEY = None  # required outside development; see create_app
    ENV_NAME = "development"  # "production" makes a missing secret key fatal
    SQLALCHEMY_DATABASE_URI = None  # filled from DATABASE_URL or the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = None  # no Redis: jobs run inline after commit
    TIMEZONE = "Asia/Almaty"
    DEFAULT_LANGUAGE = "ru"
    LANGUAGES = ("kk", "ru", "en")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"  # dates on pages in the district's time
    # Rate limits (Flask-Limiter). Benchmarks and outside checkers set RATELIMIT_ENABLED=false.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = None  # defaults to REDIS_URL, else memory
    RATELIMIT_LOOKUP = "30 per minute"
    RATELIMIT_API = "300 per minute"
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_HEADERS_ENABLED = True
    # Notifications
    SMS_BACKEND = "console"  # console | http
    SMS_HTTP_URL = None
    SMS_HTTP_TOKEN = None
    SMS_HTTP_SENDER = "KEZEK"
    SMS_HTTP_TIMEOUT = 10
    SMTP_HOST = None  # no SMTP host: emails are stored and logged, not sent
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    MAIL_FROM = "kezek@localhost"
    # Clock: an ISO timestamp pins "now" (demo, tests); None means the real time.
    CLOCK_NOW = None
    # Development server runs the sweep from a timer when there is no Redis (seconds; 0 = off).
    INLINE_SWEEP_INTERVAL = 300
    SEED_DEMO_ON_EMPTY = False
    # Privilege documents (PDF, JPEG, PNG) parents upload: kept under the instance folder, never in
    # static/, served only to the parent (and the department); at most this many bytes each.
    DOCUMENT_FOLDER = None  # None: <instance>/documents
    DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a request larger than one document and its form: 413
    PROXY_HOPS = 0  # reverse proxies in front of the app whose X-Forwarded-* headers we trust
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies only over HTTPS; None: on, except for development and tests over plain http.
    SESSION_COOKIE_SECURE = None
    REMEMBER_COOKIE_SECURE = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_PROTECTION = "strong"  # Flask-Login: a session moved to another client is dropped
    JSON_SORT_KEYS = False
    # Compression (Flask-Compress): brotli where the browser takes it, gzip otherwise.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "deflate"]  # the CSV download is streamed
    COMPRESS_BR_LEVEL = 5
    COMPRESS_BR_WINDOW = 18  # pages are a few KB: a 256 KB window compresses them as well as 4 MB, faster
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "text/csv", "image/svg+xml"]
    COMPRESS_MIN_SIZE = 300


def load(app, overrides=None):
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("KEZEK")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    if overrides:
        app.config.update(overrides)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "kezek.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LANGUAGE"]
    plain_http = app.config["ENV_NAME"] == "development" or app.config.get("TESTING")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config[name] is None:
            app.config[name] = not plain_http
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]


def normalise_database_url(uri: str) -> str:
    # Hosting platforms hand out postgres:// URLs; we use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix):]
    return uri


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        # A long busy timeout: SQLite serialises writers, and a waiting writer beats an error.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
