"""A parent's children, each identified by an IIN that must agree with the birth date and sex."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Application, Child
from . import disputes
from . import iin as iin_rules
from .errors import Duplicate, InvalidInput, NotFound, WrongState
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
    registered = session.scalar(select(Child).where(Child.iin == parsed.iin))
    if registered is not None:
        if registered.parent_id == parent.id:
            raise Duplicate(_l("You have already added this child."))
        disputes.open_dispute(session, registered, parent, now)
        raise Disputed()
    child = Child(parent_id=parent.id, iin=parsed.iin, surname=surname.strip(), name=name.strip(),
                  patronymic=patronymic.strip(), birth_date=birth_date, sex=sex, created_at=now)
    insert_once(session, child, duplicate)
    return child


EDITABLE_WHILE = frozenset({"queued", "inactive", "withdrawn"})  # nothing placed, nothing promised


class Disputed(Duplicate):
    """The child is on another account: nothing was added, but the attempt was kept as a dispute
    (services.disputes), so the caller commits before it shows the message."""

    # Never say whose account it is: the IIN alone must not reveal another family.
    default_message = _l("This child is already registered by another account, so it was not added again. "
                         "We have told the district's education department: it will look into it and let "
                         "both accounts know its decision. Keep the child's birth certificate at hand.")


def update(session, parent, child: Child, surname: str, name: str, patronymic: str = "") -> Child:
    """Names may be corrected while no application of the child is past ``queued``."""
    if child.parent_id != parent.id:
        raise NotFound()
    statuses = session.scalars(select(Application.status).where(Application.child_id == child.id)).all()
    if any(status not in EDITABLE_WHILE for status in statuses):
        raise WrongState(_l("The child's details cannot be changed while an application is being placed. "
                            "Contact the district's education department if something is wrong."))
    if not surname.strip() or not name.strip():
        raise InvalidInput(_l("Surname and name are required."))
    child.surname, child.name, child.patronymic = surname.strip(), name.strip(), patronymic.strip()
    return child
