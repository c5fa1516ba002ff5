"""Bulletins of free places: a kindergarten announces places in one group; publishing them starts
distribution for that group's segment."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..models import Bulletin, Group, Seat
from . import audit, locks, tasks
from .actors import require_kindergarten
from .errors import InvalidInput, NotFound, WrongState

OPEN = ("draft", "published")


def create(session, group_id: int, places: int, actor, now) -> Bulletin:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound()
    require_kindergarten(actor, group.kindergarten)
    if not (group.active and group.kindergarten.active):
        raise WrongState(_l("The group or its kindergarten is inactive: it offers no places."))
    locks.segment(session, group.kindergarten.locality_id, group.language, group.birth_year)
    session.refresh(group)  # enrolled as it is now, under the lock
    available = announceable_places(session, group)
    if places < 1 or places > available:
        raise InvalidInput(_l("Places must be between 1 and %(available)d."), available=available)
    bulletin = Bulletin(
        group_id=group.id, kindergarten_id=group.kindergarten_id, district_id=group.kindergarten.district_id,
        locality_id=group.kindergarten.locality_id, language=group.language, birth_year=group.birth_year,
        places=places, claimed=0, status="draft", created_at=now,
    )
    session.add(bulletin)
    session.flush()
    return bulletin


def announceable_places(session, group) -> int:
    """Free places of the group that no bulletin offers and no live seat holds.

    Unclaimed places of open bulletins are offered; live seats (reserved, held, referred) hold a place
    whatever their bulletin's status, since closing a bulletin lets its seats run to their end; filled
    seats are already in ``enrolled``."""
    unclaimed = session.scalar(
        select(func.coalesce(func.sum(Bulletin.places - Bulletin.claimed), 0)).where(
            Bulletin.group_id == group.id, Bulletin.status.in_(OPEN)
        )
    )
    live = session.scalar(
        select(func.count()).select_from(Seat).join(Bulletin, Bulletin.id == Seat.bulletin_id)
        .where(Bulletin.group_id == group.id, Seat.state.in_(("reserved", "held", "referred")))
    )
    return group.capacity - group.enrolled - unclaimed - live


def publish(session, bulletin_id: int, actor, now) -> Bulletin:
    bulletin = _load(session, bulletin_id, actor)
    if bulletin.status != "draft":
        raise WrongState(_l("Only a draft bulletin can be published."))
    bulletin.status, bulletin.published_at = "published", now
    audit.record(session, "bulletin.published", actor=actor, at=now,
                 data={"bulletin_id": bulletin.id, "group_id": bulletin.group_id, "places": bulletin.places,
                       "segment": [bulletin.locality_id, bulletin.language, bulletin.birth_year]})
    tasks.defer(session, "distribute_segment", *bulletin.segment)
    return bulletin


def close(session, bulletin_id: int, actor, now) -> Bulletin:
    """No new claims; seats already given keep going to their end."""
    bulletin = _load(session, bulletin_id, actor)
    if bulletin.status not in OPEN:
        raise WrongState(_l("This bulletin is already closed."))
    from_status = bulletin.status
    bulletin.status = "closed" if from_status == "published" else "withdrawn"
    audit.record(session, f"bulletin.{bulletin.status}", actor=actor, at=now,
                 data={"bulletin_id": bulletin.id, "claimed": bulletin.claimed, "places": bulletin.places})
    return bulletin


def _load(session, bulletin_id: int, actor) -> Bulletin:
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFound()
    require_kindergarten(actor, bulletin.kindergarten)
    locks.segment(session, *bulletin.segment)
    session.refresh(bulletin)
    return bulletin


def withdraw_places(session, bulletin_id: int, count: int, actor, now, reason: str) -> Bulletin:
    """Take back ``count`` unclaimed places of an open bulletin, with a public reason. Claimed seats
    are never touched; a bulletin left with no place at all is withdrawn (or closed, if published)."""
    bulletin = _load(session, bulletin_id, actor)
    if bulletin.status not in OPEN:
        raise WrongState(_l("This bulletin is already closed."))
    if not (reason or "").strip():
        raise InvalidInput(_l("Please give a reason."))
    unclaimed = bulletin.places - bulletin.claimed
    if count < 1 or count > unclaimed:
        raise InvalidInput(_l("You can withdraw between 1 and %(unclaimed)d places."), unclaimed=unclaimed)
    bulletin.places -= count
    if bulletin.places == 0:
        bulletin.status = "closed" if bulletin.status == "published" else "withdrawn"
    audit.record(session, "bulletin.places_withdrawn", actor=actor, at=now, reason=reason.strip(),
                 data={"bulletin_id": bulletin.id, "withdrawn": count, "places": bulletin.places,
                       "claimed": bulletin.claimed, "status": bulletin.status})
    return bulletin


def announce(session, group_id: int, places: int, actor, now) -> Bulletin:
    """What the office's one button does: a bulletin created and published at once."""
    bulletin = create(session, group_id, places, actor, now)
    return publish(session, bulletin.id, actor, now)
