"""The district's policy (DESIGN §6a): the page, who may change it, the audit trail, and the engine
reading every number from the district instead of a constant."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, District
from webapp.services import applications, clock, policy, privileges, queue, referrals
from webapp.services.actors import Actor
from webapp.services.errors import Forbidden, InvalidInput

from ..services.helpers import end_of_day_utc, english, live_seat
from .conftest import PASSWORD, csrf_token, fresh, log_in, post

# The tests' clock: Wednesday 25 November 2026, 09:00 in Almaty (no holiday until 16 December).
DEFAULTS = {name: str(getattr(policy.DEFAULT, name)) for name in policy.NAMES}


def _events(action=policy.ACTION):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def _set(world, **values):
    changed = policy.update(world.session, world.district.id, world.department, clock.now(), **values)
    world.commit()
    return changed


# --- the service ------------------------------------------------------------------------------------

def test_a_new_district_has_the_published_defaults(world):
    assert policy.of(world.district) == policy.Policy(3, 3, 5, 10, 6, 4, 30)


def test_a_change_is_saved_and_recorded_with_the_actor_and_the_old_and_new_values(world):
    changed = policy.update(world.session, world.district.id, world.department, clock.now(),
                            reason="Решение акимата №12", respond_working_days=2, priority_ratio=3)
    world.commit()
    assert changed == {"respond_working_days": [3, 2]}  # an unchanged value is not "changed"
    assert fresh(world.district).respond_working_days == 2
    [event] = _events()
    assert (event.actor_role, event.reason) == ("department", "Решение акимата №12")
    assert json.loads(event.data) == {"district_id": world.district.id, "district": world.district.code,
                                      "changed": {"respond_working_days": [3, 2]}}
    assert event.private_digest != "0" * 64


def test_saving_the_same_values_records_nothing(world):
    assert _set(world, **{name: getattr(policy.DEFAULT, name) for name in policy.NAMES}) == {}
    assert _events() == []


@pytest.mark.parametrize(("name", "value"), [
    ("priority_ratio", -1), ("priority_ratio", 11), ("respond_working_days", 0), ("contract_working_days", 21),
    ("stop_list_working_days", 0), ("max_age", 8), ("max_preferences", 0), ("extension_days", 61),
    ("respond_working_days", "3"), ("respond_working_days", True), ("nonsense", 1),
])
def test_out_of_range_values_are_refused_and_nothing_changes(world, name, value):
    with pytest.raises(InvalidInput):
        policy.update(world.session, world.district.id, world.department, clock.now(), **{name: value})
    world.session.rollback()
    assert policy.of(fresh(world.district)) == policy.DEFAULT and _events() == []


def test_an_extension_shorter_than_the_contract_days_is_refused(world):
    with pytest.raises(InvalidInput) as error:
        policy.update(world.session, world.district.id, world.department, clock.now(), contract_working_days=10,
                      extension_days=9)
    assert "shorter" in english(error.value)


@pytest.mark.parametrize("who", ["staff", "parent", "stranger"])
def test_only_the_department_of_the_district_may_change_it(world, factory, who):
    actor = {"staff": lambda: world.staff, "parent": lambda: world.parent_actor,
             "stranger": lambda: factory.department(factory.district(code="ZZ"))[1]}[who]()
    with pytest.raises(Forbidden):
        policy.update(world.session, world.district.id, actor, clock.now(), priority_ratio=1)
    world.session.rollback()
    assert fresh(world.district).priority_ratio == 3


# --- the engine reads the district's numbers ---------------------------------------------------------

def test_the_invitation_deadline_counts_the_districts_working_days(world, session):
    _set(world, respond_working_days=2)
    application, _ = world.bring_to("invited")
    # Invited Wednesday 25 November: Thursday 26 and Friday 27 are the two working days.
    assert live_seat(session, application).deadline_at == end_of_day_utc(date(2026, 11, 27))


def test_the_stop_list_lasts_the_districts_working_days(world, session):
    _set(world, stop_list_working_days=5)
    application, _ = world.bring_to("stop_listed")
    assert application.stop_listed_until == end_of_day_utc(date(2026, 12, 2))  # 26, 27, 30 Nov, 1, 2 Dec


def test_the_contract_deadline_counts_the_districts_working_days(world, session):
    _set(world, contract_working_days=1)
    application, _ = world.bring_to("referred")
    assert live_seat(session, application).referral.due_at == end_of_day_utc(date(2026, 11, 26))


def test_the_extension_is_limited_by_the_districts_days(world, session):
    _set(world, extension_days=10)
    application, _ = world.bring_to("referred")
    issued = date(2026, 11, 25)
    with pytest.raises(InvalidInput) as error:
        referrals.extend(session, application.id, world.staff, clock.now(), issued + timedelta(days=11), "illness")
    assert "at most 10 days" in english(error.value)
    session.rollback()
    referral = referrals.extend(session, application.id, world.staff, clock.now(), issued + timedelta(days=10),
                                "illness")
    assert referral.due_at == end_of_day_utc(issued + timedelta(days=10))


def test_the_number_of_preferred_kindergartens_is_the_districts(world, session):
    second, _ = world.kindergarten_with_group("Күншуақ")
    _set(world, max_preferences=1)
    child = world.child()
    world.commit()
    with pytest.raises(InvalidInput) as error:
        applications.submit(session, world.parent_actor, child.id, world.locality.id, "kk", clock.now(),
                            kindergarten_ids=[world.kindergarten.id, second.id])
    assert "at most 1 kindergartens" in english(error.value)
    session.rollback()
    application = applications.submit(session, world.parent_actor, child.id, world.locality.id, "kk",
                                      clock.now(), kindergarten_ids=[second.id])
    assert [p.kindergarten_id for p in application.preferences] == [second.id]


def test_a_lower_maximum_age_stops_invitations_and_a_higher_one_redistributes(world, session):
    application = world.submit()  # born 17 May 2022: four on 1 September 2026
    world.commit()
    _set(world, max_age=4)
    bulletin = world.bulletin(places=1)
    assert fresh(application).status == "queued" and fresh(bulletin).claimed == 0
    _set(world, max_age=5)  # the place on offer goes to the child at once (distribution after the commit)
    assert fresh(application).status == "invited" and fresh(bulletin).claimed == 1


def _verified(world, session, application):
    for claim in application.claims:
        privileges.verify_claim(session, claim.id, world.department, clock.now())
    world.commit()
    return application


def test_a_new_ratio_reorders_the_queue_by_the_rule_of_design_4(world, session, factory):
    factory.privilege("large_family", tier="priority")
    p1 = _verified(world, session, world.submit(privileges=["large_family"]))
    o1, o2, o3, o4 = world.submit_many(4)
    p2 = _verified(world, session, world.submit(privileges=["large_family"]))
    segment = queue.Segment.of(p1)

    def order():
        walked = [a.number for _, a in queue.walk(session, segment)]
        for position, application in queue.walk(session, segment):  # the closed formula agrees
            assert queue.explain(session, application).position == position
        return walked

    numbers = lambda *apps: [a.number for a in apps]  # noqa: E731
    assert order() == numbers(p1, o1, o2, o3, p2, o4)  # k = 3: P1, O1…O3, P2, O4
    _set(world, priority_ratio=1)
    assert order() == numbers(p1, o1, p2, o2, o3, o4)  # k = 1: P1, O1, P2, O2, then the rest
    _set(world, priority_ratio=0)
    assert order() == numbers(p1, p2, o1, o2, o3, o4)  # k = 0: every P before every O


def test_a_new_ratio_distributes_the_segments_with_places_on_offer_again(world, session):
    world.bulletin(places=1)  # nobody waits: the place stays on offer
    other_locality, other_group = world.new_segment("Жаңа")
    full = world.bulletin(places=1, group=other_group, staff=world.department)
    world.submit(locality=other_locality)
    world.commit()
    assert fresh(full).claimed == 1  # this segment has nothing left on offer
    policy.update(session, world.district.id, world.department, clock.now(), priority_ratio=2)
    pending = [args for name, args in session.info.get("tasks_pending", {}) if name == "distribute_segment"]
    assert pending == [(world.locality.id, "kk", 2022)]
    session.rollback()
    policy.update(session, world.district.id, world.department, clock.now(), respond_working_days=4)
    assert not [name for name, _ in session.info.get("tasks_pending", {}) if name == "distribute_segment"]


# --- the page -----------------------------------------------------------------------------------------

def test_the_page_shows_the_values_with_explanations_and_the_history(department, world):
    text = department.get("/department/policy").get_data(as_text=True)
    assert 'name="respond_working_days"' in text and 'value="3"' in text
    assert "Allowed: 1 to 10." in text and "extraordinary right" in text
    assert "has not been changed" in text
    response = post(department, "/department/policy", {**DEFAULTS, "respond_working_days": "2",
                                                       "reason": "Приказ №7"}, page="/department/policy")
    assert response.status_code == 303 and response.headers["Location"].endswith("/department/policy")
    page = department.get("/department/policy").get_data(as_text=True)
    assert "The policy is saved." in page and "Приказ №7" in page
    assert "Working days to respond to an invitation: 3 → 2" in page
    assert fresh(world.district).respond_working_days == 2
    [event] = _events()
    assert event.actor_role == "department"


@pytest.mark.parametrize("bad", [{"respond_working_days": "0"}, {"max_age": "12"}, {"priority_ratio": ""},
                                 {"priority_ratio": "two"}, {"contract_working_days": "20", "extension_days": "19"}])
def test_invalid_values_give_422_with_a_message_and_change_nothing(department, world, bad):
    response = post(department, "/department/policy", {**DEFAULTS, **bad}, page="/department/policy")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'class="error"' in text and ("from" in text or "shorter" in text)
    assert policy.of(fresh(world.district)) == policy.DEFAULT and _events() == []


def test_a_double_submit_records_one_change(department, world):
    for _ in range(2):
        response = post(department, "/department/policy", {**DEFAULTS, "max_preferences": "3"},
                        page="/department/policy")
        assert response.status_code == 303
    assert fresh(world.district).max_preferences == 3 and len(_events()) == 1
    assert "Nothing changed" in department.get("/department/policy").get_data(as_text=True)


def test_the_stranger_sees_and_changes_only_their_own_district(client, world, stranger):
    assert log_in(client, stranger.phone, PASSWORD).status_code == 303
    post(client, "/department/policy", {**DEFAULTS, "priority_ratio": "0"}, page="/department/policy")
    assert fresh(world.district).priority_ratio == 3
    assert db.session.get(District, stranger.district_id).priority_ratio == 0
    [event] = _events()
    assert json.loads(event.data)["district_id"] == stranger.district_id
    assert "→" not in client.get("/department/policy").get_data(as_text=True).split("Changes of the policy")[0]


def test_the_application_form_offers_the_districts_number_of_choices(client, world, factory):
    _set(world, max_preferences=2)
    from webapp.services import users
    child = world.child()
    users.confirm_phone(world.parent)
    factory.commit()
    assert log_in(client, world.parent.phone, PASSWORD).status_code == 303
    text = client.get(f"/cabinet/children/{child.id}/apply").get_data(as_text=True)
    assert 'name="kindergarten_2"' in text and 'name="kindergarten_3"' not in text
    assert "Up to 2, in your order." in text


def test_the_texts_for_parents_state_the_districts_numbers(client, world, session):
    _set(world, stop_list_working_days=7)
    application, _ = world.bring_to("invited")
    text = client.get(f"/queue/lookup?q={application.number}").get_data(as_text=True)
    assert "stop-list for 7 working days" in text
    assert "7 on the stop-list" in client.get("/transparency").get_data(as_text=True)


# --- access --------------------------------------------------------------------------------------------

ROUTES = [("GET", "/department/policy"), ("POST", "/department/policy")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, world, method, path):
    response = client.open(path, method=method)
    assert response.status_code in (302, 303, 400)
    if method == "GET":
        assert "/account/log-in" in response.headers["Location"]
    assert _events() == []


@pytest.mark.parametrize("who", ["parent", "staff"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_parents_and_staff_are_refused(client, world, factory, who, method, path):
    user = world.parent if who == "parent" else factory.staff(world.kindergarten)[0]
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": csrf_token(client, "/"), **DEFAULTS,
                                           "priority_ratio": "0"})
    assert response.status_code == 403
    assert fresh(world.district).priority_ratio == 3 and _events() == []


def test_a_post_without_the_csrf_token_is_refused(department, world):
    response = department.post("/department/policy", data={**DEFAULTS, "priority_ratio": "0"})
    assert response.status_code == 400
    assert fresh(world.district).priority_ratio == 3 and _events() == []


def test_the_history_counts_only_this_districts_changes(world, factory, session):
    other = factory.district(code="QQ")
    factory.commit()
    policy.update(session, other.id, Actor("admin"), clock.now(), max_age=5)
    _set(world, max_age=7)
    history = policy.history(session, world.district.id)
    assert [h["changed"] for h in history] == [{"max_age": [6, 7]}]
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == policy.ACTION)) == 2


def test_the_movement_explains_a_position_moved_by_a_new_ratio(world, session, factory):
    from webapp.services import movement
    from ..services.helpers import almaty
    factory.privilege("large_family", tier="priority")
    clock.set(almaty(2026, 10, 5, 10, 0))
    _verified(world, session, world.submit(privileges=["large_family"]))
    world.submit_many(4)
    late = _verified(world, session, world.submit(privileges=["large_family"]))
    clock.set(almaty(2026, 11, 25, 9, 0))
    assert queue.explain(session, late).position == 5  # k = 3: P1, O1, O2, O3, P2
    _set(world, priority_ratio=1)
    assert queue.explain(session, late).position == 3  # k = 1: P1, O1, P2
    november = movement.of(session, fresh(late), clock.now())[-1]
    assert (november.position_start, november.position_end) == (5, 3)
    assert dict(november.parts()) == {"own_privilege": 0, "new_applications": 0, "came_in_ahead": 0,
                                      "privileges": 0, "invited_or_placed": 0, "left": 0, "priority_ratio": -2}
    october = movement.of(session, fresh(late), clock.now())[-2]
    assert october.position_start is None and october.priority_ratio is None
