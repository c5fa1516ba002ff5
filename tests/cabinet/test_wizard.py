"""The four-step wizard: respond to a bulletin, wait for the kindergarten, the referral (PDF),
enrolled; decline with a confirmation page; deadlines and the stop-list explained."""
import io
import os
from pathlib import Path
from datetime import timedelta

from pypdf import PdfReader

from webapp.extensions import db
from webapp.models import Application, Seat
from webapp.services import clock, referrals, sweep

from .conftest import activate, post_form, respond

SAVE = os.environ.get("KEZEK_SAVE_REFERRAL") == "1"  # keep the PDF to render and look at it


def _queued(factory, world):
    application = factory.application(world.locality, child=world.child)
    factory.commit()
    return application


def _fresh(application_id):
    db.session.rollback()
    return db.session.get(Application, application_id)


def test_step_one_shows_deadline_seat_and_other_bulletins(logged_in, world, factory, session):
    application = _queued(factory, world)
    reserved = factory.bulletin(world.group)
    factory.commit()
    other_group = factory.group(factory.kindergarten(world.locality, name="Айгөлек"), birth_year=2022, language="kk")
    other = factory.bulletin(other_group, places=2)  # nobody else waits: its places stay free
    factory.commit()
    assert _fresh(application.id).status == "invited"
    page = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Step 1 of 4: respond to a bulletin" in page
    assert "Respond by" in page and "stop-list for 10 working days" in page
    assert f"/respond/{reserved.id}" in page and f"/respond/{other.id}" in page
    confirm = logged_in.get(f"/cabinet/applications/{application.id}/respond/{other.id}").get_data(as_text=True)
    assert "Айгөлек" in confirm and "Confirm" in confirm
    assert post_form(logged_in, f"/cabinet/applications/{application.id}/respond/{other.id}", {}).status_code == 303
    moved = _fresh(application.id)
    assert moved.status == "responded"
    seat = db.session.query(Seat).filter_by(application_id=application.id, state="held").one()
    assert seat.bulletin_id == other.id
    # A double click or a second tab: nothing changes, the page says why.
    again = post_form(logged_in, f"/cabinet/applications/{application.id}/respond/{reserved.id}", {},
                      form_page=f"/cabinet/applications/{application.id}/withdraw")
    assert again.status_code == 303
    assert "already responded" in logged_in.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.query(Seat).filter_by(application_id=application.id, state="held").one().id == seat.id
    waiting = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Step 2 of 4: waiting for the kindergarten" in waiting and "2 working days" in waiting


def test_a_bulletin_that_filled_up_gives_a_clear_message(logged_in, world, factory, session):
    application = _queued(factory, world)
    factory.bulletin(world.group)
    factory.commit()
    full_group = factory.group(factory.kindergarten(world.locality, name="Толық"), birth_year=2022, language="kk")
    full = factory.bulletin(full_group, places=1)
    factory.commit()
    form_page = f"/cabinet/applications/{application.id}/respond/{full.id}"
    token_page = logged_in.get(form_page)
    assert token_page.status_code == 200
    # Meanwhile another child takes its last place.
    intruder = factory.application(world.locality, child=world.other_child)
    factory.commit()
    session.refresh(intruder)
    if intruder.status != "invited":  # distribution gave it nothing: take the place directly
        from webapp.services import seats
        seats.claim(session, full.id, intruder, "held", None, clock.now())
        factory.commit()
    response = post_form(logged_in, form_page, {})
    assert response.status_code == 303
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "filled up meanwhile" in page
    assert _fresh(application.id).status == "invited"


def test_decline_asks_first_and_states_the_consequence(logged_in, world, factory):
    application = _queued(factory, world)
    factory.bulletin(world.group)
    factory.commit()
    path = f"/cabinet/applications/{application.id}/decline"
    page = logged_in.get(path).get_data(as_text=True)
    assert "stop-list for 10 working days" in page
    assert _fresh(application.id).status == "invited"
    assert post_form(logged_in, path, {}).status_code == 303
    declined = _fresh(application.id)
    assert declined.status == "stop_listed" and declined.stop_listed_until is not None
    shown = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "on the stop-list until" in shown and "Why: Invitation declined" in shown


def test_missed_deadline_goes_on_the_stop_list_and_the_cabinet_says_why(logged_in, world, factory, session):
    application = _queued(factory, world)
    factory.bulletin(world.group)
    factory.commit()
    clock.advance(timedelta(days=8))  # well past the end of the 3rd working day
    sweep.run(session, clock.now())
    factory.commit()
    lapsed = _fresh(application.id)
    assert lapsed.status == "stop_listed"
    page = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Why: No response in time" in page and "on the stop-list until" in page


def test_referral_pdf_and_enrolled(logged_in, world, factory, session):
    application = _queued(factory, world)
    factory.bulletin(world.group)
    factory.commit()
    respond(factory, session, _fresh(application.id))
    referral = activate(factory, session, world, _fresh(application.id))
    page = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Step 3 of 4: referral" in page and "Download referral" in page
    assert "extended once" in page
    response = logged_in.get(f"/cabinet/applications/{application.id}/referral.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (Path(__file__).parent / "referral.pdf").write_bytes(response.data) if SAVE else None
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert referral.number in text and world.child.surname in text
    assert "Балабақшаға жолдама" in text and "Направление в детский сад" in text
    assert "Құжаттарыңызбен келіңіз" in text and f"/verify/{referral.token}" in text
    _, staff = factory.staff(world.kindergarten)
    referrals.enrol(session, application.id, staff, clock.now())
    factory.commit()
    done = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Step 4 of 4: Enrolled" in done


def test_decline_of_a_referral(logged_in, world, factory, session):
    application = _queued(factory, world)
    factory.bulletin(world.group)
    factory.commit()
    respond(factory, session, _fresh(application.id))
    activate(factory, session, world, _fresh(application.id))
    path = f"/cabinet/applications/{application.id}/decline"
    assert "Decline the referral?" in logged_in.get(path).get_data(as_text=True)
    assert post_form(logged_in, path, {}).status_code == 303
    assert _fresh(application.id).status == "stop_listed"
    # No referral any more: the PDF is gone.
    assert logged_in.get(f"/cabinet/applications/{application.id}/referral.pdf").status_code == 404


def test_wrong_state_actions_change_nothing(logged_in, world, factory):
    application = _queued(factory, world)
    bulletin = factory.bulletin(factory.group(world.kindergarten, birth_year=2022, language="kk"), places=1)
    factory.commit()
    # Queued children are invited at once here; withdraw it to a state where nothing is possible.
    assert _fresh(application.id).status == "invited"
    post_form(logged_in, f"/cabinet/applications/{application.id}/withdraw", {})
    for path in (f"/cabinet/applications/{application.id}/decline",
                 f"/cabinet/applications/{application.id}/respond/{bulletin.id}",
                 f"/cabinet/applications/{application.id}/interest"):
        response = post_form(logged_in, path, {"contacts_ok": "y"},
                             form_page=f"/cabinet/applications/{application.id}/withdraw")
        assert response.status_code == 303, path
        assert _fresh(application.id).status == "withdrawn"
