"""Deactivating places: refused while it would strand someone (and nothing changes then), and once
done the place leaves the public registry, the JSON API's lists and the parents' choices — while the
applications that named it still open."""
import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Group, Kindergarten, Locality
from webapp.services import applications, cabinet, clock
from webapp.services import kindergartens as places
from webapp.services.errors import InvalidInput, WrongState

from ..services.helpers import english
from .conftest import fresh, post


def _deactivated(kind):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == f"{kind}.deactivated")).all()


@pytest.mark.parametrize("state", ["invited", "responded", "referred"])
def test_a_live_seat_keeps_the_group_and_the_kindergarten_active(department, world, state):
    world.bring_to(state)
    for url in (f"/department/groups/{world.group.id}/deactivate",
                f"/department/kindergartens/{world.kindergarten.id}/deactivate"):
        response = post(department, url)
        assert response.status_code == 409, url
        assert "Nothing was changed" in response.get_data(as_text=True)
    assert fresh(world.group).active and fresh(world.kindergarten).active
    assert _deactivated("group") == [] and _deactivated("kindergarten") == []


def test_an_open_bulletin_keeps_the_group_active(department, world):
    world.bulletin(places=2)  # nobody waits: its places stay on offer
    response = post(department, f"/department/groups/{world.group.id}/deactivate")
    assert response.status_code == 409
    assert "bulletins are still open" in response.get_data(as_text=True)
    assert fresh(world.group).active


def test_a_kindergarten_that_is_someones_only_choice_stays_active(department, world):
    other, _ = world.kindergarten_with_group("Күншуақ")
    only_here = world.submit(kindergartens=[world.kindergarten])
    world.submit(kindergartens=[world.kindergarten, other])  # has another active choice: not stranded
    world.commit()
    response = post(department, f"/department/kindergartens/{world.kindergarten.id}/deactivate")
    assert response.status_code == 409
    assert "1 waiting applications chose only this kindergarten" in response.get_data(as_text=True)
    assert fresh(world.kindergarten).active
    applications.withdraw(world.session, only_here.id, world.actor_of(only_here), clock.now())
    world.commit()
    assert post(department, f"/department/kindergartens/{world.kindergarten.id}/deactivate").status_code == 303
    assert fresh(world.kindergarten).active is False
    # The other application still names it; now that one of its choices is inactive, it cannot
    # keep the kindergarten active alone — and ``other`` may not be deactivated any more.
    assert post(department, f"/department/kindergartens/{other.id}/deactivate").status_code == 409


def test_a_locality_with_kindergartens_or_open_applications_stays_active(department, world):
    response = post(department, f"/department/localities/{world.locality.id}/deactivate")
    assert response.status_code == 409
    assert "active kindergartens" in response.get_data(as_text=True)
    world.submit()
    world.commit()
    assert post(department, f"/department/kindergartens/{world.kindergarten.id}/deactivate").status_code == 303
    response = post(department, f"/department/localities/{world.locality.id}/deactivate")
    assert response.status_code == 409
    assert "applications of this locality are not closed" in response.get_data(as_text=True)
    assert fresh(world.locality).active


def test_reactivation_goes_from_the_locality_down(session, world, factory):
    quiet = factory.locality(world.district, name="Тыныш")
    kindergarten = factory.kindergarten(quiet, name="Тыныш бақша")
    group = factory.group(kindergarten)
    dept, now = world.department, clock.now()
    places.set_group_active(session, dept, group.id, False, now)
    places.set_kindergarten_active(session, dept, kindergarten.id, False, now)
    places.set_locality_active(session, dept, quiet.id, False, now)
    with pytest.raises(WrongState) as caught:
        places.set_kindergarten_active(session, dept, kindergarten.id, True, now)
    assert "reactivate the locality first" in english(caught.value)
    with pytest.raises(WrongState):
        places.set_group_active(session, dept, group.id, True, now)
    with pytest.raises(InvalidInput):  # no new kindergarten in an inactive locality
        places.create_kindergarten(session, dept, {"name_kk": "А", "name_ru": "А", "address": "x",
                                                   "languages": ["kk"], "ownership": "state",
                                                   "locality_id": quiet.id}, now)
    places.set_locality_active(session, dept, quiet.id, True, now)
    places.set_kindergarten_active(session, dept, kindergarten.id, True, now)
    places.set_group_active(session, dept, group.id, True, now)
    assert (quiet.active, kindergarten.active, group.active) == (True, True, True)


def test_deactivated_places_leave_the_public_lists_but_history_stays(department, world, factory, client):
    application = world.submit(kindergartens=[world.kindergarten])
    quiet = factory.locality(world.district, name="Тыныш")
    closing = factory.kindergarten(quiet, name="Жабылатын")
    factory.group(closing, capacity=30)
    extra = factory.group(world.kindergarten, birth_year=2023, capacity=7)
    world.commit()
    for url in (f"/department/kindergartens/{closing.id}/deactivate", f"/department/localities/{quiet.id}/deactivate",
                f"/department/groups/{extra.id}/deactivate"):
        assert post(department, url).status_code == 303, url
    api = client.get("/api/v1/kindergartens").get_json()
    assert [item["id"] for item in api["items"]] == [world.kindergarten.id] and api["total"] == 1
    assert api["items"][0]["capacity"] == world.group.capacity  # the inactive group's 7 places are gone
    assert set(api["items"][0]) == {"id", "name", "locality_id", "address", "languages", "capacity",
                                    "free_places", "queue_size"}
    assert [row["id"] for row in client.get("/api/v1/localities").get_json()] == [world.locality.id]
    detail = client.get(f"/api/v1/kindergartens/{world.kindergarten.id}").get_json()
    assert [g["id"] for g in detail["groups"]] == [world.group.id]
    assert client.get(f"/api/v1/kindergartens/{closing.id}").status_code == 200  # history links here
    registry = client.get("/kindergartens").get_data(as_text=True)
    assert closing.name_kk not in registry and closing.name_ru not in registry
    # The application that named a kindergarten still opens for its parent.
    assert application.preferred_kindergarten_ids == [world.kindergarten.id]


def test_parents_cannot_choose_inactive_places(session, world, factory):
    quiet = factory.locality(world.district, name="Тыныш")
    closing = factory.kindergarten(world.locality, name="Жабылатын")
    closing.active, quiet.active = False, False
    session.flush()
    child = world.child()
    with pytest.raises(InvalidInput):
        applications.submit(session, world.parent_actor, child.id, quiet.id, "kk", clock.now())
    with pytest.raises(InvalidInput):
        applications.submit(session, world.parent_actor, child.id, world.locality.id, "kk", clock.now(),
                            kindergarten_ids=[closing.id])
    assert quiet.id not in [row.id for row in cabinet.localities(session)]
    assert closing.id not in [k.id for k in cabinet.kindergartens_by_locality(session)[world.locality.id]]
    assert session.scalar(select(Locality.active).where(Locality.id == quiet.id)) is False
    assert session.scalar(select(Kindergarten.active).where(Kindergarten.id == closing.id)) is False
    assert session.scalar(select(Group.active).where(Group.id == world.group.id)) is True
