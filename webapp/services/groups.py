"""A kindergarten's groups: name, birth year, language of instruction and capacity.

Capacity never drops below what is already taken: the enrolled children plus every live seat
(reserved, held, referred) and every place still offered in an open bulletin."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..models import Bulletin, Group, Kindergarten, Seat
from . import audit, locks
from .actors import require_kindergarten
from .bulletins import OPEN
from .errors import InvalidInput, NotFound

LANGUAGES = ("kk", "ru")
MAX_CAPACITY = 60


def create(session, kindergarten_id: int, name: str, birth_year: int, language: str, capacity: int,
           actor, now) -> Group:
    kindergarten = session.get(Kindergarten, kindergarten_id)
    if kindergarten is None:
        raise NotFound()
    require_kindergarten(actor, kindergarten)
    if not kindergarten.active:
        raise InvalidInput(_l("The kindergarten is inactive: it takes no new groups."))
    name = _check(session, kindergarten, None, name, language, capacity)
    group = Group(kindergarten_id=kindergarten.id, name=name, birth_year=birth_year, language=language,
                  capacity=capacity, enrolled=0)
    session.add(group)
    session.flush()
    audit.record(session, "group.created", actor=actor, at=now,
                 data={"group_id": group.id, "kindergarten_id": kindergarten.id, "birth_year": birth_year,
                       "language": language, "capacity": capacity})
    return group


def update(session, group_id: int, name: str, birth_year: int, language: str, capacity: int, actor,
           now) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound()
    require_kindergarten(actor, group.kindergarten)
    locks.segment(session, group.kindergarten.locality_id, group.language, group.birth_year)
    session.refresh(group)
    name = _check(session, group.kindergarten, group, name, language, capacity)
    taken = taken_places(session, group)
    if capacity < taken:
        raise InvalidInput(_l("The capacity cannot be less than %(taken)d: that many places are enrolled "
                              "or claimed."), taken=taken)
    if (birth_year, language) != (group.birth_year, group.language) and taken:
        raise InvalidInput(_l("The year of birth and the language cannot change while children are "
                              "enrolled or places are claimed in this group."))
    before = {"name": group.name, "birth_year": group.birth_year, "language": group.language,
              "capacity": group.capacity}
    group.name, group.birth_year, group.language, group.capacity = name, birth_year, language, capacity
    after = {"name": name, "birth_year": birth_year, "language": language, "capacity": capacity}
    changed = {key: value for key, value in after.items() if before[key] != value and key != "name"}
    audit.record(session, "group.changed", actor=actor, at=now,
                 data={"group_id": group.id, "kindergarten_id": group.kindergarten_id, **changed})
    return group


def taken_places(session, group: Group) -> int:
    """Enrolled, plus live seats, plus places still offered by open bulletins of the group."""
    unclaimed = session.scalar(
        select(func.coalesce(func.sum(Bulletin.places - Bulletin.claimed), 0))
        .where(Bulletin.group_id == group.id, Bulletin.status.in_(OPEN))
    )
    live = session.scalar(
        select(func.count()).select_from(Seat).join(Bulletin, Bulletin.id == Seat.bulletin_id)
        .where(Bulletin.group_id == group.id, Seat.state.in_(("reserved", "held", "referred")))
    )
    return group.enrolled + unclaimed + live


def _check(session, kindergarten, group, name: str, language: str, capacity: int) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_l("Enter the group's name."))
    if language not in LANGUAGES:
        raise InvalidInput(_l("Choose the language of instruction."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(_l("The capacity must be between 1 and %(most)d."), most=MAX_CAPACITY)
    clash = session.scalar(select(Group.id).where(Group.kindergarten_id == kindergarten.id, Group.name == name))
    if clash is not None and (group is None or clash != group.id):
        raise InvalidInput(_l("This kindergarten already has a group with this name."))
    return name
