"""The department's watch list and reports in a real browser: every page in Kazakh and in Russian,
on a 360 px phone and on a desktop screen, checked with axe-core; the chart is an image with a
name, drawn without JavaScript or inline styles. Screenshots land in tests/e2e/screens/
(department-*.png)."""
import pytest

from .conftest import BACKENDS, check_page, log_in_as, screenshot, serious_violations

LANGUAGES = ["kk", "ru"]
PAGES = {
    "watch-list": "/department/watch-list",
    "reports": "/department/reports",
    "report-queue": "/department/reports/queue",
    "report-movement": "/department/reports/movement",
    "report-time-to-enrolment": "/department/reports/time-to-enrolment",
    "report-free-places": "/department/reports/free-places",
}
DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("site", BACKENDS, indirect=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_watch_list_and_report_page_is_accessible(site, page, language):
    log_in_as(page, "department", language)
    for name, url in PAGES.items():
        response = page.goto(f"{url}?lang={language}")
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, url
        check_page(page, url, f"department-{site.backend}-{language}-{name}.png")
        if name.startswith("report-"):
            chart = page.locator("svg.chart[role=img]")
            assert chart.count() == 1 and (chart.locator("title").text_content() or "").strip(), url
            assert page.locator("table.rows tbody tr").count() > 0, url
    page.set_viewport_size(DESKTOP)
    for name in ("watch-list", "report-movement", "report-free-places"):
        page.goto(f"{PAGES[name]}?lang={language}")
        screenshot(page, f"department-{site.backend}-{language}-{name}-desktop.png")
        assert not serious_violations(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_csv_link_downloads_a_file(site, page, language):
    """The link is not boosted by htmx (it would swap the CSV into the page); the file comes with
    its name and the byte order mark."""
    log_in_as(page, "department", language)
    page.goto(f"/department/reports/queue?lang={language}")
    link = page.locator("a[href$='format=csv']").first
    assert link.get_attribute("hx-boost") == "false" and link.get_attribute("download") is not None
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="queue-')
    assert response.body()[:3] == "\ufeff".encode()
