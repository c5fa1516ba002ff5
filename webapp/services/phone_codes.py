"""One-time SMS codes: six digits that prove the parent holds the phone (to confirm it, to reset
the password, or to move the account to a new phone: that code goes to the new number).

A code lives 10 minutes and takes 5 tries; a new one may be asked for 60 seconds after the last,
and at most 5 an hour go to one phone (each costs an SMS and gives 5 more guesses). Only a keyed
hash of the code is stored here. The SMS text in the outbox must hold the code until it is sent;
once the code is accepted, its text there is blanked.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..models import CODE_PURPOSES, Notification, PhoneCode
from . import notifications
from .errors import DomainError, InvalidInput

LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
PER_HOUR = 5
DIGITS = 6


class CodeRefused(InvalidInput):
    """The code was not accepted. The attempt counts: the caller commits before showing this."""

    code = "code_refused"


class TooManyCodes(DomainError):
    code = "too_many_codes"
    http_status = 429


def issue(session, user, purpose: str, now, phone: str | None = None) -> PhoneCode:
    """Send a new code to the user's phone (or to ``phone``, a number the account is moving to),
    replacing any open code for the same purpose."""
    if purpose not in CODE_PURPOSES:
        raise ValueError(f"unknown code purpose {purpose!r}")
    phone = phone or user.phone
    _check_sending_limits(session, phone, now)
    session.execute(
        update(PhoneCode)
        .where(PhoneCode.user_id == user.id, PhoneCode.purpose == purpose, PhoneCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    row = PhoneCode(user_id=user.id, phone=phone, purpose=purpose, attempts=0, created_at=now,
                    expires_at=now + LIFETIME, code_hash="")
    session.add(row)
    session.flush()
    row.code_hash = _digest(row, code)
    notifications.notify(session, user, f"phone_code.{purpose}", {"code": code}, key=_key(row), only=("sms",),
                         sms_to=phone)
    return row


def pending(session, user, purpose: str) -> PhoneCode | None:
    """The user's latest open code of ``purpose`` (its ``phone`` is where it went), or None."""
    return session.scalar(
        select(PhoneCode)
        .where(PhoneCode.user_id == user.id, PhoneCode.purpose == purpose, PhoneCode.used_at.is_(None))
        .order_by(PhoneCode.id.desc()).limit(1)
    )


def check(session, user, purpose: str, code: str, now) -> PhoneCode:
    """Accept ``code`` for the user's latest open code of ``purpose``, or raise CodeRefused.

    Every try spends one of the code's attempts, in one conditional UPDATE, so parallel guesses
    cannot get more than MAX_ATTEMPTS between them.
    """
    row = pending(session, user, purpose)
    if row is None:
        raise CodeRefused(_l("There is no valid code: ask for a new one."))
    if row.expires_at <= now:
        raise CodeRefused(_l("This code has expired: ask for a new one."))
    spent = session.execute(
        update(PhoneCode)
        .where(PhoneCode.id == row.id, PhoneCode.attempts < MAX_ATTEMPTS, PhoneCode.used_at.is_(None))
        .values(attempts=PhoneCode.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(row)
    if not spent:
        raise CodeRefused(_l("Too many wrong codes: ask for a new one."))
    entered = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(_digest(row, entered), row.code_hash):
        left = MAX_ATTEMPTS - row.attempts
        if left <= 0:
            raise CodeRefused(_l("Too many wrong codes: ask for a new one."))
        raise CodeRefused(_l("Wrong code. Tries left: %(left)d."), left=left)
    row.used_at = now
    _blank_outbox_text(session, row, user.language)
    return row


def _check_sending_limits(session, phone: str, now) -> None:
    last, count = session.execute(
        select(func.max(PhoneCode.created_at), func.count())
        .where(PhoneCode.phone == phone, PhoneCode.created_at > now - timedelta(hours=1))
    ).one()
    if last is not None and now - last < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last)).total_seconds()) + 1
        raise TooManyCodes(_l("A code was sent a moment ago. You can ask for a new one in %(seconds)d seconds."),
                           seconds=min(wait, int(RESEND_AFTER.total_seconds())))
    if count >= PER_HOUR:
        raise TooManyCodes(_l("Too many codes were sent to this phone. Please try again in an hour."))


def _digest(row: PhoneCode, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"{row.id}:{row.purpose}:{row.phone}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _key(row: PhoneCode) -> str:
    return f"phone-code:{row.id}"


def _blank_outbox_text(session, row: PhoneCode, language: str) -> None:
    blank = notifications.render(f"phone_code.{row.purpose}", language, {"code": "*" * DIGITS})
    session.execute(
        update(Notification)
        .where(Notification.idempotency_key.like(_key(row) + ":%"), Notification.status == "sent")
        .values(body=blank, subject=blank)
        .execution_options(synchronize_session=False)
    )
