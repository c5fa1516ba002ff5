"""Responses and referrals in the office: activate, reject, enrol, record a no-show, extend, print."""
import pytest

from webapp.services import clock

from .conftest import actions, fresh, last_action, post


def page(office, application):
    return office.get(f"/staff/applications/{application.id}")


def test_the_dashboard_lists_a_waiting_response_with_its_working_days(office, world):
    application, _ = world.bring_to("responded")
    text = office.get("/staff").get_data(as_text=True)
    assert application.number in text and "Сейітов Алихан" in text
    assert "Responses waiting for activation" in text


def test_a_response_waiting_more_than_2_working_days_is_highlighted(office, world):
    application, _ = world.bring_to("responded")
    clock.set(clock.now().replace(day=30))  # Wed 25 → Mon 30 November: 3 working days
    text = office.get("/staff").get_data(as_text=True)
    assert "3 — more than 2" in text and 'class="late"' in text


def test_the_response_page_shows_the_child_the_parent_and_the_privilege(office, world, factory):
    factory.privilege("large_family", "priority")
    application = world.submit(privileges=["large_family"])
    world.commit()
    world.bulletin()
    from webapp.services import invitations
    invitations.respond(world.session, application.id, world.actor_of(application), clock.now())
    world.commit()
    text = page(office, application).get_data(as_text=True)
    child = application.child
    assert child.iin in text and child.full_name in text
    assert application.child.parent.full_name in text
    assert "large_family" in text and "not verified yet" in text
    assert "Activate and sign" in text


def test_activation_issues_the_referral_and_tells_the_parent(office, world):
    application, _ = world.bring_to("responded")
    response = post(office, f"/staff/applications/{application.id}/activate")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/applications/{application.id}"
    assert fresh(application).status == "referred"
    assert actions(application)[-1] == ("response.activated", "staff")
    text = office.get(response.headers["Location"]).get_data(as_text=True)
    assert "The referral is issued" in text and "Record the contract" in text


def test_a_double_click_on_activate_changes_nothing_and_says_why(office, world):
    application, _ = world.bring_to("responded")
    assert post(office, f"/staff/applications/{application.id}/activate").status_code == 303
    before = actions(application)
    again = post(office, f"/staff/applications/{application.id}/activate")
    assert again.status_code == 409
    assert "Nothing was changed" in again.get_data(as_text=True)
    assert "is referred, so this step is not possible now" in again.get_data(as_text=True)
    assert actions(application) == before


def test_activation_without_the_csrf_token_is_refused(office, world):
    application, _ = world.bring_to("responded")
    response = office.post(f"/staff/applications/{application.id}/activate")
    assert response.status_code == 400
    assert fresh(application).status == "responded"


def test_rejection_needs_a_reason_from_the_list(office, world):
    application, _ = world.bring_to("responded")
    response = post(office, f"/staff/applications/{application.id}/reject", {"reason": ""})
    assert response.status_code == 422 and "Choose a reason." in response.get_data(as_text=True)
    response = post(office, f"/staff/applications/{application.id}/reject", {"reason": "made-up"})
    assert response.status_code == 422
    response = post(office, f"/staff/applications/{application.id}/reject", {"reason": "other", "note": " "})
    assert response.status_code == 422 and "Explain the reason in the note." in response.get_data(as_text=True)
    assert fresh(application).status == "responded"


def test_rejection_returns_the_child_with_the_original_date(office, world):
    application, bulletin = world.bring_to("responded")
    submitted = application.submitted_at
    response = post(office, f"/staff/applications/{application.id}/reject",
                    {"reason": "documents_mismatch", "note": "Свидетельство о рождении на другое имя"})
    assert response.status_code == 303
    application = fresh(application)
    assert application.status in ("queued", "invited")  # distribution may invite it again at once
    assert application.submitted_at == submitted
    event = last_action("response.rejected")
    assert event.reason == "documents_mismatch" and event.actor_role == "staff"
    assert "Свидетельство" not in event.reason + event.data  # the note stays private
    again = post(office, f"/staff/applications/{application.id}/reject", {"reason": "documents_mismatch"})
    assert again.status_code == 409


