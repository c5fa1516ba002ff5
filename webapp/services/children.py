"""A parent's children, each identified by an IIN that must agree with the birth date and sex."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Child
from . import iin as iin_rules
from .errors import Duplicate, InvalidInput
from .unique import insert_once


def add(session, parent, iin: str, surname: str, name: str, birth_date: date, sex: str, now,
        patronymic: str = "") -> Child:
    parsed = iin_rules.parse(iin)
    if parsed.birth_date != birth_date:
        raise InvalidInput(_l("The birth date does not match the IIN."))
    if parsed.sex != sex:
        raise InvalidInput(_l("The sex does not match the IIN."))
    if not surname.strip() or not name.strip():
        raise InvalidInput(_l("Surname and name are required."))
    duplicate = Duplicate(_l("A child with this IIN is already registered."))
    if session.scalar(select(Child.id).where(Child.iin == parsed.iin)):
        raise duplicate
    child = Child(parent_id=parent.id, iin=parsed.iin, surname=surname.strip(), name=name.strip(),
                  patronymic=patronymic.strip(), birth_date=birth_date, sex=sex, created_at=now)
    insert_once(session, child, duplicate)
    return child
