"""What a kindergarten's office reads (issue 10): its groups with every place accounted for, open
bulletins, responses waiting for activation, referrals waiting for a contract and the day's expected
arrivals. Read-only; every change goes through the transition services.

Scope: everything is looked up through the kindergarten of the account. An id of another
kindergarten's bulletin, group or application is "not found", never someone else's data."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..models import Application, Bulletin, Child, Group, Kindergarten, Referral, Seat
from . import calendar
from .actors import require_kindergarten
from .bulletins import OPEN, announceable_places
from .errors import NotFound

LIVE = ("reserved", "held", "referred")
WAITED_TOO_LONG = 2  # working days; more is flagged (DESIGN §5)
DISTRIBUTION_GRACE = timedelta(minutes=1)  # how long the bulletin page waits for the first invitations


@dataclass
class GroupPlaces:
    group: Group
    enrolled: int
    reserved: int
    held: int
    referred: int
    offered: int  # unclaimed places of open bulletins

    @property
    def capacity(self) -> int:
        return self.group.capacity

    @property
    def truly_free(self) -> int:
        """Not enrolled and not claimed by anyone: what the kindergarten really has."""
        return self.capacity - self.enrolled - self.reserved - self.held - self.referred

    @property
    def announceable(self) -> int:
        """Truly free and not yet on offer in a bulletin: what a new bulletin may announce."""
        return self.truly_free - self.offered


def kindergarten_of(session, actor) -> Kindergarten:
    kindergarten = session.get(Kindergarten, actor.kindergarten_id) if actor.kindergarten_id else None
    if kindergarten is None:
        raise NotFound()
    require_kindergarten(actor, kindergarten)
    return kindergarten


def group_places(session, kindergarten_id: int) -> list[GroupPlaces]:
    return _group_places(session, Group.kindergarten_id == kindergarten_id,
                         Bulletin.kindergarten_id == kindergarten_id)


def district_group_places(session, district_id: int) -> list[GroupPlaces]:
    """``group_places`` of every kindergarten of a district at once (the department's reports)."""
    in_district = Group.kindergarten_id.in_(select(Kindergarten.id).where(Kindergarten.district_id == district_id))
    return _group_places(session, in_district, Bulletin.district_id == district_id)


def _group_places(session, groups_where, bulletins_where) -> list[GroupPlaces]:
    groups = session.scalars(select(Group).where(groups_where)
                             .order_by(Group.birth_year.desc(), Group.name)).all()
    by_state = {}
    for group_id, state, n in session.execute(
        select(Bulletin.group_id, Seat.state, func.count()).join(Bulletin, Bulletin.id == Seat.bulletin_id)
        .where(bulletins_where, Seat.state.in_(LIVE))
        .group_by(Bulletin.group_id, Seat.state)
    ):
        by_state[(group_id, state)] = n
    offered = dict(session.execute(
        select(Bulletin.group_id, func.sum(Bulletin.places - Bulletin.claimed))
        .where(bulletins_where, Bulletin.status.in_(OPEN))
        .group_by(Bulletin.group_id)
    ).all())
    return [GroupPlaces(g, g.enrolled, by_state.get((g.id, "reserved"), 0), by_state.get((g.id, "held"), 0),
                        by_state.get((g.id, "referred"), 0), int(offered.get(g.id) or 0)) for g in groups]


def group(session, actor, group_id: int) -> Group:
    found = session.get(Group, group_id)
    if found is None or found.kindergarten_id != actor.kindergarten_id:
        raise NotFound()
    return found


def places_of(session, found: Group) -> GroupPlaces:
    return next(p for p in group_places(session, found.kindergarten_id) if p.group.id == found.id)


def can_announce(session, found: Group) -> int:
    return max(announceable_places(session, found), 0)


def open_bulletins(session, kindergarten_id: int) -> list[Bulletin]:
    return list(session.scalars(
        select(Bulletin).options(joinedload(Bulletin.group))
        .where(Bulletin.kindergarten_id == kindergarten_id, Bulletin.status.in_(OPEN))
        .order_by(Bulletin.published_at.desc(), Bulletin.id.desc())
    ))


def recent_bulletins(session, kindergarten_id: int, limit: int = 20) -> list[Bulletin]:
    return list(session.scalars(
        select(Bulletin).options(joinedload(Bulletin.group)).where(Bulletin.kindergarten_id == kindergarten_id)
        .order_by(Bulletin.id.desc()).limit(limit)
    ))


def bulletin(session, actor, bulletin_id: int) -> Bulletin:
    found = session.get(Bulletin, bulletin_id)
    if found is None or found.kindergarten_id != actor.kindergarten_id:
        raise NotFound()
    return found


def bulletin_seats(session, bulletin_id: int) -> list[Seat]:
    """Every seat ever given on the bulletin, in the order distribution gave them."""
    return list(session.scalars(
        select(Seat).options(joinedload(Seat.application).joinedload(Application.child), joinedload(Seat.referral))
        .where(Seat.bulletin_id == bulletin_id).order_by(Seat.id)
    ).unique())


def distribution_pending(found: Bulletin, seats: list, now) -> bool:
    """Published a moment ago and nobody invited yet: the distribution job may still be running."""
    return (found.status == "published" and not seats and found.published_at is not None
            and now - found.published_at < DISTRIBUTION_GRACE)


def waiting_responses(session, kindergarten: Kindergarten, now) -> list[dict]:
    """Responses (held seats) waiting for activation, oldest first, with the working days waited."""
    return _waiting_responses(session, kindergarten.district, Bulletin.kindergarten_id == kindergarten.id, now)


def district_waiting_responses(session, district, now) -> list[dict]:
    """``waiting_responses`` of every kindergarten of a district at once (the department's watch list)."""
    return _waiting_responses(session, district, Bulletin.district_id == district.id, now)


def _waiting_responses(session, district, where, now) -> list[dict]:
    held = session.scalars(
        _seats_in("held").where(where).order_by(Seat.updated_at, Seat.id)
    ).unique().all()
    rows = []
    for seat in held:
        waited = calendar.working_days_between(session, district, seat.updated_at, now)
        rows.append({"seat": seat, "application": seat.application, "child": seat.application.child,
                     "group": seat.bulletin.group, "since": seat.updated_at, "waited": waited,
                     "too_long": waited > WAITED_TOO_LONG})
    return rows


def waiting_referrals(session, kindergarten: Kindergarten, now) -> list[dict]:
    """Referrals waiting for a contract, the nearest deadline first; ``lapsed`` ones wait for the
    sweep and can no longer be signed."""
    today = calendar.local_date(kindergarten.district, now)
    referred = session.scalars(
        _seats_of(kindergarten.id, "referred").order_by(Seat.deadline_at, Seat.id)
    ).unique().all()
    return [{"seat": seat, "application": seat.application, "child": seat.application.child,
             "parent": seat.application.child.parent, "group": seat.bulletin.group, "referral": seat.referral,
             "due_at": seat.deadline_at, "lapsed": seat.deadline_at < now,
             "due_today": calendar.local_date(kindergarten.district, seat.deadline_at) == today}
            for seat in referred]


def expected_arrivals(session, kindergarten: Kindergarten, now) -> list[dict]:
    """Who may come today to sign the contract: every referral still open today, last days first."""
    return [row for row in waiting_referrals(session, kindergarten, now) if not row["lapsed"]]


def application_seat(session, actor, application_id: int) -> Seat:
    """The latest seat of the application in the actor's kindergarten (whatever its state): the
    office may open an application only through a seat of its own."""
    seat = session.scalars(
        select(Seat).join(Bulletin, Bulletin.id == Seat.bulletin_id)
        .where(Seat.application_id == application_id, Bulletin.kindergarten_id == actor.kindergarten_id)
        .order_by(Seat.id.desc()).limit(1).execution_options(populate_existing=True)
    ).first()
    if seat is None:
        raise NotFound()
    return seat


def application_card(session, actor, application_id: int, now) -> dict:
    seat = application_seat(session, actor, application_id)
    application = seat.application
    kindergarten = seat.bulletin.kindergarten
    card = {"seat": seat, "application": application, "child": application.child,
            "parent": application.child.parent, "bulletin": seat.bulletin, "group": seat.bulletin.group,
            "kindergarten": kindergarten, "claims": application.claims, "referral": seat.referral,
            "today": calendar.local_date(kindergarten.district, now), "waited": None, "current": False}
    card["current"] = seat.state != "released" and (
        (seat.state == "held" and application.status == "responded")
        or (seat.state == "referred" and application.status == "referred")
        or seat.state == "filled")
    if seat.state == "held":
        card["waited"] = calendar.working_days_between(session, kindergarten.district, seat.updated_at, now)
    return card


def _seats_of(kindergarten_id: int, state: str):
    return _seats_in(state).where(Bulletin.kindergarten_id == kindergarten_id)


def _seats_in(state: str):
    return (select(Seat).join(Bulletin, Bulletin.id == Seat.bulletin_id)
            .options(joinedload(Seat.application).joinedload(Application.child).joinedload(Child.parent),
                     joinedload(Seat.bulletin).joinedload(Bulletin.group), joinedload(Seat.referral))
            .where(Seat.state == state))


def referral_of(session, actor, application_id: int) -> Referral:
    seat = application_seat(session, actor, application_id)
    if seat.referral is None:
        raise NotFound()
    return seat.referral
