"""Browser tests: the real app served over HTTP on each backend, driven by Debian's Chromium.

- ``site`` — a live server with the demo district (``flask seed-demo --applications 300 --seed 1``),
  started once per backend for all the browser tests. Parametrise a test with
  ``@pytest.mark.parametrize("site", BACKENDS, indirect=True)``; unparametrised it is SQLite.
- ``page`` (JavaScript on) and ``page_without_js`` — a fresh browser context each, 360×740 like a
  cheap phone.
- ``serious_violations(page)`` — axe-core's serious and critical findings; ``screenshot(page, name)``
  — a full-page PNG in tests/e2e/screens/ to look at; ``check_page(page, url, screen)`` — both, and
  that the page fits the phone with a clean console.
- ``in_app(site, work)`` — ``work(session)`` on the live server's database.
- ``log_in_as(page, role, language)`` — the demo district's account for that role.

Without Playwright or Chromium the browser tests skip (a failure under KEZEK_STRICT_TESTS=1).
Chromium is found at $KEZEK_CHROMIUM, else /usr/bin/chromium (``apt-get install chromium``).
"""
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.serving import make_server

from webapp import create_app
from webapp.demo.district import ACCOUNTS
from webapp.extensions import db
from webapp.services import clock

from ..conftest import DEFAULT_NOW, PG_URL
from . import district as demo_district

HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe-core-4.14.1.min.js"
SCREENS = HERE / "screens"
CHROMIUM = os.environ.get("KEZEK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
# The suite's ``app`` fixture truncates every table of the test database before each test, so the
# long-lived server keeps its rows in a schema of its own inside that database.
PG_SCHEMA = "kezek_e2e"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@dataclass
class Site:
    backend: str
    url: str  # http://127.0.0.1:<port>, no trailing slash
    app: Flask
    district: demo_district.District


# --- live server --------------------------------------------------------------------------------

class _Sites:
    """One seeded server per backend, made on first use and shut down after the browser tests."""

    def __init__(self, tmp_dir: Path, schema: str = PG_SCHEMA):
        self.tmp_dir = tmp_dir
        self.schema = schema  # a server of its own (journeys that change data) gets its own schema
        self.running: dict[str, tuple[Site, object, threading.Thread]] = {}

    def get(self, backend: str) -> Site:
        if backend not in self.running:
            self.running[backend] = self._start(backend)
        return self.running[backend][0]

    def _start(self, backend: str):
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": self._database_url(backend),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "INLINE_SWEEP_INTERVAL": 0,
            "CLOCK_NOW": DEFAULT_NOW.isoformat(),
        })
        # The clock is one module-wide value that other tests move and reset: pin it per request.
        app.before_request(lambda: clock.set(DEFAULT_NOW))
        clock.set(DEFAULT_NOW)
        with app.app_context():
            if backend == "postgresql":
                db.session.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
                db.session.execute(text(f"CREATE SCHEMA {self.schema}"))
                db.session.commit()
            db.create_all()
            seed_demo = ["seed-demo", "--applications", str(demo_district.APPLICATIONS),
                         "--seed", str(demo_district.SEED)]
            seeded = app.test_cli_runner().invoke(args=seed_demo)
            assert seeded.exit_code == 0, seeded.output
            facts = demo_district.describe(db.session)
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"live-{backend}", daemon=True)
        thread.start()
        return Site(backend, f"http://127.0.0.1:{server.server_port}", app, facts), server, thread

    def _database_url(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp_dir / 'e2e.sqlite3'}"
        separator = "&" if "?" in PG_URL else "?"
        return f"{PG_URL}{separator}options=-csearch_path%3D{self.schema}"

    def stop(self) -> None:
        for backend, (site, server, thread) in self.running.items():
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with site.app.app_context():
                db.session.remove()
                if backend == "postgresql":
                    db.session.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
                    db.session.commit()
                    db.session.remove()
                db.engine.dispose()
        self.running.clear()
        clock.reset()


@pytest.fixture(scope="package")  # shut down when the browser tests are done, before the rest of the suite
def _sites(tmp_path_factory):
    sites = _Sites(tmp_path_factory.mktemp("e2e"))
    yield sites
    sites.stop()


@pytest.fixture
def site(request, _sites) -> Site:
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    return _sites.get(backend)


# --- browser ------------------------------------------------------------------------------------

@pytest.fixture(scope="package")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -r requirements-dev.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set KEZEK_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, site, javascript: bool):
    # No bypass_csp: the pages run under their real Content-Security-Policy, as a visitor's do.
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript, base_url=site.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = []  # console errors (a CSP refusal shows here) and uncaught exceptions
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return context, page


@pytest.fixture
def page(browser, site):
    context, page = _page(browser, site, javascript=True)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, site):
    context, page = _page(browser, site, javascript=False)
    yield page
    context.close()


# --- helpers ------------------------------------------------------------------------------------

_AXE_SOURCE = None


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now: rule id, impact, help
    text and the CSS targets of the offending elements.

    axe is injected with ``page.evaluate`` (the DevTools protocol), not ``add_script_tag``: the
    pages' policy ``script-src 'self'`` rightly refuses an inline script tag, and the context keeps
    that policy on (no ``bypass_csp``) so that the tests see what a visitor's browser enforces."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE_SOURCE)
    results = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(" ")),
            summary: v.nodes.map(n => n.failureSummary).join(" | "),
        }));
    }""")
    return [v for v in results if v["impact"] in ("serious", "critical")]


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(f"  {v['id']} ({v['impact']}): {v['help']} -> {', '.join(v['targets'][:5])}"
                     for v in violations)


def screenshot(page, name: str) -> Path:
    """A full-page PNG, 360 px wide, in tests/e2e/screens/ (ignored by git)."""
    SCREENS.mkdir(exist_ok=True)
    path = SCREENS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in_as(page, role: str, language: str = "ru") -> None:
    """Log in with the demo district's account for ``role`` (``webapp.demo.district.ACCOUNTS``)."""
    phone, password = ACCOUNTS[role]
    page.goto(f"/account/log-in?lang={language}")
    page.fill("[name=phone]", phone)
    page.fill("[name=password]", password)
    with page.expect_navigation():
        page.locator("form [type=submit]").last.click()


def check_page(page, url: str, screen: str, problems: list[str] | None = None) -> None:
    """The page as it is now fits the phone without sideways scrolling, is saved as ``screen`` in
    tests/e2e/screens/, has no serious axe findings and no errors in the browser console
    (``problems``, else the page's own)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url}: {width} px wide, the phone scrolls sideways"
    screenshot(page, screen)
    violations = serious_violations(page)
    assert not violations, f"{url}:\n{describe_violations(violations)}"
    problems = page.problems if problems is None else problems
    assert not problems, f"{url}: errors in the browser console: {problems}"


def in_app(site, work):
    """``work(session)`` inside the live server's app, at the suite's fixed time."""
    with site.app.app_context():
        clock.set(DEFAULT_NOW)
        try:
            return work(db.session)
        finally:
            db.session.remove()
