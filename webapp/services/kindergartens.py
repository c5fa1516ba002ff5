"""The department's places: the localities and kindergartens of its district (issue 11) — create,
edit, deactivate and reactivate. Groups are services.groups (the department may manage any group of
its district there); their deactivation is here, with the same refusal rules.

Scope: every object is looked up in the actor's district; another district's object is "not found".
Audit: public data only (ids, codes, which fields changed), never a name of a person.

Deactivation never strands anyone. It is refused while:
- a group has an open bulletin (draft or published) or a live seat (reserved, held, referred);
- a kindergarten has such a group, or waiting applications (queued, invited, stop-listed) whose
  every preferred kindergarten would then be inactive (they would wait for places never offered);
- a locality has an active kindergarten, or an application that is not final (it waits, is being
  placed, or may return from inactive).
Reactivation: a kindergarten needs its locality active, a group its kindergarten active."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from ..models import FINAL, WAITING, Application, ApplicationPreference, Bulletin, Group, Kindergarten, Locality, Seat
from . import audit
from .actors import require_department
from .bulletins import OPEN
from .errors import InvalidInput, NotFound, WrongState

LIVE = ("reserved", "held", "referred")
OWNERSHIPS = ("state", "private_state_order")
LANGUAGES = ("kk", "ru")
KINDERGARTEN_FIELDS = ("name_kk", "name_ru", "name_en", "address", "phone", "languages", "ownership",
                       "working_hours", "equipment", "programmes", "description_kk", "description_ru",
                       "description_en", "locality_id")
LOCALITY_FIELDS = ("name_kk", "name_ru", "name_en")


@dataclass
class KindergartenRow:
    kindergarten: Kindergarten
    groups: int  # active groups
    capacity: int  # places of the active groups
    free: int


# --- reading ---------------------------------------------------------------------------------------

def localities(session, actor) -> list[Locality]:
    return session.scalars(select(Locality).where(Locality.district_id == actor.district_id)
                           .order_by(Locality.id)).all()


def locality(session, actor, locality_id: int) -> Locality:
    found = session.get(Locality, locality_id)
    if found is None or found.district_id != actor.district_id:
        raise NotFound()
    require_department(actor, found.district_id)
    return found


def kindergarten(session, actor, kindergarten_id: int) -> Kindergarten:
    found = session.get(Kindergarten, kindergarten_id)
    if found is None or found.district_id != actor.district_id:
        raise NotFound()
    require_department(actor, found.district_id)
    return found


def group(session, actor, group_id: int) -> Group:
    found = session.get(Group, group_id)
    if found is None or found.kindergarten.district_id != actor.district_id:
        raise NotFound()
    require_department(actor, found.kindergarten.district_id)
    return found


def kindergartens_by_locality(session, actor) -> list[tuple[Locality, list[KindergartenRow]]]:
    """Every locality of the district with its kindergartens, and each kindergarten's active groups
    counted with their places: one query for the figures, whatever the number of kindergartens."""
    figures = {kg_id: (n, capacity, free) for kg_id, n, capacity, free in session.execute(
        select(Group.kindergarten_id, func.count(Group.id), func.sum(Group.capacity),
               func.sum(Group.capacity - Group.enrolled))
        .join(Kindergarten, Kindergarten.id == Group.kindergarten_id)
        .where(Kindergarten.district_id == actor.district_id, Group.active.is_(True))
        .group_by(Group.kindergarten_id))}
    rows = session.scalars(select(Kindergarten).where(Kindergarten.district_id == actor.district_id)
                           .order_by(Kindergarten.locality_id, Kindergarten.id)).all()
    grouped: dict[int, list[KindergartenRow]] = {}
    for row in rows:
        n, capacity, free = figures.get(row.id, (0, 0, 0))
        grouped.setdefault(row.locality_id, []).append(KindergartenRow(row, n, int(capacity or 0), int(free or 0)))
    return [(place, grouped.get(place.id, [])) for place in localities(session, actor)]


# --- localities ------------------------------------------------------------------------------------

def create_locality(session, actor, values: dict, now) -> Locality:
    require_department(actor, actor.district_id)
    values = _names(values)
    created = Locality(district_id=actor.district_id, active=True, **values)
    session.add(created)
    session.flush()
    audit.record(session, "locality.created", actor=actor, at=now,
                 data={"locality_id": created.id, "district_id": created.district_id})
    return created


def update_locality(session, actor, locality_id: int, values: dict, now) -> Locality:
    found = locality(session, actor, locality_id)
    changed = _assign(found, _names(values))
    if changed:
        audit.record(session, "locality.updated", actor=actor, at=now,
                     data={"locality_id": found.id, "changed": changed})
    return found


def set_locality_active(session, actor, locality_id: int, active: bool, now) -> Locality:
    found = locality(session, actor, locality_id)
    if found.active == active:
        return found  # a second click: nothing to do
    if not active:
        _refuse_locality_deactivation(session, found)
    found.active = active
    audit.record(session, "locality.reactivated" if active else "locality.deactivated", actor=actor, at=now,
                 data={"locality_id": found.id})
    return found


def _refuse_locality_deactivation(session, found: Locality) -> None:
    kindergartens = session.scalar(select(func.count(Kindergarten.id)).where(
        Kindergarten.locality_id == found.id, Kindergarten.active.is_(True)))
    if kindergartens:
        raise WrongState(_l("The locality still has %(count)d active kindergartens: deactivate them first."),
                         count=kindergartens)
    applications = session.scalar(select(func.count(Application.id)).where(
        Application.locality_id == found.id, Application.status.not_in(FINAL)))
    if applications:
        raise WrongState(_l("%(count)d applications of this locality are not closed yet: the locality "
                            "cannot be deactivated while they wait or are being placed."), count=applications)


# --- kindergartens ---------------------------------------------------------------------------------

def create_kindergarten(session, actor, values: dict, now) -> Kindergarten:
    require_department(actor, actor.district_id)
    values = _kindergarten_values(session, actor, values)
    created = Kindergarten(district_id=actor.district_id, active=True, **values)
    session.add(created)
    session.flush()
    audit.record(session, "kindergarten.created", actor=actor, at=now,
                 data={"kindergarten_id": created.id, "locality_id": created.locality_id,
                       "languages": created.language_list, "ownership": created.ownership})
    return created


def update_kindergarten(session, actor, kindergarten_id: int, values: dict, now) -> Kindergarten:
    found = kindergarten(session, actor, kindergarten_id)
    values = _kindergarten_values(session, actor, values)
    if values["locality_id"] != found.locality_id and _has_any_group_history(session, found):
        raise InvalidInput(_l("The kindergarten has groups, so it cannot move to another locality: their "
                              "bulletins and applications belong to this one."))
    dropped = set(found.language_list) - set(values["languages"].split(","))
    teaching = session.scalars(select(Group.language).where(Group.kindergarten_id == found.id,
                                                            Group.active.is_(True))).all()
    if dropped & set(teaching):
        raise InvalidInput(_l("An active group teaches in a language you removed: change or deactivate "
                              "the group first."))
    changed = _assign(found, values)
    if changed:
        audit.record(session, "kindergarten.updated", actor=actor, at=now,
                     data={"kindergarten_id": found.id, "changed": changed})
    return found


def set_kindergarten_active(session, actor, kindergarten_id: int, active: bool, now) -> Kindergarten:
    found = kindergarten(session, actor, kindergarten_id)
    if found.active == active:
        return found
    if active and not found.locality.active:
        raise WrongState(_l("The locality of this kindergarten is inactive: reactivate the locality first."))
    if not active:
        _refuse_kindergarten_deactivation(session, found)
    found.active = active
    audit.record(session, "kindergarten.reactivated" if active else "kindergarten.deactivated", actor=actor,
                 at=now, data={"kindergarten_id": found.id})
    return found


def _refuse_kindergarten_deactivation(session, found: Kindergarten) -> None:
    _refuse_open_places(session, Bulletin.kindergarten_id == found.id)
    stranded = _stranded_applications(session, found)
    if stranded:
        raise WrongState(_l("%(count)d waiting applications chose only this kindergarten among active ones: "
                            "they would wait for places never offered. Ask the parents to change their "
                            "choice first."), count=stranded)


def _stranded_applications(session, found: Kindergarten) -> int:
    """Waiting applications that prefer this kindergarten and no other active one."""
    other = aliased(ApplicationPreference)
    another_active = exists().where(
        other.application_id == Application.id, other.kindergarten_id != found.id,
        other.kindergarten_id == Kindergarten.id, Kindergarten.active.is_(True))
    return session.scalar(
        select(func.count(Application.id))
        .join(ApplicationPreference, ApplicationPreference.application_id == Application.id)
        .where(ApplicationPreference.kindergarten_id == found.id, Application.status.in_(WAITING),
               ~another_active)
    ) or 0


def _has_any_group_history(session, found: Kindergarten) -> bool:
    return session.scalar(select(Group.id).where(Group.kindergarten_id == found.id).limit(1)) is not None


# --- groups ----------------------------------------------------------------------------------------

def set_group_active(session, actor, group_id: int, active: bool, now) -> Group:
    found = group(session, actor, group_id)
    if found.active == active:
        return found
    if active and not found.kindergarten.active:
        raise WrongState(_l("The kindergarten of this group is inactive: reactivate the kindergarten first."))
    if not active:
        _refuse_open_places(session, Bulletin.group_id == found.id)
    found.active = active
    audit.record(session, "group.reactivated" if active else "group.deactivated", actor=actor, at=now,
                 data={"group_id": found.id, "kindergarten_id": found.kindergarten_id})
    return found


def _refuse_open_places(session, where) -> None:
    """Open bulletins offer places and live seats hold them: both must end first."""
    bulletins = session.scalar(select(func.count(Bulletin.id)).where(where, Bulletin.status.in_(OPEN)))
    if bulletins:
        raise WrongState(_l("%(count)d bulletins are still open: close or withdraw them first."), count=bulletins)
    seats = session.scalar(select(func.count(Seat.id)).join(Bulletin, Bulletin.id == Seat.bulletin_id)
                           .where(where, Seat.state.in_(LIVE)))
    if seats:
        raise WrongState(_l("%(count)d places are reserved, held or referred: the children's invitations "
                            "and referrals must end first."), count=seats)


# --- checking the input ----------------------------------------------------------------------------

def _names(values: dict) -> dict:
    names = {key: (values.get(key) or "").strip() for key in LOCALITY_FIELDS}
    if not names["name_kk"] or not names["name_ru"]:
        raise InvalidInput(_l("Enter the name in Kazakh and in Russian."))
    names["name_en"] = names["name_en"] or names["name_ru"]
    return names


def _kindergarten_values(session, actor, values: dict) -> dict:
    cleaned = _names(values)
    for key in KINDERGARTEN_FIELDS[3:-1]:
        if key != "languages":
            cleaned[key] = (values.get(key) or "").strip()
    for key in ("description_kk", "description_ru", "description_en", "equipment", "programmes"):
        cleaned[key] = values.get(key) or ""
        cleaned[key] = cleaned[key].strip()
    languages = [code for code in LANGUAGES if code in (values.get("languages") or ())]
    if not languages:
        raise InvalidInput(_l("Choose at least one language of instruction."))
    cleaned["languages"] = ",".join(languages)
    if cleaned["ownership"] not in OWNERSHIPS:
        raise InvalidInput(_l("Choose the form of ownership."))
    if not cleaned["address"]:
        raise InvalidInput(_l("Enter the address."))
    place = session.get(Locality, values.get("locality_id") or 0)
    if place is None or place.district_id != actor.district_id:
        raise InvalidInput(_l("Choose a locality of the district."))
    if not place.active:
        raise InvalidInput(_l("The chosen locality is inactive."))
    cleaned["locality_id"] = place.id
    cleaned["working_hours"] = cleaned["working_hours"] or "07:30–19:00"
    return cleaned


def _assign(target, values: dict) -> list[str]:
    """Set the values; the names of the fields that changed (public: field names, not contents)."""
    changed = []
    for key, value in values.items():
        if getattr(target, key) != value:
            setattr(target, key, value)
            changed.append(key)
    return sorted(changed)
