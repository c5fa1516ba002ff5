"""The department's policy and calendar in a real browser (issue 11): the operator adds a calendar
override and the next invitation's deadline moves by it; the operator changes the priority ratio and
the public queue (/api/v1/queue) follows DESIGN §4 with the new k. Then the policy and calendar pages,
in Kazakh and in Russian, are checked with axe-core at 360 px. Screenshots land in tests/e2e/screens/
(department-*.png).

These journeys change the district's rules, so they run on a demo server of their own."""
import json
import re
from datetime import date, datetime, time
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.models import Application, Child, District, Kindergarten, Seat, User
from webapp.services import (
    applications, bulletins, children, clock, iin, invitations, kindergarten_office, privileges, queue, tasks, users,
)
from webapp.services.actors import Actor
from webapp.services.queue import Segment

from ..conftest import DEFAULT_NOW, PG_URL
from .conftest import BACKENDS, _Sites, _page, check_page, in_app, log_in_as, screenshot, serious_violations

LANGUAGES = ["kk", "ru"]
ALMATY = ZoneInfo("Asia/Almaty")
THURSDAY = date(2026, 11, 26)  # the day after the clock's Wednesday: a working day, made a day off


@pytest.fixture(scope="module")
def _own_sites(tmp_path_factory):
    sites = _Sites(tmp_path_factory.mktemp("e2e-department"), schema="kezek_e2e_department")
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


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=ALMATY).astimezone(ZoneInfo("UTC"))


# --- the calendar ------------------------------------------------------------------------------------

def _publish_where_someone_waits(session):
    """Publish one place in a group whose queue has a queued child who accepts it: distribution
    invites that child now. Returns the invited application's number."""
    operator = session.scalar(select(User).where(User.phone == ACCOUNTS["department"][0]))
    actor = Actor.of(operator)
    for kindergarten in session.scalars(select(Kindergarten).where(Kindergarten.district_id == operator.district_id)
                                        .order_by(Kindergarten.id)):
        for places in kindergarten_office.group_places(session, kindergarten.id):
            if places.announceable < 1:
                continue
            group = places.group
            segment = Segment(kindergarten.locality_id, group.language, group.birth_year)
            if not _someone_accepts(session, segment, kindergarten.id):
                continue
            bulletin = bulletins.create(session, group.id, 1, actor, clock.now())
            bulletins.publish(session, bulletin.id, actor, clock.now())
            tasks.commit(session)  # distribution runs after the commit
            seat = session.scalar(select(Seat).where(Seat.bulletin_id == bulletin.id))
            return seat.application.number, seat.deadline_at
    pytest.fail("the demo district has no group with a place to announce and a child who accepts it")


def _someone_accepts(session, segment, kindergarten_id) -> bool:
    for _, application in queue.walk(session, segment):
        preferred = application.preferred_kindergarten_ids
        if application.status == "queued" and (not preferred or kindergarten_id in preferred) and \
                invitations.eligibility.application_eligible_now(application, clock.now().date()):
            return True
    return False


@pytest.mark.parametrize("own_site", BACKENDS, indirect=True)
def test_a_calendar_override_moves_a_new_invitations_deadline(own_site, tab):
    log_in_as(tab, "department", "ru")
    tab.goto("/department/calendar?year=2026")
    tab.fill("[name=day]", THURSDAY.isoformat())
    tab.check("input[name=working][value=day_off]")
    tab.fill("[name=note]", "Постановление Правительства РК №999")
    with tab.expect_navigation():
        tab.locator("form[action$='/calendar/overrides'] button[type=submit]").click()
    assert "year=2026" in tab.url
    assert tab.locator("table.rows", has_text="Постановление Правительства РК №999").count() == 1
    screenshot(tab, "department-calendar-after-override.png")

    number, deadline = in_app(own_site, _publish_where_someone_waits)
    # Invited on Wednesday 25 November; Thursday is now a day off: Friday 27, Monday 30, Tuesday
    # 1 December (without the override it would be Monday 30 November).
    assert deadline == _end_of(date(2026, 12, 1)), (number, deadline)
    tab.goto(f"/queue/lookup?q={number}&lang=ru")
    assert "1 декабря 2026" in tab.locator("main").inner_text()

    # Removing the override: the next invitation counts Thursday as working again.
    tab.goto("/department/calendar?year=2026")
    with tab.expect_navigation():
        tab.locator("form[action*='/calendar/overrides/'] button").first.click()
    assert tab.locator("table.rows").count() == 0
    _, deadline = in_app(own_site, _publish_where_someone_waits)
    assert deadline == _end_of(date(2026, 11, 30))


# --- the priority ratio --------------------------------------------------------------------------------

