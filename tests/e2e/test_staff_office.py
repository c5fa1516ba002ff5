"""The kindergarten's office in a real browser (issue 10): a clerk publishes a bulletin, distribution
invites the first child of the queue who accepts this kindergarten, the parent responds, the clerk
activates the response, the referral checks as valid, the clerk records the contract, and the group's
enrolled count and the public registry's free places follow. Then every office page, in Kazakh and in
Russian, is checked with axe-core. Screenshots land in tests/e2e/screens/ (staff-*.png)."""
import json
import re
from urllib.request import urlopen

import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.models import Application, Bulletin, Group, Kindergarten, Referral, Seat, User
from webapp.services import clock, invitations, kindergarten_office, queue, tasks
from webapp.services.actors import Actor
from webapp.services.queue import Segment

from .conftest import BACKENDS, check_page, in_app, log_in_as

LANGUAGES = ["kk", "ru"]


def _clerk_group(session):
    """A group of the demo clerk's kindergarten with a place to announce and someone in its queue."""
    clerk = session.scalar(select(User).where(User.phone == ACCOUNTS["staff"][0]))
    kindergarten = session.get(Kindergarten, clerk.kindergarten_id)
    for places in kindergarten_office.group_places(session, kindergarten.id):
        group = places.group
        segment = Segment(kindergarten.locality_id, group.language, group.birth_year)
        if places.announceable > 0 and _first_in_line(session, segment, kindergarten.id):
            return kindergarten.id, group.id, segment
    pytest.fail("the demo clerk's kindergarten has no group with a place to announce and a queue")


def _first_in_line(session, segment, kindergarten_id):
    """Who serial dictatorship must invite: the first queued child, in queue order, who accepts
    this kindergarten (no preference means any) and holds no seat."""
    for _, application in queue.walk(session, segment):
        if application.status != "queued":
            continue
        preferred = application.preferred_kindergarten_ids
        if (not preferred or kindergarten_id in preferred) and \
                invitations.eligibility.application_eligible_now(application, clock.now().date()):
            return application.number
    return None


def _public_free_places(site, kindergarten_id, group_id):
    with urlopen(f"{site.url}/api/v1/kindergartens/{kindergarten_id}") as response:
        card = json.load(response)
    return next(g["free_places"] for g in card["groups"] if g["id"] == group_id)


@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_a_whole_intake_from_the_browser(site, page):
    kindergarten_id, group_id, segment = in_app(site, _clerk_group)
    expected = in_app(site, lambda s: _first_in_line(s, segment, kindergarten_id))
    free_before = _public_free_places(site, kindergarten_id, group_id)
    enrolled_before = in_app(site, lambda s: s.get(Group, group_id).enrolled)

    log_in_as(page, "staff")
    page.goto(f"/staff/groups/{group_id}/bulletins/new")
    truly_free = int(re.search(r"\d+", page.locator(".notice").inner_text()).group(0))
    assert truly_free >= 1
    page.fill("[name=places]", "1")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Опубликовать|Publish|Жариялау")).click()
    assert re.search(r"/staff/bulletins/\d+$", page.url), page.url
    invited = page.locator("table.rows tbody tr td:first-child a").all_inner_texts()
    assert invited == [expected], "distribution invites the first child in queue order"

    def respond(session):
        application = session.scalar(select(Application).where(Application.number == expected))
        invitations.respond(session, application.id, Actor.of(application.child.parent), clock.now())
        tasks.commit(session)
        return application.id
    application_id = in_app(site, respond)

    page.goto("/staff")
    page.locator("#responses + table a", has_text=expected).first.click()  # a boosted link (htmx)
    page.wait_for_url(f"**/staff/applications/{application_id}")
    assert page.locator("h1").inner_text().endswith(expected)
    with page.expect_navigation():
        page.locator(f"form[action$='/applications/{application_id}/activate'] button").click()
    assert page.locator(".notice").count() == 1

    token = in_app(site, lambda s: s.scalar(select(Referral.token).join(Seat, Seat.id == Referral.seat_id)
                                              .where(Referral.application_id == application_id,
                                                     Referral.status == "issued")))
    verify = page.context.new_page()
    verify.goto(f"/verify/{token}?lang=en")
    assert verify.locator(".verdict--valid").count() == 1
    verify.close()

    page.goto(f"/staff/applications/{application_id}")
    with page.expect_navigation():
        page.locator(f"form[action$='/applications/{application_id}/enrol'] button").click()
    assert in_app(site, lambda s: s.get(Application, application_id).status) == "enrolled"
    assert in_app(site, lambda s: s.get(Group, group_id).enrolled) == enrolled_before + 1
    assert _public_free_places(site, kindergarten_id, group_id) == free_before - 1


def _office_pages(session):
    """One URL of every office page of the demo clerk, by name."""
    clerk = session.scalar(select(User).where(User.phone == ACCOUNTS["staff"][0]))
    kindergarten = session.get(Kindergarten, clerk.kindergarten_id)
    group = kindergarten_office.group_places(session, kindergarten.id)[0].group
    seats = session.scalars(select(Seat).join(Seat.bulletin).where(
        Bulletin.kindergarten_id == kindergarten.id).order_by(Seat.id.desc())).all()
    held = next((s for s in seats if s.state == "held"), None)
    referred = next((s for s in seats if s.state == "referred"), None)
    bulletin = next(iter(kindergarten_office.recent_bulletins(session, kindergarten.id)), None)
    urls = {"dashboard": "/staff", "arrivals": "/staff/arrivals", "new-group": "/staff/groups/new",
            "group": f"/staff/groups/{group.id}", "new-bulletin": f"/staff/groups/{group.id}/bulletins/new"}
    if bulletin:
        urls["bulletin"] = f"/staff/bulletins/{bulletin.id}"
    if held:
        urls["response"] = f"/staff/applications/{held.application_id}"
    if referred:
        urls["referral"] = f"/staff/applications/{referred.application_id}"
        urls["referral-print"] = f"/staff/applications/{referred.application_id}/referral"
    return urls


def _make_a_response(session):
    """A response waiting for activation in the clerk's kindergarten, so that its page is checked."""
    clerk = session.scalar(select(User).where(User.phone == ACCOUNTS["staff"][0]))
    reserved = session.scalars(select(Seat).join(Seat.bulletin).where(
        Seat.state == "reserved", Bulletin.kindergarten_id == clerk.kindergarten_id)
        .order_by(Seat.id)).first()
    if reserved is not None:
        application = reserved.application
        invitations.respond(session, application.id, Actor.of(application.child.parent), clock.now())
        tasks.commit(session)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_office_page_is_accessible(site, page, language):
    in_app(site, _make_a_response)
    urls = in_app(site, _office_pages)
    assert {"dashboard", "response", "referral", "bulletin"} <= set(urls), urls
    log_in_as(page, "staff", language)
    for name, url in urls.items():
        response = page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, url
        check_page(page, url, f"staff-{language}-{name}.png")
