"""The watch list: each rule with a case it flags and one it leaves alone, through the service and
the page, scoped to the operator's district."""
from datetime import date, timedelta

import pytest

from webapp.services import audit, bulletins, clock, privileges, referrals, watch_list

from ..services.helpers import almaty
from . import outsiders


def _found(world):
    world.session.expire_all()
    return watch_list.watch_list(world.session, world.district.id, clock.now())


# --- late responses ------------------------------------------------------------------------------

def test_a_response_waiting_more_than_two_working_days_is_flagged(world, department):
    clock.set(almaty(2026, 11, 20, 10, 0))  # Friday
    late, _ = world.bring_to("responded")
    clock.set(almaty(2026, 11, 24, 10, 0))  # Tuesday: two working days later (Monday, Tuesday)
    recent, _ = world.bring_to("responded", own_segment="Жаңа")
    clock.set(almaty(2026, 11, 25, 10, 0))  # Wednesday: three working days for the first
    found = _found(world)
    assert [row["application"].number for row in found.late_responses] == [late.number]
    assert found.late_responses[0]["waited"] == 3
    page = department.get("/department/watch-list").get_data(as_text=True)
    assert late.number in page and recent.number not in page


def test_a_response_of_two_working_days_is_not_flagged(world):
    clock.set(almaty(2026, 11, 23, 10, 0))  # Monday
    world.bring_to("responded")
    clock.set(almaty(2026, 11, 25, 18, 0))  # Wednesday evening: two working days
    assert _found(world).late_responses == []


# --- repeated withdrawals and rejections ----------------------------------------------------------

def _withdraw(world, bulletin, times: int):
    own = bulletin.kindergarten_id == world.kindergarten.id
    staff = world.staff if own else world.staff_of(bulletin.kindergarten)
    for _ in range(times):
        bulletins.withdraw_places(world.session, bulletin.id, 1, staff, clock.now(), "repairs")
        world.commit()


def test_three_withdrawals_in_ninety_days_flag_the_kindergarten(world, department):
    other, other_group = world.kindergarten_with_group("Күншуақ")
    _withdraw(world, world.bulletin(places=5), 3)
    _withdraw(world, world.bulletin(places=5, group=other_group), 2)
    found = _found(world)
    assert [(r.kindergarten.id, r.withdrawals, r.places_withdrawn) for r in found.repeated] == \
        [(world.kindergarten.id, 3, 3)]
    page = department.get("/department/watch-list").get_data(as_text=True)
    assert "3 (3 places)" in page


def test_withdrawals_older_than_ninety_days_do_not_count(world):
    clock.set(almaty(2026, 8, 1, 10, 0))
    _withdraw(world, world.bulletin(places=5), 3)
    clock.set(almaty(2026, 11, 25, 10, 0))  # 116 days later
    assert _found(world).repeated == []


def test_three_rejected_responses_flag_the_kindergarten(world):
    for n in range(3):
        application, _ = world.bring_to("responded", own_segment=f"Ауыл {n}")
        referrals.reject(world.session, application.id, world.department, clock.now(), "other")
        world.commit()
    found = _found(world)
    rejected = {r.kindergarten.name_ru: r.rejections for r in found.repeated}
    # Each segment has a kindergarten of its own: one rejection each, no pattern.
    assert rejected == {}
    kindergarten = world.kindergarten
    for n in range(3):
        application, _ = world.bring_to("responded")
        referrals.reject(world.session, application.id, world.staff, clock.now(), "other")
        world.commit()
    found = _found(world)
    assert [(r.kindergarten.id, r.rejections) for r in found.repeated] == [(kindergarten.id, 3)]


def test_the_audit_viewer_is_linked_when_it_exists(world, department, app):
    _withdraw(world, world.bulletin(places=5), 3)
    page = department.get("/department/watch-list").get_data(as_text=True)
    has_viewer = "department.list_events" in app.view_functions
    assert ("action=bulletin.places_withdrawn" in page) == has_viewer


# --- places held back -----------------------------------------------------------------------------

def test_a_bulletin_offering_fewer_places_than_the_group_has_free_is_flagged(world, factory, department):
    full_group = factory.group(world.kindergarten, capacity=2)
    world.bulletin(places=2, group=full_group)  # offers all its group has: fine
    world.bulletin(places=1)  # the world's group has 25 free places
    found = _found(world)
    assert [(row["group"].id, row["places"].announceable, row["places"].offered) for row in found.held_back] == \
        [(world.group.id, 24, 1)]
    page = department.get("/department/watch-list").get_data(as_text=True)
    assert world.group.name in page and full_group.name not in page


