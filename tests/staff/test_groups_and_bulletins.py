"""Groups and bulletins in the office: what is truly free, announced, claimed and withdrawn."""
from datetime import timedelta

from sqlalchemy import select

from webapp.services import clock

from webapp.extensions import db
from webapp.models import Bulletin, Group

from .conftest import fresh, last_action, post

GROUP = {"name": "Күншуақ", "birth_year": "2023", "language": "ru", "capacity": "20"}


def test_a_group_is_created_with_an_audit_event(office, world):
    response = post(office, "/staff/groups/new", GROUP)
    assert response.status_code == 303
    db.session.rollback()
    group = db.session.scalar(select(Group).where(Group.name == "Күншуақ"))
    assert (group.kindergarten_id, group.birth_year, group.language, group.capacity, group.enrolled) == \
        (world.kindergarten.id, 2023, "ru", 20, 0)
    assert response.headers["Location"] == f"/staff/groups/{group.id}"
    assert last_action("group.created").actor_role == "staff"


def test_a_bad_group_form_is_shown_again(office, world):
    for bad in ({"name": ""}, {"capacity": "0"}, {"capacity": "abc"}, {"language": "en"},
                {"name": world.group.name}):
        response = post(office, "/staff/groups/new", {**GROUP, **bad})
        assert response.status_code == 422, bad
        assert 'aria-invalid="true"' in response.get_data(as_text=True) or "error" in response.get_data(as_text=True)


def test_capacity_cannot_drop_below_enrolled_and_claimed(office, world):
    world.bring_to("referred")  # one referred seat; the bulletin had one place
    group = fresh(world.group)
    group.enrolled = 3
    db.session.commit()
    response = post(office, f"/staff/groups/{group.id}", {**GROUP, "birth_year": "2022", "language": "kk",
                                                          "capacity": "3"})
    assert response.status_code == 422
    assert "cannot be less than 4" in response.get_data(as_text=True)
    assert fresh(group).capacity == 25
    response = post(office, f"/staff/groups/{group.id}", {**GROUP, "birth_year": "2022", "language": "kk",
                                                          "capacity": "4"})
    assert response.status_code == 303
    assert fresh(group).capacity == 4 and fresh(group).name == "Күншуақ"
    assert last_action("group.changed").data == f'{{"capacity":4,"group_id":{group.id},"kindergarten_id":{world.kindergarten.id}}}'


def test_the_bulletin_form_says_what_is_truly_free_and_refuses_more(office, world):
    group = fresh(world.group)
    group.capacity, group.enrolled = 10, 7
    db.session.commit()
    page = office.get(f"/staff/groups/{group.id}/bulletins/new").get_data(as_text=True)
    assert "3 places are truly free and not yet on offer" in page
    response = post(office, f"/staff/groups/{group.id}/bulletins/new", {"places": "4"},
                    page=f"/staff/groups/{group.id}/bulletins/new")
    assert response.status_code == 422 and "between 1 and 3" in response.get_data(as_text=True)
    assert post(office, f"/staff/groups/{group.id}/bulletins/new", {"places": "x"}).status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(Bulletin.id)) is None


def test_publishing_invites_the_first_child_and_the_page_shows_who(office, world):
    first = world.submit()
    second = world.submit()
    world.commit()
    response = post(office, f"/staff/groups/{world.group.id}/bulletins/new", {"places": "1"})
    assert response.status_code == 303
    assert fresh(first).status == "invited" and fresh(second).status == "queued"
    page = office.get(response.headers["Location"]).get_data(as_text=True)
    assert first.number in page and second.number not in page
    assert first.child.masked_name in page and first.child.full_name not in page
    assert "reserved: invited" in page
    assert last_action("bulletin.published").actor_role == "staff"


def test_unclaimed_places_are_withdrawn_with_a_reason(office, world):
    world.submit()
    world.commit()
    post(office, f"/staff/groups/{world.group.id}/bulletins/new", {"places": "3"})
    db.session.rollback()
    bulletin = db.session.scalar(select(Bulletin))
    assert (bulletin.places, bulletin.claimed) == (3, 1)
    url = f"/staff/bulletins/{bulletin.id}/withdraw"
    assert post(office, url, {"places": "1", "reason": ""}).status_code == 422
    refused = post(office, url, {"places": "3", "reason": "Ремонт"})
    assert refused.status_code == 422 and "between 1 and 2" in refused.get_data(as_text=True)
    assert post(office, url, {"places": "2", "reason": "Ремонт группы"}).status_code == 303
    bulletin = fresh(bulletin)
    assert (bulletin.places, bulletin.claimed, bulletin.status) == (1, 1, "published")
    event = last_action("bulletin.places_withdrawn")
    assert event.reason == "Ремонт группы" and event.actor_role == "staff"
    again = post(office, url, {"places": "1", "reason": "Ремонт"})
    assert again.status_code == 422  # nothing unclaimed is left: nothing changes


def test_a_bulletin_with_every_place_withdrawn_is_closed(office, world):
    post(office, f"/staff/groups/{world.group.id}/bulletins/new", {"places": "2"})
    db.session.rollback()
    bulletin = db.session.scalar(select(Bulletin))
    assert post(office, f"/staff/bulletins/{bulletin.id}/withdraw", {"places": "2", "reason": "Ошибка"}).status_code == 303
    assert fresh(bulletin).status == "closed"
    stale = post(office, f"/staff/bulletins/{bulletin.id}/withdraw", {"places": "1", "reason": "Ошибка"})
    assert stale.status_code == 409 and "already closed" in stale.get_data(as_text=True)


def test_the_dashboard_counts_every_place(office, world):
    world.bring_to("referred")
    world.bring_to("responded")
    invited = world.submit()
    world.commit()
    world.bulletin(places=2)
    assert fresh(invited).status == "invited"
    page = office.get("/staff").get_data(as_text=True)
    # capacity 25: enrolled 0, reserved 1, held 1, referred 1 → 22 truly free, 1 of them on offer
    row = page.split('id="groups"', 1)[1].split(world.group.name, 1)[1].split("</tr>", 1)[0]
    for label, value in (("Capacity", "25"), ("Enrolled", "0"), ("Reserved", "1"), ("Held", "1"),
                         ("Referred", "1"), ("On offer", "1")):
        assert f'data-label="{label}">{value}</td>' in row, label
    assert '<strong>22</strong>' in row


def test_the_bulletin_page_waits_for_distribution_with_htmx(office, world):
    """Nobody waits in this queue, so the first run invites nobody: the page asks again for a minute."""
    response = post(office, f"/staff/groups/{world.group.id}/bulletins/new", {"places": "1"})
    url = response.headers["Location"]
    page = office.get(url).get_data(as_text=True)
    assert 'id="bulletin-seats" hx-get="' + url + '"' in page and "Nobody has been invited yet" in page
    partial = office.get(url, headers={"HX-Request": "true"})
    text = partial.get_data(as_text=True)
    assert text.strip().startswith('<section id="bulletin-seats"')
    assert "<html" not in text and "HX-Request" in partial.headers["Vary"]
    clock.advance(timedelta(minutes=2))
    assert "hx-get" not in office.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
