"""Office accounts: the staff of a kindergarten (made by the district's department) and the operators
of a department (made by the administration).

Nobody chooses a password for someone else. A new account gets a random password nobody knows and an
SMS with a one-time code (``services.phone_codes``, purpose ``reset_password``); the person sets their
own password on the account pages' reset form. "Reset the password" sends such a code again, with the
same limits a parent meets (one a minute, five an hour per phone).

Blocking sets ``User.active`` off: log-in refuses the account and the session loader drops any session
it still has, so a blocked clerk is out at their next click.

Scope: the department manages the staff of its own district's kindergartens; the administration
manages department accounts (and may manage any office account). The audit events say what happened
to which kindergarten or district; the phone and the name stay in the private details.
"""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import District, Kindergarten, User
from . import audit, phone_codes, users
from .errors import Forbidden, InvalidInput, NotFound, WrongState

OFFICE_ROLES = ("staff", "department")
MAX_NAME = 300


def staff_of(session, actor, kindergarten_id: int) -> tuple[Kindergarten, list[User]]:
    """The kindergarten (within the actor's scope) and its staff accounts, by name."""
    kindergarten = _kindergarten(session, actor, kindergarten_id)
    accounts = session.scalars(
        select(User).where(User.role == "staff", User.kindergarten_id == kindergarten.id)
        .order_by(User.full_name, User.id)
    ).all()
    return kindergarten, accounts


def department_of(session, actor, district_id: int) -> tuple[District, list[User]]:
    """The district and its department accounts (the administration only)."""
    _require_admin(actor)
    district = session.get(District, district_id)
    if district is None:
        raise NotFound()
    accounts = session.scalars(
        select(User).where(User.role == "department", User.district_id == district.id)
        .order_by(User.full_name, User.id)
    ).all()
    return district, accounts


def create_staff(session, actor, kindergarten_id: int, phone: str, full_name: str, now,
                 language: str = "ru") -> User:
    kindergarten = _kindergarten(session, actor, kindergarten_id)
    return _create(session, actor, "staff", phone, full_name, now, language,
                   district_id=kindergarten.district_id, kindergarten_id=kindergarten.id)


def create_department(session, actor, district_id: int, phone: str, full_name: str, now,
                      language: str = "ru") -> User:
    _require_admin(actor)
    if session.get(District, district_id) is None:
        raise NotFound()
    return _create(session, actor, "department", phone, full_name, now, language, district_id=district_id)


def block(session, actor, user_id: int, now) -> bool:
    """Block the account; False (and nothing recorded) when it was blocked already."""
    account = load(session, actor, user_id)
    if account.id == actor.user_id:
        raise WrongState(_l("You cannot block your own account."))
    if not account.active:
        return False
    account.active = False
    _record(session, "account.blocked", actor, account, now)
    return True


def unblock(session, actor, user_id: int, now) -> bool:
    account = load(session, actor, user_id)
    if account.active:
        return False
    account.active = True
    _record(session, "account.unblocked", actor, account, now)
    return True


def send_password_code(session, actor, user_id: int, now) -> User:
    """Send the account a code to set a new password (raises TooManyCodes, 429, when too soon)."""
    account = load(session, actor, user_id)
    if not account.active:
        raise WrongState(_l("The account is blocked: unblock it before sending a code."))
    phone_codes.issue(session, account, "reset_password", now)
    _record(session, "account.password_reset_sent", actor, account, now)
    return account


def load(session, actor, user_id: int) -> User:
    """An office account the actor may manage; any other account does not exist for them."""
    account = session.get(User, user_id)
    if account is None or account.role not in OFFICE_ROLES or not may_manage(actor, account):
        raise NotFound()
    return account


def may_manage(actor, account: User) -> bool:
    if actor.role == "admin":
        return True
    return (actor.role == "department" and account.role == "staff" and actor.district_id is not None
            and account.district_id == actor.district_id)


# --- inside -------------------------------------------------------------------------------------------

def _create(session, actor, role: str, phone: str, full_name: str, now, language: str, **scope) -> User:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput(_l("Enter the person's full name."))
    if len(full_name) > MAX_NAME:
        raise InvalidInput(_l("The name is too long."))
    phone = users.normalise_phone(phone)
    if session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise InvalidInput(_l("Another account already uses this phone number."))
    # A password nobody knows: the person sets their own with the code sent below.
    account = users.create(session, phone, secrets.token_urlsafe(32), now, role=role, full_name=full_name,
                           language=language, **scope)
    session.flush()
    phone_codes.issue(session, account, "reset_password", now)
    _record(session, "account.created", actor, account, now)
    return account


def _record(session, action: str, actor, account: User, now) -> None:
    data = {"role": account.role, "district_id": account.district_id}
    if account.kindergarten_id is not None:
        data["kindergarten_id"] = account.kindergarten_id
    audit.record(session, action, actor=actor, at=now, data=data,
                 private={"account_id": account.id, "phone": account.phone, "full_name": account.full_name})


def _kindergarten(session, actor, kindergarten_id: int) -> Kindergarten:
    kindergarten = session.get(Kindergarten, kindergarten_id)
    if kindergarten is None:
        raise NotFound()
    if actor.role == "admin":
        return kindergarten
    if actor.role == "department" and actor.district_id == kindergarten.district_id:
        return kindergarten
    raise NotFound()  # another district's kindergarten does not exist for this operator


def _require_admin(actor) -> None:
    if actor.role != "admin":
        raise Forbidden()
