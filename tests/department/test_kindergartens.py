"""The department's places: localities, kindergartens and groups of its district — created, edited,
deactivated and reactivated from the browser; every route checked for role and scope."""
import json
import re

import pytest
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import AuditEvent, Group, Kindergarten, Locality
from webapp.services import users

from .conftest import PASSWORD, csrf_token, fresh, log_in, post


def _routes(prefixes):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True,
                      "REDIS_URL": None, "INLINE_SWEEP_INTERVAL": 0})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("department.") and rule.rule.startswith(prefixes):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, method, id=f"{method} {rule.rule}")


ROUTES = list(_routes(("/department/kindergartens", "/department/groups", "/department/localities")))
OUTSIDERS = ["anonymous", "parent", "staff", "stranger"]
FORM = {"name": "Жаңа топ", "birth_year": "2023", "language": "kk", "capacity": "20",
        "name_kk": "Бөгде", "name_ru": "Чужой", "name_en": "", "address": "Абай 1", "languages": "kk",
        "ownership": "state", "working_hours": "08:00–18:00"}


def url_of(rule: str, ids: dict) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def snapshot():
    """Everything the department's places routes could change, and the audit chain's head."""
    db.session.rollback()
    return (db.session.scalar(select(func.max(AuditEvent.seq))),
            db.session.execute(select(Locality.id, Locality.name_kk, Locality.active).order_by(Locality.id)).all(),
            db.session.execute(select(Kindergarten.id, Kindergarten.name_kk, Kindergarten.active)
                               .order_by(Kindergarten.id)).all(),
            db.session.execute(select(Group.id, Group.name, Group.capacity, Group.active).order_by(Group.id)).all())


@pytest.fixture
def ids(world):
    return {"kindergarten_id": world.kindergarten.id, "group_id": world.group.id, "locality_id": world.locality.id}


@pytest.fixture
def outsider(request, world, factory, client):
    kind = request.param
    if kind == "anonymous":
        return client
    if kind == "parent":
        user = factory.user("parent")
        users.confirm_phone(user)
    elif kind == "staff":
        user, _ = factory.staff(world.kindergarten)
    else:
        user, _ = factory.department(factory.district(code="ZZ"))
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    return client


def test_every_part_has_its_route():
    paths = {p.values[0] for p in ROUTES}
    assert {"/department/kindergartens", "/department/kindergartens/new", "/department/localities",
            "/department/groups/<int:group_id>/deactivate",
            "/department/kindergartens/<int:kindergarten_id>/groups/new"} <= paths


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_outsiders_are_refused_and_change_nothing(request, outsider, ids, world, rule, method):
    kind = request.node.callspec.params["outsider"]
    before = snapshot()
    url = url_of(rule, ids)
    if method == "GET":
        response = outsider.get(url)
    else:
        token = csrf_token(outsider, "/account/log-in" if kind == "anonymous" else "/account")
        response = outsider.post(url, data={"csrf_token": token, **FORM})
    if kind == "anonymous":
        assert response.status_code in (302, 303), (url, response.status_code)
        assert "/account/log-in" in response.headers["Location"]
    elif kind == "stranger" and "<int:" not in rule:
        # Their own district's pages: nothing of this district is shown, nothing of it changes.
        assert response.status_code in (200, 303, 422), (url, response.status_code)
        assert world.kindergarten.name_kk not in response.get_data(as_text=True)
        assert snapshot()[2:] == before[2:]
        return
    else:
        assert response.status_code in (403, 404), (url, response.status_code)
        assert world.kindergarten.name_kk not in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize(("rule", "method"), [p for p in ROUTES if p.values[1] == "POST"])
def test_a_post_without_the_token_is_refused(department, ids, rule, method):
    before = snapshot()
    assert department.post(url_of(rule, ids), data=FORM).status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize(("rule", "method"), [p for p in ROUTES if p.values[1] == "GET"])
def test_every_page_opens_for_the_operator(department, ids, rule, method):
    response = department.get(url_of(rule, ids))
    assert response.status_code == 200, rule
    assert response.headers["Content-Type"].startswith("text/html")


def test_the_list_groups_kindergartens_by_locality_with_their_places(department, world, factory):
    factory.group(world.kindergarten, birth_year=2023, language="ru", capacity=15, enrolled=5)
    other = factory.kindergarten(factory.locality(world.district, name="Жаңа"), name="Айгөлек")
    factory.commit()
    page = department.get("/department/kindergartens").get_data(as_text=True)
    assert "Көктем" in page and "Жаңа" in page and other.name_kk in page
    row = page[page.index(world.kindergarten.name_kk):]
    cells = re.findall(r'<td data-label="[^"]*">([^<]*)</td>', row)[:4]
    assert cells == ["KK, RU", "2", "40", "35"]  # 25 + 15 places, 5 enrolled


def _audit(action):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def _kindergarten_form(locality, **changes):
    data = {"name_kk": "Ақбота", "name_ru": "Акбота", "name_en": "Akbota", "locality_id": str(locality),
            "address": "Абай көшесі, 12", "phone": "+7 727 000 00 00", "languages": ["kk", "ru"],
            "ownership": "state", "working_hours": "07:30–19:00", "equipment": "бассейн, спорт залы",
            "programmes": "Кілт; Монтессори", "description_kk": "Жаңа бақша", "description_ru": "Новый сад",
            "description_en": ""}
    data.update(changes)
    return data


