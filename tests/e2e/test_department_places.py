"""The department's places in a real browser (issue 11): the operator adds a locality, a kindergarten
in it and a group, and the kindergarten appears in the public registry; deactivated, it leaves it.
Then every page of the places and of the children on two accounts, in Kazakh and in Russian, is
checked with axe-core at 360 px. Screenshots land in tests/e2e/screens/ (department-places-*.png)."""
import re

import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.models import Child, ChildDispute, Group, Kindergarten, Locality, User
from webapp.services import children, clock, tasks, users

from ..conftest import PG_URL
from .conftest import BACKENDS, _Sites, _page, check_page, in_app, log_in_as, screenshot

LANGUAGES = ["kk", "ru"]


@pytest.fixture(scope="module")
def _own_sites(tmp_path_factory):
    """A server of its own: these journeys add kindergartens the other browser tests do not expect."""
    sites = _Sites(tmp_path_factory.mktemp("e2e-places"), schema="kezek_e2e_places")
    yield sites
    sites.stop()


@pytest.fixture
def own_site(request, _own_sites):
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    return _own_sites.get(backend)


@pytest.fixture
def tab(browser, own_site):
    context, page = _page(browser, own_site, javascript=True)
    yield page
    context.close()


def _submit(page):
    with page.expect_navigation():
        page.locator("main form.panel button[type=submit]").click()


@pytest.mark.parametrize("own_site", BACKENDS, indirect=True)
def test_the_department_opens_a_kindergarten_and_the_public_sees_it(own_site, tab):
    page = tab
    log_in_as(page, "department", "ru")
    page.goto("/department/localities/new")
    page.fill("[name=name_kk]", "Жаңатұрмыс")
    page.fill("[name=name_ru]", "Жанатурмыс")
    _submit(page)
    locality_id = in_app(own_site, lambda s: s.scalar(select(Locality.id).where(Locality.name_kk == "Жаңатұрмыс")))
    assert locality_id is not None

    page.goto("/department/kindergartens/new")
    page.fill("[name=name_kk]", "Шұғыла бөбекжайы")
    page.fill("[name=name_ru]", "Ясли-сад Шугыла")
    page.select_option("[name=locality_id]", str(locality_id))
    page.fill("[name=address]", "Бейбітшілік көшесі, 7")
    page.check("#languages-kk")
    _submit(page)
    assert re.search(r"/department/kindergartens/\d+$", page.url), page.url
    kindergarten_id = int(page.url.rsplit("/", 1)[1])

    page.locator(f"a[href$='/kindergartens/{kindergarten_id}/groups/new']").click()
    page.wait_for_url(f"**/kindergartens/{kindergarten_id}/groups/new")
    page.fill("[name=name]", "Балапан")
    page.fill("[name=birth_year]", "2023")
    page.select_option("[name=language]", "kk")
    page.fill("[name=capacity]", "22")
    _submit(page)
    assert page.url.endswith(f"/department/kindergartens/{kindergarten_id}")
    assert "Балапан" in page.locator("table.rows").inner_text()
    screenshot(page, f"department-places-{own_site.backend}-created.png")

    public = page.context.new_page()
    public.goto(f"/kindergartens?lang=ru&locality={locality_id}")
    assert "Ясли-сад Шугыла" in public.locator("main").inner_text()
    public.goto(f"/kindergartens/{kindergarten_id}?lang=ru")
    assert "Балапан" in public.locator("main").inner_text()

    page.goto(f"/department/kindergartens/{kindergarten_id}")
    with page.expect_navigation():
        page.locator(f"form[action$='/kindergartens/{kindergarten_id}/deactivate'] button").click()
    assert in_app(own_site, lambda s: s.get(Kindergarten, kindergarten_id).active) is False
    public.goto(f"/kindergartens?lang=ru&locality={locality_id}")
    assert "Ясли-сад Шугыла" not in public.locator("main").inner_text()
    public.close()


def _a_dispute(session):
    """A demo child claimed by a second account, so that the disputes page has something to show."""
    if session.scalar(select(ChildDispute.id)) is None:
        child = session.scalar(select(Child).order_by(Child.id))
        claimant = users.create(session, "+77019990001", "Steppe-wind-2026", clock.now(), role="parent",
                                full_name="Ахметова Дана")
        try:
            children.add(session, claimant, child.iin, "X", "Y", child.birth_date, child.sex, clock.now())
        except children.Disputed:
            tasks.commit(session)
    operator = session.scalar(select(User).where(User.phone == ACCOUNTS["department"][0]))
    kindergarten = session.scalar(select(Kindergarten).where(Kindergarten.district_id == operator.district_id)
                                  .order_by(Kindergarten.id))
    group = session.scalar(select(Group).where(Group.kindergarten_id == kindergarten.id).order_by(Group.id))
    return {"kindergartens": "/department/kindergartens", "new-kindergarten": "/department/kindergartens/new",
            "kindergarten": f"/department/kindergartens/{kindergarten.id}",
            "edit-kindergarten": f"/department/kindergartens/{kindergarten.id}/edit",
            "new-group": f"/department/kindergartens/{kindergarten.id}/groups/new",
            "group": f"/department/groups/{group.id}", "localities": "/department/localities",
            "new-locality": "/department/localities/new",
            "locality": f"/department/localities/{kindergarten.locality_id}",
            "duplicates": "/department/duplicates"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_accessible(own_site, tab, language):
    urls = in_app(own_site, _a_dispute)
    page = tab
    log_in_as(page, "department", language)
    for name, url in urls.items():
        response = page.goto(f"{url}?lang={language}")
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, url
        check_page(page, url, f"department-places-{language}-{name}.png")
        if name == "duplicates":
            assert page.locator("section.dispute").count() >= 1, "the demo dispute is listed"
