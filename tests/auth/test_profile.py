"""The profile: language, email and notification channels."""
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Notification
from webapp.services import notifications

from .conftest import account, post_form


def profile(**changes):
    data = {"language": "kk", "email": "aigul@example.kz", "notify_sms": "y", "notify_email": "y"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_the_profile_shows_the_account(client, parent):
    page = client.get("/account").get_data(as_text=True)
    assert "+7 701 555 12 34" in page and parent.iin in page
    assert 'name="language"' in page and 'name="notify_sms"' in page


def test_language_email_and_channels_are_saved(client, parent):
    response = post_form(client, "/account", profile(notify_sms=None))
    assert response.status_code == 303
    assert response.headers["Location"] == "/account?lang=kk"
    user = account(parent.phone)
    assert (user.language, user.email, user.notify_sms, user.notify_email) == ("kk", "aigul@example.kz", False, True)
    page = client.get(response.headers["Location"])
    assert '<html lang="kk">' in page.get_data(as_text=True)


def test_notifications_follow_the_chosen_channels(client, parent):
    post_form(client, "/account", profile(language="en", notify_sms=None))
    user = account(parent.phone)
    assert notifications.notify(db.session, user, "application.withdrawn", {"number": "GM-2026-000001"})
    assert _written(user) == [("inbox", ""), ("email", user.email)]


def test_codes_go_by_sms_even_when_sms_notifications_are_off(client, parent):
    post_form(client, "/account", profile(language="en", notify_sms=None, notify_email=None))
    user = account(parent.phone)
    assert notifications.notify(db.session, user, "phone_code.reset_password", {"code": "123456"},
                                key="test-code", only=("sms",))
    assert _written(user, "phone_code.reset_password") == [("sms", parent.phone)]


def _written(user, event="application.withdrawn") -> list[tuple]:
    """(channel, recipient) of the outbox rows of ``event`` for ``user``, in the order written."""
    db.session.flush()
    return [tuple(row) for row in db.session.execute(
        select(Notification.channel, Notification.recipient)
        .where(Notification.user_id == user.id, Notification.event == event).order_by(Notification.id))]


def test_letters_need_an_email_address(client, parent):
    response = post_form(client, "/account", profile(email=""))
    assert response.status_code == 422
    assert "Enter an email address to receive letters." in response.get_data(as_text=True)
    assert account(parent.phone).language == "en"


def test_an_invalid_email_or_language_is_refused(client, parent):
    assert post_form(client, "/account", profile(email="aigul@")).status_code == 422
    assert post_form(client, "/account", profile(language="de")).status_code == 422
    assert account(parent.phone).email is None


def test_a_new_email_is_not_yet_verified(client, parent):
    user = account(parent.phone)
    user.email, user.email_verified = "old@example.kz", True
    db.session.commit()
    post_form(client, "/account", profile(language="en"))
    user = account(parent.phone)
    assert user.email == "aigul@example.kz" and not user.email_verified


def test_no_code_from_sign_up_reached_the_inbox_or_email(client, parent):
    channels = db.session.scalars(select(Notification.channel).where(Notification.event.like("phone_code.%"))).all()
    assert channels == ["sms"]