def test_enrolment_fills_the_seat_and_the_group(office, world):
    application, _ = world.bring_to("referred")
    enrolled = fresh(world.group).enrolled
    response = post(office, f"/staff/applications/{application.id}/enrol")
    assert response.status_code == 303
    assert fresh(application).status == "enrolled"
    assert fresh(world.group).enrolled == enrolled + 1
    assert actions(application)[-1] == ("application.enrolled", "staff")
    assert post(office, f"/staff/applications/{application.id}/enrol").status_code == 409
    assert fresh(world.group).enrolled == enrolled + 1


def test_enrolment_of_a_response_not_yet_activated_is_refused(office, world):
    application, _ = world.bring_to("responded")
    response = post(office, f"/staff/applications/{application.id}/enrol")
    assert response.status_code == 409
    assert fresh(application).status == "responded"


def test_a_no_show_puts_the_child_on_the_stop_list(office, world):
    application, _ = world.bring_to("referred")
    response = post(office, f"/staff/applications/{application.id}/no-show", {"reason": "did_not_come"})
    assert response.status_code == 303
    application = fresh(application)
    assert application.status == "stop_listed" and application.stop_listed_until is not None
    event = last_action("referral.no_show")
    assert (event.reason, event.actor_role, event.from_status, event.to_status) == \
        ("did_not_come", "staff", "referred", "stop_listed")
    assert post(office, f"/staff/applications/{application.id}/no-show",
                {"reason": "did_not_come"}).status_code == 409


def test_a_no_show_needs_a_reason(office, world):
    application, _ = world.bring_to("referred")
    assert post(office, f"/staff/applications/{application.id}/no-show", {}).status_code == 422
    assert fresh(application).status == "referred"


def test_one_extension_up_to_30_days_from_issue(office, world):
    application, _ = world.bring_to("referred")
    url = f"/staff/applications/{application.id}/extend"
    too_late = post(office, url, {"reason": "illness", "until": "2027-01-10"})
    assert too_late.status_code == 422
    assert "at most 30 days after issue" in too_late.get_data(as_text=True)
    assert post(office, url, {"reason": "illness", "until": "not-a-date"}).status_code == 422
    response = post(office, url, {"reason": "illness", "until": "2026-12-15"})
    assert response.status_code == 303
    assert fresh(application).status == "referred"
    event = last_action("referral.extended")
    assert event.reason == "illness" and event.actor_role == "staff"
    again = post(office, url, {"reason": "illness", "until": "2026-12-20"})
    assert again.status_code == 409 and "already been extended once" in again.get_data(as_text=True)


def test_the_referral_prints_as_the_parent_sees_it(office, world):
    application, _ = world.bring_to("referred")
    response = office.get(f"/staff/applications/{application.id}/referral")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "N-GM-2026-000001" in text and application.child.full_name in text
    assert "data:image/svg+xml" in text and "/verify/" in text


def test_a_response_has_no_referral_to_print(office, world):
    application, _ = world.bring_to("responded")
    assert office.get(f"/staff/applications/{application.id}/referral").status_code == 404


def test_the_list_of_expected_arrivals(office, world):
    application, _ = world.bring_to("referred")
    text = office.get("/staff/arrivals").get_data(as_text=True)
    assert application.child.full_name in text and "N-GM-2026-000001" in text
    assert 'class="rows rows--titled arrivals"' in text


def test_a_lapsed_referral_is_not_expected(office, world):
    application, _ = world.bring_to("referred")
    clock.set(clock.now().replace(month=12, day=10))
    text = office.get("/staff/arrivals").get_data(as_text=True)
    assert application.child.full_name not in text
    assert post(office, f"/staff/applications/{application.id}/enrol").status_code == 409


@pytest.mark.parametrize("state", ["queued", "invited"])
def test_an_application_without_a_response_here_is_not_found(office, world, state):
    application, _ = world.bring_to(state)
    if state == "queued":
        assert page(office, application).status_code == 404
    else:
        assert page(office, application).status_code == 200  # the invitation's seat is ours
        assert post(office, f"/staff/applications/{application.id}/activate").status_code == 409
