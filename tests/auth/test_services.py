"""The account rules in the services, without pages: password strength, codes and their limits."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.models import Notification, PhoneCode
from webapp.services import clock, phone_codes, users
from webapp.services.errors import InvalidInput

PHONE = "+77015551234"


@pytest.mark.parametrize("password", ["Steppe-wind-2026", "жаңа құпия сөз", "correct horse battery"])
def test_strong_passwords_pass(password):
    users.check_password(password, PHONE)


@pytest.mark.parametrize("password", [
    "", "Short-1", "123456789012", "QWERTYUIOP", "Password123", "Йцукенгшщз", "xx87015551234", "abababababab",
])
def test_weak_passwords_are_refused(password):
    with pytest.raises(InvalidInput):
        users.check_password(password, PHONE)


def _code_text(session, row) -> str:
    return session.scalar(select(Notification.body).where(Notification.idempotency_key == f"phone-code:{row.id}:sms"))


def _sent_code(session, row) -> str:
    return "".join(ch for ch in _code_text(session, row) if ch.isdigit())


def test_a_code_is_accepted_once(session, factory):
    user = factory.user(phone=PHONE)
    row = phone_codes.issue(session, user, "confirm_phone", clock.now())
    code = _sent_code(session, row)
    assert len(code) == 6
    assert phone_codes.check(session, user, "confirm_phone", code, clock.now()) == row
    factory.commit()
    with pytest.raises(phone_codes.CodeRefused):
        phone_codes.check(session, user, "confirm_phone", code, clock.now())


def test_a_code_of_one_purpose_does_not_serve_the_other(session, factory):
    user = factory.user(phone=PHONE)
    code = _sent_code(session, phone_codes.issue(session, user, "confirm_phone", clock.now()))
    with pytest.raises(phone_codes.CodeRefused):
        phone_codes.check(session, user, "reset_password", code, clock.now())


def test_the_fifth_try_may_still_be_right_the_sixth_never(session, factory):
    user = factory.user(phone=PHONE)
    row = phone_codes.issue(session, user, "confirm_phone", clock.now())
    code = _sent_code(session, row)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(4):
        with pytest.raises(phone_codes.CodeRefused):
            phone_codes.check(session, user, "confirm_phone", wrong, clock.now())
    assert phone_codes.check(session, user, "confirm_phone", code, clock.now()).attempts == 5


def test_the_code_lives_ten_minutes(session, factory):
    user = factory.user(phone=PHONE)
    code = _sent_code(session, phone_codes.issue(session, user, "confirm_phone", clock.now()))
    almost = clock.now() + timedelta(minutes=10) - timedelta(microseconds=1)
    assert phone_codes.check(session, user, "confirm_phone", code, almost)


def test_sending_limits_count_every_purpose_of_the_phone(session, factory):
    user = factory.user(phone=PHONE)
    now = clock.now()
    phone_codes.issue(session, user, "confirm_phone", now)
    with pytest.raises(phone_codes.TooManyCodes):
        phone_codes.issue(session, user, "reset_password", now + timedelta(seconds=59))
    for minute in range(1, 5):
        phone_codes.issue(session, user, "reset_password", now + timedelta(minutes=minute))
    with pytest.raises(phone_codes.TooManyCodes):
        phone_codes.issue(session, user, "confirm_phone", now + timedelta(minutes=59))
    phone_codes.issue(session, user, "confirm_phone", now + timedelta(minutes=60, seconds=1))
    open_codes = session.scalars(select(PhoneCode).where(PhoneCode.used_at.is_(None))).all()
    assert [(c.purpose) for c in open_codes] == ["reset_password", "confirm_phone"]


def test_the_accepted_code_is_blanked_in_the_sent_sms(session, factory):
    user = factory.user(phone=PHONE)
    row = phone_codes.issue(session, user, "confirm_phone", clock.now())
    factory.commit()  # delivered inline: the row is "sent"
    code = _sent_code(session, row)
    phone_codes.check(session, user, "confirm_phone", code, clock.now())
    factory.commit()
    assert code not in _code_text(session, row) and "******" in _code_text(session, row)