def test_the_operator_creates_and_edits_a_kindergarten(department, world, operator):
    response = post(department, "/department/kindergartens/new", _kindergarten_form(world.locality.id))
    assert response.status_code == 303
    created = db.session.scalar(select(Kindergarten).where(Kindergarten.name_kk == "Ақбота"))
    assert (created.district_id, created.locality_id, created.languages, created.active) == \
        (world.district.id, world.locality.id, "kk,ru", True)
    [event] = _audit("kindergarten.created")
    assert json.loads(event.data)["kindergarten_id"] == created.id
    assert event.actor_role == "department" and event.private_digest
    assert "Ақбота" not in event.data  # public data only: ids and codes
    response = post(department, f"/department/kindergartens/{created.id}/edit",
                    _kindergarten_form(world.locality.id, address="Абай көшесі, 14", languages=["ru"]))
    assert response.status_code == 303
    assert (fresh(created).address, fresh(created).languages) == ("Абай көшесі, 14", "ru")
    [changed] = _audit("kindergarten.updated")
    assert '"address"' in changed.data and '"languages"' in changed.data


@pytest.mark.parametrize("changes", [
    {"name_kk": ""}, {"address": " "}, {"languages": []}, {"ownership": "private"}, {"locality_id": "0"},
    {"description_ru": "ы" * 4001},
])
def test_a_wrong_kindergarten_form_is_422_and_nothing_changes(department, world, changes):
    before = snapshot()
    response = post(department, "/department/kindergartens/new", _kindergarten_form(world.locality.id, **changes))
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_kindergarten_cannot_go_to_another_districts_locality(department, world, factory):
    elsewhere = factory.locality(factory.district(code="YY"), name="Бөтен")
    factory.commit()
    before = snapshot()
    response = post(department, "/department/kindergartens/new", _kindergarten_form(elsewhere.id))
    assert response.status_code == 422
    assert snapshot() == before


def test_the_operator_manages_localities(department, world):
    assert post(department, "/department/localities/new",
                {"name_kk": "Қарасу", "name_ru": "Карасу", "name_en": ""}).status_code == 303
    created = db.session.scalar(select(Locality).where(Locality.name_kk == "Қарасу"))
    assert (created.district_id, created.name_en, created.active) == (world.district.id, "Карасу", True)
    assert post(department, f"/department/localities/{created.id}",
                {"name_kk": "Қарасу ауылы", "name_ru": "Карасу", "name_en": "Karasu"}).status_code == 303
    assert fresh(created).name_kk == "Қарасу ауылы"
    assert post(department, f"/department/localities/{created.id}/deactivate").status_code == 303
    assert post(department, f"/department/localities/{created.id}/deactivate").status_code == 303  # twice: harmless
    assert fresh(created).active is False
    assert len(_audit("locality.deactivated")) == 1
    assert [e.action for e in _audit("locality.created") + _audit("locality.updated")] == \
        ["locality.created", "locality.updated"]
    assert post(department, f"/department/localities/{created.id}/reactivate").status_code == 303
    assert fresh(created).active is True


def test_a_locality_without_a_name_is_422(department, world):
    before = snapshot()
    response = post(department, "/department/localities/new", {"name_kk": "", "name_ru": "Карасу"})
    assert response.status_code == 422
    assert snapshot() == before


def test_the_operator_creates_edits_and_deactivates_a_group(department, world):
    response = post(department, f"/department/kindergartens/{world.kindergarten.id}/groups/new",
                    {"name": "Ботақан", "birth_year": "2023", "language": "ru", "capacity": "18"})
    assert response.status_code == 303
    group = db.session.scalar(select(Group).where(Group.name == "Ботақан"))
    assert (group.kindergarten_id, group.capacity, group.language) == (world.kindergarten.id, 18, "ru")
    assert post(department, f"/department/groups/{group.id}",
                {"name": "Ботақан", "birth_year": "2023", "language": "ru", "capacity": "20"}).status_code == 303
    assert fresh(group).capacity == 20
    assert post(department, f"/department/groups/{group.id}/deactivate").status_code == 303
    assert fresh(group).active is False
    assert [len(_audit(a)) for a in ("group.created", "group.changed", "group.deactivated")] == [1, 1, 1]
    assert _audit("group.deactivated")[0].actor_role == "department"


def test_a_wrong_group_is_422_and_nothing_changes(department, world):
    before = snapshot()
    for data in ({"name": "", "birth_year": "2023", "language": "kk", "capacity": "10"},
                 {"name": world.group.name, "birth_year": "2023", "language": "kk", "capacity": "10"},
                 {"name": "Жаңа", "birth_year": "2023", "language": "kk", "capacity": "61"}):
        response = post(department, f"/department/kindergartens/{world.kindergarten.id}/groups/new", data)
        assert response.status_code == 422, data
    assert snapshot() == before


def test_another_districts_objects_are_not_found(department, factory):
    district = factory.district(code="YY")
    locality = factory.locality(district, name="Бөтен")
    kindergarten = factory.kindergarten(locality, name="Бөтен бақша")
    group = factory.group(kindergarten)
    factory.commit()
    before = snapshot()
    for url in (f"/department/kindergartens/{kindergarten.id}", f"/department/kindergartens/{kindergarten.id}/edit",
                f"/department/groups/{group.id}", f"/department/localities/{locality.id}",
                f"/department/kindergartens/{kindergarten.id}/groups/new"):
        assert department.get(url).status_code == 404, url
    for url in (f"/department/kindergartens/{kindergarten.id}/deactivate", f"/department/groups/{group.id}/deactivate",
                f"/department/localities/{locality.id}/deactivate"):
        assert post(department, url).status_code == 404, url
    assert snapshot() == before
    assert "Бөтен" not in department.get("/department/kindergartens").get_data(as_text=True)

