"""The policy simulator in a real browser: the demo district's operator replays the demo year under
strict tiers and reads the result beside what happened; both pages pass axe-core in Kazakh and
Russian, at 360 px and on a desktop. Screenshots land in tests/e2e/screens/ (simulator-*.png)."""
import json
import re

import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.extensions import db
from webapp.models import PolicySimulation, User
from webapp.services import clock

from .conftest import BACKENDS, describe_violations, log_in_as, screenshot, serious_violations

LANGUAGES = ["kk", "ru"]
DESKTOP = {"width": 1280, "height": 900}


def _running_simulation(site) -> str:
    """A simulation half-way through (as the job leaves it while it runs): its page's path."""
    with site.app.app_context():
        try:
            operator = db.session.scalar(select(User).where(User.phone == ACCOUNTS["department"][0]))
            simulation = PolicySimulation(
                district_id=operator.district_id, requested_by=operator.id, created_at=clock.now(),
                started_at=clock.now(), status="running", progress=45, error="",
                parameters=json.dumps({"rule": "ratio", "k": 1, "start": "2025-11-25T04:00:00.000000Z",
                                       "end": "2026-11-25T04:00:00.000000Z"}))
            db.session.add(simulation)
            db.session.commit()
            return f"/department/simulations/{simulation.id}"
        finally:
            db.session.remove()


def _kept(site, simulation_id):
    with site.app.app_context():
        try:
            return db.session.scalar(select(PolicySimulation).where(PolicySimulation.id == simulation_id))
        finally:
            db.session.expunge_all()
            db.session.remove()


@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_the_operator_replays_the_demo_year_under_strict_tiers(site, page):
    log_in_as(page, "department", "ru")
    page.goto("/department/simulations")
    page.get_by_label(re.compile("Строгая очерёдность|Strict tiers")).check()
    page.get_by_role("button", name=re.compile("Запустить|Start")).click()  # a boosted form (htmx)
    page.wait_for_url(re.compile(r"/department/simulations/\d+$"))
    found = re.search(r"/department/simulations/(\d+)$", page.url)
    assert found, page.url
    simulation = _kept(site, int(found.group(1)))
    assert simulation.status == "done", simulation.error
    result = simulation.outcome
    # The demo year replayed under the district's own ratio: every real placement reproduced.
    assert result["check"]["reproduced"] == result["check"]["actual_placed"] > 0
    rows = page.locator("#simulation table tbody tr")
    assert rows.count() == 3
    actual = [int(t) for t in page.locator("#simulation table tbody tr td:nth-child(2)").all_inner_texts()]
    assert actual == [row["actual"]["placed"] for row in result["tiers"]]
    assert page.locator("#simulation svg[role=img] title").count() == 1
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_simulator_pages_pass_axe_in_both_languages(site, page, language):
    log_in_as(page, "department", language)
    page.goto("/department/simulations")
    if page.locator("table.rows a[href*='/department/simulations/']").count() == 0:
        page.locator("form.panel button[type=submit]").click()
        page.wait_for_url(re.compile(r"/department/simulations/\d+$"))
        page.goto("/department/simulations")
    pages = {"list": "/department/simulations",
             "result": page.locator("table.rows a[href*='/department/simulations/']").first.get_attribute("href"),
             "progress": _running_simulation(site)}
    for name, path in pages.items():
        for size, viewport in (("360", None), ("desktop", DESKTOP)):
            if viewport:
                page.set_viewport_size(viewport)
            page.goto(path)
            if name == "progress":  # polls for its partial every 2 s, and offers a link without JavaScript
                assert page.locator("#simulation[hx-trigger='every 2s'] progress").count() == 1
            screenshot(page, f"simulator-{language}-{name}-{size}.png")
            violations = serious_violations(page)
            assert violations == [], f"{path} ({language}, {size}):\n" + describe_violations(violations)
            page.set_viewport_size({"width": 360, "height": 740})
    assert page.problems == []
