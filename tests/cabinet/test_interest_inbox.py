"""The yearly «Interested» with the contacts it goes to, reactivation, and the inbox."""
from datetime import datetime, timezone

from webapp.extensions import db
from webapp.models import Application
from webapp.services import clock, sweep

from .conftest import post_form


def _fresh(application_id):
    db.session.rollback()
    return db.session.get(Application, application_id)


def test_confirming_shows_the_contacts_and_asks_that_they_still_work(logged_in, world, factory):
    application = factory.application(world.locality, child=world.child)
    factory.commit()
    clock.set(datetime(2027, 2, 1, 5, tzinfo=timezone.utc))
    page = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Confirm interest for 2027" in page
    path = f"/cabinet/applications/{application.id}/interest"
    form = logged_in.get(path).get_data(as_text=True)
    assert "+7 701 555 00 01" in form and "1 October" in form
    refused = post_form(logged_in, path, {})
    assert refused.status_code == 422 and "still reach you" in refused.get_data(as_text=True)
    assert _fresh(application.id).interest_year == 2026
    assert post_form(logged_in, path, {"contacts_ok": "y"}).status_code == 303
    assert _fresh(application.id).interest_year == 2027
    again = post_form(logged_in, path, {"contacts_ok": "y"})
    assert "already confirmed" in logged_in.get(again.headers["Location"]).get_data(as_text=True)


def test_an_inactive_application_returns_to_the_queue(logged_in, world, factory, session):
    application = factory.application(world.locality, child=world.child)
    factory.commit()
    clock.set(datetime(2027, 10, 2, 5, tzinfo=timezone.utc))
    sweep.run(session, clock.now())
    factory.commit()
    assert _fresh(application.id).status == "inactive"
    page = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Return to the queue" in page and "No position now" in page
    path = f"/cabinet/applications/{application.id}/interest"
    closed = post_form(logged_in, path, {"contacts_ok": "y"})  # October: the window is closed
    assert "1 January to 30 September" in logged_in.get(closed.headers["Location"]).get_data(as_text=True)
    assert _fresh(application.id).status == "inactive"
    clock.set(datetime(2028, 1, 10, 5, tzinfo=timezone.utc))
    assert post_form(logged_in, path, {"contacts_ok": "y"}).status_code == 303
    back = _fresh(application.id)
    assert back.status == "queued" and back.submitted_at == application.submitted_at


def test_the_inbox_counts_unread_messages_and_marks_them_read(logged_in, world, factory):
    application = factory.application(world.locality, child=world.child)
    factory.commit()
    home = logged_in.get("/cabinet/").get_data(as_text=True)
    assert "1 new" in home
    inbox = logged_in.get("/cabinet/inbox").get_data(as_text=True)
    assert application.number in inbox
    assert post_form(logged_in, "/cabinet/inbox/read", {}, form_page="/cabinet/inbox").status_code == 303
    assert "1 new" not in logged_in.get("/cabinet/").get_data(as_text=True)


def test_history_lists_every_event_of_the_application(logged_in, world, factory):
    application = factory.application(world.locality, child=world.child)
    factory.commit()
    factory.bulletin(world.group)
    factory.commit()
    page = logged_in.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    assert "Application submitted" in page and "Invited: a place was reserved" in page
