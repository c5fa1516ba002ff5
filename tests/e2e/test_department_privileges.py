"""The district department in a real browser (issue 11): the operator verifies a pending privilege
claim and the child's position on the public lookup moves up at once; a correction and the audit
viewer work from the browser; then the pages of privilege checks, the audit viewer and corrections
are checked with axe-core in Kazakh and in Russian. Screenshots land in tests/e2e/screens/
(department-*.png)."""
import re

import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.models import Application, PrivilegeClaim, User
from webapp.services import queue
from webapp.services.privileges import TIER_ORDER

from .conftest import BACKENDS, check_page, in_app, log_in_as

LANGUAGES = ["kk", "ru"]


def _operator(session) -> User:
    return session.scalar(select(User).where(User.phone == ACCOUNTS["department"][0]))


def _claim_that_moves(session):
    """A pending claim of the operator's district whose verification must move a waiting child up:
    a better tier than the application has, and someone of a lower tier ahead of it."""
    operator = _operator(session)
    claims = session.scalars(select(PrivilegeClaim).join(Application).where(
        PrivilegeClaim.status == "pending", Application.district_id == operator.district_id,
        Application.status == "queued").order_by(PrivilegeClaim.id)).all()
    for claim in claims:
        application = claim.application
        if TIER_ORDER[claim.category.tier] >= TIER_ORDER[application.tier]:
            continue
        explanation = queue.explain(session, application)
        ahead = explanation.ahead if explanation else {}
        lower = [tier for tier in ahead if TIER_ORDER[tier] > TIER_ORDER[claim.category.tier]]
        if explanation and any(ahead[tier] for tier in lower):
            return claim.id, application.number, explanation.position
    pytest.fail("the demo district has no pending claim whose verification moves a child up")


def _public_position(page, number) -> int | None:
    page.goto(f"/queue/lookup?q={number}&lang=ru")
    found = page.locator(".position__number strong")
    return int(re.sub(r"\D", "", found.inner_text())) if found.count() else None


@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_the_department_verifies_a_privilege_and_the_public_position_moves(site, page):
    claim_id, number, position = in_app(site, _claim_that_moves)
    assert _public_position(page, number) == position

    log_in_as(page, "department")
    page.goto("/department/claims?lang=ru")
    row = page.locator("table.rows tbody tr", has_text=number)
    assert row.count() == 1, "the pending claim is on the list"
    row.locator("td:first-child a").click()  # a boosted link (htmx)
    page.wait_for_url(f"**/department/claims/{claim_id}")
    page.fill("[name=valid_until]", "2027-08-31")
    with page.expect_navigation():
        page.locator("#verify button[type=submit]").click()
    assert page.locator(".notice").count() == 1
    assert in_app(site, lambda s: s.get(PrivilegeClaim, claim_id).status) == "verified"

    after = _public_position(page, number)
    assert after is not None and after < position, (position, after)
    assert page.locator(".history", has_text="#").count() == 1


@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_a_correction_from_the_browser_shows_in_the_public_history(site, page):
    def stop_listed(session):
        operator = _operator(session)
        return session.scalars(select(Application).where(
            Application.district_id == operator.district_id, Application.status == "stop_listed")
            .order_by(Application.id)).first()
    found = in_app(site, lambda s: (lambda a: (a.id, a.number) if a else None)(stop_listed(s)))
    if found is None:
        pytest.fail("the demo district has no application on the stop-list")
    application_id, number = found
    log_in_as(page, "department")
    page.goto(f"/department/events?application={number}&lang=ru")
    page.locator("table.rows tbody tr td a", has_text=number).first.click()  # a boosted link (htmx)
    page.wait_for_url(f"**/department/applications/{application_id}/correct")
    page.check("#kind-end_stop_list")
    page.fill("[name=reason]", "Срок ответа пропущен из-за сбоя доставки SMS")
    with page.expect_navigation():
        page.locator("#correct button[type=submit]").click()
    assert page.locator(".notice").count() == 1
    page.goto(f"/queue/lookup?q={number}&lang=ru")
    history = page.locator(".history").inner_text()
    assert "Срок ответа пропущен из-за сбоя доставки SMS" in history


def _department_pages(session):
    operator = _operator(session)
    claim = session.scalars(select(PrivilegeClaim).join(Application).where(
        Application.district_id == operator.district_id).order_by(PrivilegeClaim.id)).first()
    application = session.scalars(select(Application).where(
        Application.district_id == operator.district_id, Application.status == "queued")
        .order_by(Application.id)).first()
    return {"claims": "/department/claims", "claims-verified": "/department/claims?show=verified",
            "claim": f"/department/claims/{claim.id}", "events": "/department/events",
            "events-filtered": f"/department/events?role=department&since=2020-01-01",
            "correction": f"/department/applications/{application.id}/correct"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_this_part_is_accessible(site, page, language):
    urls = in_app(site, _department_pages)
    log_in_as(page, "department", language)
    for name, url in urls.items():
        response = page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, url
        check_page(page, url, f"department-{language}-{name}.png")
