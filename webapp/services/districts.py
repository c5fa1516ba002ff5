"""Districts, as the administration creates and edits them: code, names, time zone and the
department's email (the Reply-To of its letters).

A new district needs nothing else from the engine to start: application numbers come from a counter
per district code and year (``locks.next_value``) made on the first submission, the policy numbers
have their defaults on the row, and localities, kindergartens and the department's accounts are added
afterwards. The code is the prefix of every application number, so it cannot change once the district
has an application.
"""
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Application, District
from . import audit, users
from .errors import Forbidden, InvalidInput, NotFound, WrongState

CODE = re.compile(r"[A-Z]{2,8}")  # the lookup accepts numbers whose prefix is 1–8 Latin letters
NAME_FIELDS = ("name_kk", "name_ru", "name_en")
KAZAKH_ZONES = ("Asia/Almaty", "Asia/Qostanay", "Asia/Aqtobe", "Asia/Aqtau", "Asia/Atyrau", "Asia/Oral",
                "Asia/Qyzylorda")


def listing(session, actor) -> list[District]:
    _require_admin(actor)
    return session.scalars(select(District).order_by(District.code)).all()


def get(session, actor, district_id: int) -> District:
    _require_admin(actor)
    district = session.get(District, district_id)
    if district is None:
        raise NotFound()
    return district


def has_applications(session, district_id: int) -> bool:
    return session.scalar(select(Application.id).where(Application.district_id == district_id).limit(1)) is not None


def create(session, actor, now, *, code: str, name_kk: str, name_ru: str, name_en: str, timezone: str,
           email: str | None) -> District:
    _require_admin(actor)
    values = _checked(session, None, code, name_kk, name_ru, name_en, timezone, email)
    district = District(**values)
    session.add(district)
    session.flush()
    audit.record(session, "district.created", actor=actor, at=now,
                 data={"district_id": district.id, "code": district.code, "timezone": district.timezone})
    return district


def update(session, actor, district_id: int, now, *, code: str, name_kk: str, name_ru: str, name_en: str,
           timezone: str, email: str | None) -> District:
    district = get(session, actor, district_id)
    values = _checked(session, district, code, name_kk, name_ru, name_en, timezone, email)
    if values["code"] != district.code and has_applications(session, district.id):
        raise WrongState(_l("The code cannot change: it begins the numbers of the district's applications."))
    changed = sorted(key for key, value in values.items() if getattr(district, key) != value)
    if not changed:
        return district
    for key in changed:
        setattr(district, key, values[key])
    public = {key: values[key] for key in changed if key in ("code", "timezone")}
    audit.record(session, "district.changed", actor=actor, at=now,
                 data={"district_id": district.id, "changed": changed, **public})
    return district


def _checked(session, district, code, name_kk, name_ru, name_en, timezone, email) -> dict:
    code = (code or "").strip().upper()
    if not CODE.fullmatch(code):
        raise InvalidInput(_l("The code is 2 to 8 Latin letters, such as GM."))
    clash = session.scalar(select(District.id).where(District.code == code))
    if clash is not None and (district is None or clash != district.id):
        raise InvalidInput(_l("Another district already has this code."))
    names = {}
    for field, value in zip(NAME_FIELDS, (name_kk, name_ru, name_en)):
        value = " ".join((value or "").split())
        if not value:
            raise InvalidInput(_l("Enter the district's name in every language."))
        if len(value) > 200:
            raise InvalidInput(_l("The name is too long."))
        names[field] = value
    return {"code": code, **names, "timezone": check_timezone(timezone), "email": users.normalise_email(email)}


def check_timezone(name: str) -> str:
    name = (name or "").strip()
    if name not in _zones():
        raise InvalidInput(_l("Unknown time zone: give its IANA name, such as Asia/Almaty."))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_l("Unknown time zone: give its IANA name, such as Asia/Almaty.")) from None
    return name


@lru_cache(maxsize=1)
def _zones() -> frozenset:
    return frozenset(available_timezones())


def _require_admin(actor) -> None:
    if actor.role != "admin":
        raise Forbidden()
