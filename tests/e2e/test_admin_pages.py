"""The administration's pages and the department's staff-accounts page in a real browser, in Kazakh and
Russian: axe-core finds no serious or critical violation, nothing scrolls sideways at 360 px, and a
form sent wrong comes back with its message. Screenshots land in tests/e2e/screens/ (admin-*.png)."""
import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.models import District, Notification, User
from webapp.services import clock

from .conftest import check_page, in_app, log_in_as

LANGUAGES = ["kk", "ru"]


def _ids(session):
    """The demo district, and the kindergarten of the demo clerk; one failed message to list."""
    district_id = session.scalar(select(District.id).order_by(District.id).limit(1))
    clerk = session.scalar(select(User).where(User.phone == ACCOUNTS["staff"][0]))
    key = "e2e-failed-letter"
    if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is None:
        session.add(Notification(
            user_id=clerk.id, channel="email", event="application.submitted", language="ru",
            recipient="parent@example.kz", subject="Kezek", body="Kezek", idempotency_key=key, status="failed",
            attempts=5, created_at=clock.now(), last_error="SMTP: [Errno 111] Connection refused"))
        session.commit()
    return district_id, clerk.kindergarten_id


def _check(page, url: str, language: str, name: str):
    response = page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
    assert response.status == 200, url
    _looks_right(page, url, language, name)


def _looks_right(page, url: str, language: str, name: str):
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1, url
    # A form sent wrong is answered 422 on purpose; the browser logs that status, nothing else may show.
    problems = [p for p in page.problems if "status of 422" not in p or "(422)" not in url]
    check_page(page, url, f"admin-{language}-{name}.png", problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_administration_page_is_accessible(site, page, language):
    district_id, _ = in_app(site, _ids)
    log_in_as(page, "admin", language)
    pages = {"front": "/admin", "districts": "/admin/districts", "district": f"/admin/districts/{district_id}",
             "settings": "/admin/settings", "failures": "/admin/failures"}
    for name, url in pages.items():
        _check(page, url, language, name)
    assert page.locator("td span.nowrap", has_text="parent@example.kz").count() == 1  # the failed letter

    # A district form sent wrong: the same page, with the messages beside the fields.
    page.goto(f"/admin/districts?lang={language}")
    page.fill("[name=code]", "1")  # the service's rule: 2 to 8 Latin letters
    for field, name in (("name_kk", "Жаңа аудан"), ("name_ru", "Новый район"), ("name_en", "New district")):
        page.fill(f"[name={field}]", name)
    with page.expect_navigation():
        page.locator("form[action$='/admin/districts'] button[type=submit]").click()
    assert page.locator("#code[aria-invalid=true]").count() == 1
    _looks_right(page, "/admin/districts (422)", language, "districts-invalid")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_staff_accounts_page_is_accessible(site, page, language):
    _, kindergarten_id = in_app(site, _ids)
    # Where the new account's holder goes with the code (the form for a code in hand is new there).
    _check(page, "/account/password/forgot", language, "password-forgot")
    log_in_as(page, "department", language)
    url = f"/department/kindergartens/{kindergarten_id}/staff"
    _check(page, url, language, "staff-accounts")
    assert page.locator("table.accounts tbody tr").count() >= 1  # the demo clerk

    page.fill("[name=full_name]", "Тест")
    page.fill("[name=phone]", ACCOUNTS["staff"][0])  # taken: 422 with the reason
    with page.expect_navigation():
        page.locator("form[action$='/staff'] button[type=submit]").click()
    assert page.locator("#phone[aria-invalid=true]").count() == 1
    _looks_right(page, url + " (422)", language, "staff-accounts-invalid")
