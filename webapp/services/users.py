"""Accounts: creation with a normalised phone number and a strong password hash."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import ROLES, User
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
