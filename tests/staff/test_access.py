"""Only the clerk of this kindergarten gets into its office. Parametrised over every route and
method of the blueprint, read from the URL map: a new route is covered without touching this file."""
import re

import pytest
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import AuditEvent, Group, Seat

from .conftest import PASSWORD, csrf_token, fresh, log_in


def _staff_routes():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True,
                      "REDIS_URL": None, "INLINE_SWEEP_INTERVAL": 0})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("staff."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, method, id=f"{method} {rule.rule}")


ROUTES = list(_staff_routes())
OUTSIDERS = ["parent", "other_staff", "department_elsewhere", "department_here"]


def test_the_blueprint_has_routes_for_every_part_of_the_issue():
    paths = {p.values[0] for p in ROUTES}
    for part in ("/staff", "/staff/arrivals", "/staff/groups/new", "/staff/bulletins/<int:bulletin_id>/withdraw",
                 "/staff/applications/<int:application_id>/activate", "/staff/applications/<int:application_id>/no-show"):
        assert part in paths


@pytest.fixture
def things(world):
    """Ids of this kindergarten's objects: a referral waiting for a contract, a response waiting for
    activation, a group and a bulletin."""
    referred, _ = world.bring_to("referred")
    responded, bulletin = world.bring_to("responded")
    return {"application_id": responded.id, "bulletin_id": bulletin.id, "group_id": world.group.id,
            "referred": referred, "responded": responded}


def _url(rule: str, things: dict) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(things[m.group(1)]), rule)


@pytest.fixture
def outsider(request, world, factory, client):
    kind = request.param
    if kind == "parent":
        user = factory.user("parent")
        from webapp.services import users
        users.confirm_phone(user)
    elif kind == "other_staff":
        other, _ = world.kindergarten_with_group("Күншуақ")
        user, _ = factory.staff(other)
    elif kind == "department_elsewhere":
        user, _ = factory.department(factory.district(code="XX"))
    else:
        user, _ = factory.department(world.district)
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    return client


def _audit_head():
    db.session.rollback()
    return db.session.scalar(select(func.max(AuditEvent.seq)))


def _seat_states():
    db.session.rollback()
    return db.session.execute(select(Seat.id, Seat.state).order_by(Seat.id)).all()


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_outsiders_get_403_or_404(request, outsider, things, world, rule, method):
    """Staff of another kindergarten have an office of their own at the routes without an id: there
    they see and change only their own kindergarten, never a row of this one."""
    own_office = request.node.callspec.params["outsider"] == "other_staff" and "<int:" not in rule
    before = (_audit_head(), _seat_states())
    groups_before = _groups_of(world.kindergarten.id)
    url = _url(rule, things)
    if method == "GET":
        response = outsider.get(url)
    else:
        token = csrf_token(outsider, "/account")
        response = outsider.post(url, data={"csrf_token": token, "reason": "other", "note": "x", "places": "1",
                                            "name": "X", "birth_year": "2022", "language": "kk",
                                            "capacity": "30", "until": "2026-12-10"})
    if own_office:
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 303, 422), (url, response.status_code)
        assert things["referred"].number not in text and things["responded"].number not in text
        assert world.group.name not in text
        assert _groups_of(world.kindergarten.id) == groups_before and _seat_states() == before[1]
        return
    assert response.status_code in (403, 404), (url, response.status_code)
    assert (_audit_head(), _seat_states()) == before


def _groups_of(kindergarten_id):
    db.session.rollback()
    return db.session.execute(select(Group.id, Group.name, Group.capacity)
                              .where(Group.kindergarten_id == kindergarten_id).order_by(Group.id)).all()


@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, things, rule, method):
    before = (_audit_head(), _seat_states())
    url = _url(rule, things)
    response = client.open(url, method=method)
    assert response.status_code in (302, 303, 400, 403)
    if method == "GET":
        assert response.headers["Location"].startswith("/account/log-in")
    assert (_audit_head(), _seat_states()) == before


@pytest.mark.parametrize(("rule", "method"), [p for p in ROUTES if p.values[1] == "GET"])
def test_the_clerk_gets_the_pages_of_the_office(office, things, rule, method):
    """Every page opens for the clerk (the actions have tests of their own)."""
    url = _url(rule, things)
    response = office.get(url)
    if "/referral" in rule:  # the response has no referral yet; the referred application has one
        response = office.get(url.replace(str(things["application_id"]), str(things["referred"].id)))
    assert response.status_code == 200, url
    assert response.headers["Content-Type"].startswith("text/html")


def test_the_clerk_cannot_open_another_kindergartens_objects(office, world):
    application, bulletin = world.bring_to("responded", own_segment="Жаңа")
    group_id = bulletin.group_id
    for url in (f"/staff/applications/{application.id}", f"/staff/bulletins/{bulletin.id}",
                f"/staff/groups/{group_id}", f"/staff/groups/{group_id}/bulletins/new"):
        assert office.get(url).status_code == 404, url
    token = csrf_token(office, "/staff")
    response = office.post(f"/staff/applications/{application.id}/activate", data={"csrf_token": token})
    assert response.status_code == 404
    assert fresh(application).status == "responded"


def test_the_header_links_to_the_office_for_staff_only(office, client):
    assert 'href="/staff"' in office.get("/").get_data(as_text=True)