def test_a_group_without_an_open_bulletin_is_not_flagged(world):
    bulletin = world.bulletin(places=1)
    bulletins.close(world.session, bulletin.id, world.staff, clock.now())
    world.commit()
    assert _found(world).held_back == []


# --- privileges expiring --------------------------------------------------------------------------

def _verified(world, valid_until: date, own_segment=None):
    category = world.factory.privilege(code=f"c{valid_until:%m%d}", tier="priority")
    application = world.factory.application(world.locality, child=world.child(), privileges=[category.code])
    world.commit()
    claim = application.claims[0]
    privileges.verify_claim(world.session, claim.id, world.department, clock.now(), valid_until=valid_until)
    world.commit()
    return application


def test_a_privilege_expiring_within_thirty_days_is_flagged(world, department):
    soon = _verified(world, date(2026, 12, 20))
    later = _verified(world, date(2027, 1, 10))
    found = _found(world)
    assert [claim.application.number for claim in found.expiring] == [soon.number]
    page = department.get("/department/watch-list").get_data(as_text=True)
    assert soon.number in page and later.number not in page


def test_a_privilege_of_a_closed_application_is_not_flagged(world):
    application = _verified(world, date(2026, 12, 1))
    from webapp.services import applications
    applications.withdraw(world.session, application.id, world.parent_actor, clock.now())
    world.commit()
    assert _found(world).expiring == []


# --- manual corrections ---------------------------------------------------------------------------

def test_a_correction_by_the_department_is_listed(world, factory, department):
    corrected = world.submit()
    plain = world.submit()
    elsewhere_district = factory.district(code="ZX")
    elsewhere = world.factory.application(factory.locality(elsewhere_district, name="Алыс"), child=world.child())
    world.commit()
    audit.record(world.session, "application.corrected", actor=world.department, application=corrected,
                 reason="wrong birth year", data={"correction": True})
    audit.record(world.session, "application.corrected", actor=world.department, application=plain,
                 reason="a note", data={"correction": False})
    audit.record(world.session, "application.corrected", actor=world.department_of(elsewhere_district),
                 application=elsewhere, reason="elsewhere", data={"correction": True})
    world.commit()
    found = _found(world)
    assert [row["event"].application for row in found.corrections] == [corrected.number]
    assert found.corrections_total == 1
    page = department.get("/department/watch-list").get_data(as_text=True)
    assert "wrong birth year" in page and "elsewhere" not in page and "a note" not in page


def test_corrections_older_than_ninety_days_are_not_listed(world):
    application = world.submit()
    world.commit()
    audit.record(world.session, "application.corrected", actor=world.department, application=application,
                 reason="old", data={"correction": True}, at=clock.now() - timedelta(days=91))
    world.commit()
    assert _found(world).corrections == []


# --- the page --------------------------------------------------------------------------------------

def test_an_empty_district_shows_every_empty_state(world, department):
    page = department.get("/department/watch-list")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for empty in ("Every response is being answered in time.", "No kindergarten withdrew places",
                  "Every open bulletin offers all the free places", "No verified privilege expires",
                  "No manual correction in the last 90 days."):
        assert empty in text


@pytest.mark.parametrize("anchor", ["late", "repeated", "held-back", "expiring", "corrections"])
def test_every_section_has_a_count_and_an_anchor(world, department, anchor):
    text = department.get("/department/watch-list").get_data(as_text=True)
    assert f'href="#{anchor}"' in text and f'id="{anchor}"' in text


# --- access ----------------------------------------------------------------------------------------

def test_the_watch_list_only_reads(app):
    methods = [rule.methods - {"HEAD", "OPTIONS"} for rule in app.url_map.iter_rules()
               if rule.endpoint == "department.show_watch_list"]
    assert methods == [{"GET"}]


@pytest.mark.parametrize("kind", outsiders.KINDS)
def test_outsiders_never_read_the_watch_list(client, world, factory, stranger, kind):
    clock.set(almaty(2026, 11, 20, 10, 0))
    late, _ = world.bring_to("responded")
    world.bulletin(places=1, group=factory.group(world.kindergarten, capacity=5))
    clock.set(almaty(2026, 11, 25, 10, 0))
    assert _found(world).late_responses and _found(world).held_back  # there is something to hide
    browser = outsiders.browser_of(kind, client, world, factory, stranger)
    outsiders.check(kind, browser.get("/department/watch-list"), outsiders.secrets_of(world))