def _segment_where_k_matters(session):
    """The segment with the most ordinary applications, given two more children with a verified
    priority right (new parents apply; the department verifies, through the services): behind them
    wait more ordinary children than either k lets through, so a new k moves somebody."""
    operator = session.scalar(select(User).where(User.phone == ACCOUNTS["department"][0]))
    segments = session.execute(select(Application.locality_id, Application.language, Application.birth_year)
                               .where(Application.district_id == operator.district_id,
                                      Application.birth_year >= DEFAULT_NOW.year - 4).distinct()).all()
    segment = max((Segment(*row) for row in segments), key=lambda s: queue.counts(session, s).ordinary)
    for serial in range(2):
        parent = users.create(session, f"+7709000{serial:04d}", "Steppe-wind-2026", clock.now(), role="parent",
                              full_name=f"Ата-ана {serial}")
        born = date(segment.birth_year, 3, 1)
        number = next(n for n in (iin.make(born, "F", k) for k in range(700, 1200))
                      if n and not session.scalar(select(Child.id).where(Child.iin == n)))
        child = children.add(session, parent, number, "Серікова", "Айару", born, "F", clock.now())
        application = applications.submit(session, Actor.of(parent), child.id, segment.locality_id,
                                          segment.language, clock.now(), privilege_codes=["large_family"])
        tasks.commit(session)
        privileges.verify_claim(session, application.claims[0].id, Actor.of(operator), clock.now())
        tasks.commit(session)
    return segment, session.get(District, operator.district_id).priority_ratio


def _tiers_in_submission_order(session, segment):
    """Each tier's waiting applications by (submitted_at, number): what the queue interleaves."""
    rows = session.execute(select(Application.number, Application.tier).where(
        Application.locality_id == segment.locality_id, Application.language == segment.language,
        Application.birth_year == segment.birth_year, Application.status.in_(("queued", "invited", "stop_listed")))
        .order_by(Application.submitted_at, Application.number)).all()
    return {tier: [number for number, t in rows if t == tier] for tier in ("extraordinary", "priority", "ordinary")}


def _public_queue(site, segment) -> list[tuple[int, str]]:
    found, page = [], 1
    while True:
        url = (f"{site.url}/api/v1/queue?locality={segment.locality_id}&language={segment.language}"
               f"&birth_year={segment.birth_year}&per_page=100&page={page}")
        with urlopen(url) as response:
            body = json.load(response)
        found += [(item["position"], item["number"]) for item in body["items"]]
        if len(found) >= body["total"] or not body["items"]:
            return found
        page += 1


def _by_the_formula(tiers: dict, k: int) -> list[tuple[int, str]]:
    """DESIGN §4's positions, computed here from the tier lists and k."""
    e, p, o = (len(tiers[t]) for t in ("extraordinary", "priority", "ordinary"))
    placed = []
    for rank, number in enumerate(tiers["extraordinary"], 1):
        placed.append((rank, number))
    for rank, number in enumerate(tiers["priority"], 1):
        placed.append((e + rank + (min(o, k * (rank - 1)) if k else 0), number))
    for rank, number in enumerate(tiers["ordinary"], 1):
        placed.append((e + rank + (min(p, -(-rank // k)) if k else p), number))
    return sorted(placed)


@pytest.mark.parametrize("own_site", BACKENDS, indirect=True)
def test_a_new_ratio_reorders_the_public_queue(own_site, tab):
    segment, k_before = in_app(own_site, _segment_where_k_matters)
    tiers = in_app(own_site, lambda s: _tiers_in_submission_order(s, segment))
    assert _public_queue(own_site, segment) == _by_the_formula(tiers, k_before)
    k_after = 1 if k_before != 1 else 2
    assert _by_the_formula(tiers, k_after) != _by_the_formula(tiers, k_before), "k must move somebody here"

    log_in_as(tab, "department", "kk")
    tab.goto("/department/policy")
    tab.fill("[name=priority_ratio]", str(k_after))
    tab.fill("[name=reason]", "Аудан әкімдігінің шешімі")
    with tab.expect_navigation():
        tab.locator("form[action$='/department/policy'] button[type=submit]").click()
    assert tab.locator(".notice").count() == 1
    assert tab.locator("table.rows", has_text="Аудан әкімдігінің шешімі").count() == 1
    screenshot(tab, "department-policy-after-change.png")

    assert in_app(own_site, lambda s: s.get(District, s.scalar(select(User.district_id).where(
        User.phone == ACCOUNTS["department"][0]))).priority_ratio) == k_after
    tiers = in_app(own_site, lambda s: _tiers_in_submission_order(s, segment))  # distribution may invite
    assert _public_queue(own_site, segment) == _by_the_formula(tiers, k_after)
    assert re.search(rf"k = {k_after}\b", urlopen(f"{own_site.url}/transparency?lang=en").read().decode())


# --- accessibility ------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_policy_and_calendar_pages_are_accessible(own_site, tab, language):
    log_in_as(tab, "department", language)
    for name, url in {"policy": "/department/policy", "calendar": "/department/calendar?year=2026"}.items():
        response = tab.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
        assert response.status == 200, url
        assert tab.locator("html").get_attribute("lang") == language
        assert tab.locator("h1").count() == 1, url
        check_page(tab, url, f"department-{language}-{name}.png")
    # The invalid form: the errors are announced and the page still fits the phone.
    tab.goto(f"/department/policy?lang={language}")
    tab.fill("[name=respond_working_days]", "0")
    with tab.expect_navigation():
        tab.locator("form[action$='/department/policy'] button[type=submit]").click()
    assert tab.locator("[aria-invalid=true]").count() == 1
    screenshot(tab, f"department-{language}-policy-invalid.png")
    assert not serious_violations(tab)
