"""Accounts: creation with a normalised phone number and a strong password hash."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import ROLES, User
from . import iin as iins
from .errors import Duplicate, InvalidInput
from .unique import insert_once

PHONE = re.compile(r"^\+77[0-9]{9}$")  # ASCII digits: \d would take other scripts' digits too
# Werkzeug's default (scrypt). The test suite lowers it: hashing is deliberately slow.
HASH_METHOD = "scrypt"


def normalise_phone(raw: str) -> str:
    """+7 7XX XXX XX XX in any common spelling (8 7XX…, 7XX…) becomes +77XXXXXXXXX."""
    digits = re.sub(r"[^0-9]", "", raw or "")
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    phone = "+7" + digits
    if not PHONE.match(phone):
        raise InvalidInput(_l("Enter a Kazakh mobile number: +7 7XX XXX XX XX."))
    return phone


def create(session, phone: str, password: str, now, role: str = "parent", full_name: str = "",
           email: str | None = None, district_id=None, kindergarten_id=None, language="ru",
           iin: str | None = None) -> User:
    if role not in ROLES:
        raise InvalidInput(_l("Unknown role."))
    if role == "staff" and not kindergarten_id:
        raise InvalidInput(_l("A staff account needs a kindergarten."))
    if role == "department" and not district_id:
        raise InvalidInput(_l("A department account needs a district."))
    if len(password or "") < 8:
        raise InvalidInput(_l("The password must have at least 8 characters."))
    phone = normalise_phone(phone)
    duplicate = Duplicate(_l("An account with this phone number already exists."))
    if session.scalar(select(User.id).where(User.phone == phone)):
        raise duplicate
    user = User(phone=phone, password_hash=generate_password_hash(password, method=HASH_METHOD), role=role,
                full_name=full_name, email=email or None, district_id=district_id,
                kindergarten_id=kindergarten_id, language=language, iin=iin, created_at=now)
    insert_once(session, user, duplicate)
    return user


def authenticate(session, phone: str, password: str) -> User | None:
    try:
        phone = normalise_phone(phone)
    except InvalidInput:
        return None
    user = session.scalar(select(User).where(User.phone == phone))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


# --- parents' own accounts (sign-up, password, profile) ---------------------------------------------

MIN_PASSWORD_LENGTH = 10
# Passwords of 10+ characters that top every leaked-password list (compared without case).
COMMON_PASSWORDS = frozenset({
    "qwertyuiop", "password12", "password123", "password1234", "qwerty1234", "qwerty12345",
    "qwerty123456", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4t5", "1qaz2wsx3edc", "zaq12wsxcde",
    "qazwsxedcrfv", "asdfghjkl1", "abcdefghij", "abc1234567", "abcd123456", "iloveyou12", "iloveyou123",
    "passw0rd12", "passw0rd123", "p@ssw0rd12", "p@ssword123", "welcome123", "admin12345", "qwertyuiop1",
    "йцукенгшщз", "пароль12345", "parol12345", "kezek12345", "kezekkezek",
})
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHANNELS = ("sms", "email")


def check_password(password: str, phone: str | None = None) -> None:
    """A password a stranger cannot guess in a few tries: long, not only digits, not the phone
    number, not a well-known one. Raises InvalidInput saying what to change."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_l("The password must have at least %(count)d characters."), count=MIN_PASSWORD_LENGTH)
    if password.isdigit():
        raise InvalidInput(_l("The password must not consist of digits only."))
    national = re.sub(r"\D", "", phone or "")[-10:]
    if national and national in re.sub(r"\D", "", password):
        raise InvalidInput(_l("The password must not contain your phone number."))
    if password.casefold() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise InvalidInput(_l("This password is too common: choose another one."))


def normalise_email(raw: str | None) -> str | None:
    email = (raw or "").strip()
    if not email:
        return None
    if len(email) > 200 or not EMAIL.match(email):
        raise InvalidInput(_l("Enter an email address such as name@example.kz."))
    return email


def sign_up(session, phone: str, password: str, full_name: str, iin: str, now, email: str | None = None,
            language: str = "ru") -> User:
    """A parent's own account. The phone is not confirmed yet: see services.phone_codes."""
    phone = normalise_phone(phone)
    check_password(password, phone)
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput(_l("Enter your full name."))
    parsed = iins.parse(iin)
    return create(session, phone, password, now, role="parent", full_name=full_name,
                  email=normalise_email(email), language=language, iin=parsed.iin)


def find_by_phone(session, phone: str) -> User | None:
    try:
        phone = normalise_phone(phone)
    except InvalidInput:
        return None
    return session.scalar(select(User).where(User.phone == phone))


def confirm_phone(user: User) -> None:
    user.phone_verified = True


def check_new_phone(session, user: User, phone: str) -> str:
    """The number the account may move to, normalised: not its own, and no other account's."""
    phone = normalise_phone(phone)
    if phone == user.phone:
        raise InvalidInput(_l("This is already your phone number."))
    if session.scalar(select(User.id).where(User.phone == phone, User.id != user.id)) is not None:
        raise InvalidInput(_l("Another account already uses this phone number."))
    return phone


def change_phone(session, user: User, phone: str) -> None:
    """Move the account to ``phone``, which an SMS code has just proved (so it stays confirmed)."""
    user.phone = check_new_phone(session, user, phone)
    user.phone_verified = True


def must_confirm_phone(user: User) -> bool:
    """Parents act only once their phone is confirmed; staff accounts are made by the department."""
    return user.role == "parent" and not user.phone_verified


def set_password(user: User, password: str) -> None:
    check_password(password, user.phone)
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)


def update_profile(user: User, language: str, email: str | None, channels, languages) -> None:
    """The account's language, email and notification channels (the inbox always gets everything)."""
    if language not in languages:
        raise InvalidInput(_l("Unknown language."))
    email = normalise_email(email)
    channels = set(channels or ())
    if not channels <= set(CHANNELS):
        raise InvalidInput(_l("Unknown notification channel."))
    if "email" in channels and not email:
        raise InvalidInput(_l("Enter an email address to receive letters."))
    if email != user.email:
        user.email, user.email_verified = email, False
    user.language = language
    user.notify_sms, user.notify_email = "sms" in channels, "email" in channels
