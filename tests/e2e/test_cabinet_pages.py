"""Every cabinet page of the demo parent (children queued-then-invited, referred, stop-listed and
inactive) in a real browser at 360 px, in Kazakh and Russian: axe-core finds nothing serious or
critical, nothing scrolls sideways, one <h1>. Screenshots land in tests/e2e/screens/cabinet-*.png.
Only GET requests: the shared demo server is left as it was."""
import re

import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.extensions import db
from webapp.models import Application, Child, User

from .conftest import PHONE, describe_violations, screenshot, serious_violations

LANGUAGES = ["kk", "ru"]


def demo_parent_pages(site) -> dict[str, str]:
    with site.app.app_context():
        parent = db.session.scalar(select(User).where(User.phone == ACCOUNTS["parent"][0]))
        rows = db.session.execute(
            select(Application.id, Application.status, Application.child_id, Child.birth_date)
            .join(Child, Child.id == Application.child_id).where(Child.parent_id == parent.id)
            .order_by(Child.birth_date)).all()
        db.session.remove()
    pages = {"home": "/cabinet/", "add-child": "/cabinet/children/new", "inbox": "/cabinet/inbox",
             "edit-child": f"/cabinet/children/{rows[0].child_id}"}
    for application_id, status, _, _ in rows:
        pages[f"application-{status}"] = f"/cabinet/applications/{application_id}"
        pages[f"withdraw-{status}"] = f"/cabinet/applications/{application_id}/withdraw"
        if status in ("invited", "referred"):
            pages[f"decline-{status}"] = f"/cabinet/applications/{application_id}/decline"
        if status == "inactive":
            pages["interest"] = f"/cabinet/applications/{application_id}/interest"
    return pages


def log_in_as_demo_parent(page, language: str) -> None:
    page.goto(f"/account/log-in?lang={language}")
    page.fill("input[name=phone]", ACCOUNTS["parent"][0])
    page.fill("input[name=password]", ACCOUNTS["parent"][1])
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/account/log-in" not in page.url, page.content()[:500]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_cabinet_page_is_accessible(site, page, language):
    log_in_as_demo_parent(page, language)
    pages = demo_parent_pages(site)
    problems = []
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, f"{url}: one <h1> per page"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{url}: {width} px wide")
        screenshot(page, f"cabinet-{language}-{name}.png")
        violations = serious_violations(page)
        if violations:
            problems.append(f"{url}:\n{describe_violations(violations)}")
    # The referral step offers the PDF, and the invited step the bulletins to respond to.
    page.goto(pages["application-referred"])
    assert page.locator("a[href$='/referral.pdf']").count() == 1
    page.goto(pages["application-invited"])
    assert page.locator("a[href*='/respond/']").count() >= 1
    assert re.search(r"\d", page.locator("main").inner_text())
    assert not problems, "\n".join(problems)
    assert not page.problems, f"errors in the browser console: {page.problems}"
