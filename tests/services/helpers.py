"""Helpers for the service tests, on top of ``tests/factories.py``.

``World`` is one district with one locality, kindergarten and group (born 2022, Kazakh), and the
people who act in it, made on first use.
"""
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import func, select

from webapp.models import (
    ACTIVE_SEAT_STATES, Application, AuditEvent, Bulletin, Group, Notification, Seat,
)
from webapp.services import (
    applications, audit, bulletins, clock, invitations, referrals, seats, tasks,
)
from webapp.services.actors import Actor
from webapp.services.queue import Segment

ALMATY = ZoneInfo("Asia/Almaty")
UTC = timezone.utc


def almaty(*args) -> datetime:
    """An Almaty wall-clock moment, as the aware UTC instant the services work with."""
    return datetime(*args, tzinfo=ALMATY).astimezone(UTC)


def end_of_day_utc(day: date) -> datetime:
    """23:59:59.999999 Almaty of ``day`` in UTC: the shape of every deadline (DESIGN §7)."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=ALMATY).astimezone(UTC)


def english(error) -> str:
    """A domain error's message as an English-speaking operator reads it."""
    with force_locale("en"):
        return str(error)


class World:
    """One district, locality, kindergarten and group, with a parent, staff and department."""

    def __init__(self, factory, priority_ratio: int = 3, code: str = "GM", capacity: int = 25):
        self.factory = factory
        self.session = factory.session
        self.district = factory.district(code=code, priority_ratio=priority_ratio)
        self.locality = factory.locality(self.district)
        self.kindergarten = factory.kindergarten(self.locality)
        self.group = factory.group(self.kindergarten, capacity=capacity)

    # --- people, made on first use ---------------------------------------------------------------

    @cached_property
    def parent(self):
        return self.factory.user("parent")

    @property
    def parent_actor(self) -> Actor:
        return Actor.of(self.parent)

    @cached_property
    def other_parent(self):
        return self.factory.user("parent")

    @cached_property
    def staff(self) -> Actor:
        return self.staff_of(self.kindergarten)

    @cached_property
    def department(self) -> Actor:
        return self.department_of(self.district)

    def staff_of(self, kindergarten) -> Actor:
        return self.factory.staff(kindergarten)[1]

    def department_of(self, district) -> Actor:
        return self.factory.department(district)[1]

    # --- places -----------------------------------------------------------------------------------

    def kindergarten_with_group(self, name: str, capacity: int = 25, locality=None):
        kindergarten = self.factory.kindergarten(locality or self.locality, name=name)
        return kindergarten, self.factory.group(kindergarten, capacity=capacity)

    def bulletin(self, places: int = 1, group=None, staff: Actor | None = None, publish: bool = True,
                 commit: bool = True) -> Bulletin:
        """A bulletin by the group's own kindergarten; committed, so distribution has run."""
        group = group or self.group
        if staff is None:
            staff = self.staff if group.kindergarten_id == self.kindergarten.id else \
                self.staff_of(group.kindergarten)
        bulletin = bulletins.create(self.session, group.id, places, staff, clock.now())
        if publish:
            bulletins.publish(self.session, bulletin.id, staff, clock.now())
        if commit:
            tasks.commit(self.session)
        return bulletin

    # --- applications -----------------------------------------------------------------------------

    def child(self, parent=None, birth_date=date(2022, 5, 17), sex="M", name="Алихан", surname="Сейітов"):
        return self.factory.child(parent=parent or self.parent, birth_date=birth_date, sex=sex, name=name,
                                  surname=surname)

    def submit(self, parent=None, locality=None, kindergartens=(), privileges=(), at=None, birth_date=None,
               language="kk", step=timedelta(seconds=1)) -> Application:
        """One application; the clock moves on by ``step`` so that submission times differ."""
        kw = {"birth_date": birth_date} if birth_date else {}
        child = self.child(parent=parent, **kw)
        application = self.factory.application(locality or self.locality, child=child, language=language,
                                               kindergartens=kindergartens, privileges=privileges, at=at)
        if step:
            clock.advance(step)
        return application

    def submit_many(self, count: int, **kw) -> list[Application]:
        return [self.submit(**kw) for _ in range(count)]

    def commit(self) -> None:
        tasks.commit(self.session)

    def reload(self, obj):
        """``obj`` as stored (pending changes are flushed first, never silently dropped)."""
        self.session.flush()
        self.session.expire_all()
        return self.session.get(type(obj), obj.id)

    def actor_of(self, application) -> Actor:
        return Actor.of(application.child.parent)

    # --- bringing one application to a state, through the services -------------------------------

    def new_segment(self, name: str):
        """Another locality with its own kindergarten and group: a queue of its own."""
        locality = self.factory.locality(self.district, name=name)
        kindergarten = self.factory.kindergarten(locality, name=name)
        return locality, self.factory.group(kindergarten)

    def bring_to(self, state: str, own_segment: str | None = None) -> tuple[Application, Bulletin | None]:
        """A fresh application in ``state`` (through the services), with the bulletin of its seat.

        It must be alone in its segment: pass ``own_segment`` (a name) when others already wait here.
        Staff steps are taken by the department when the segment is not the world's own.
        """
        locality, group, staff = self.locality, self.group, None
        if own_segment:
            locality, group = self.new_segment(own_segment)
            staff = self.department
        application = self.submit(locality=locality)
        self.commit()
        if state == "queued":
            return self.reload(application), None
        if state == "inactive":
            clock.set(almaty(2027, 10, 1, 0, 0))
            applications.deactivate(self.session, application.id, clock.now())
            self.commit()
            return self.reload(application), None
        if state == "aged_out":
            clock.set(almaty(2028, 9, 1, 0, 0))
            applications.age_out(self.session, application.id, clock.now())
            self.commit()
            return self.reload(application), None
        bulletin = self.bulletin(places=1, group=group, staff=staff)
        staff = staff or self.staff
        parent = self.actor_of(application)
        steps = {
            "invited": [],
            "stop_listed": [lambda: invitations.decline(self.session, application.id, parent, clock.now())],
            "responded": [lambda: invitations.respond(self.session, application.id, parent, clock.now())],
        }
        steps["referred"] = steps["responded"] + [
            lambda: referrals.activate(self.session, application.id, staff, clock.now())]
        steps["enrolled"] = steps["referred"] + [
            lambda: referrals.enrol(self.session, application.id, staff, clock.now())]
        for step in steps[state]:
            step()
            self.commit()
        application = self.reload(application)
        assert application.status == state
        return application, self.reload(bulletin)


# --- look-ups -------------------------------------------------------------------------------------

def events_of(session, application) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.application == application.number).order_by(AuditEvent.seq)
    ))


def last_event(session, application) -> AuditEvent:
    return events_of(session, application)[-1]


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    ))


def moved(event: AuditEvent) -> tuple:
    """An audit event as the transition it records: (action, from, to)."""
    return (event.action, event.from_status, event.to_status)


def notifications_of(session, application, event: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.application_id == application.id)
    if event:
        stmt = stmt.where(Notification.event == event)
    return list(session.scalars(stmt.order_by(Notification.id)))


def live_seat(session, application) -> Seat | None:
    return seats.active_seat(session, application.id)


def seats_of(session, application) -> list[Seat]:
    return list(session.scalars(select(Seat).where(Seat.application_id == application.id).order_by(Seat.id)))


def active_seat_count(session, bulletin_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Seat)
        .where(Seat.bulletin_id == bulletin_id, Seat.state.in_(ACTIVE_SEAT_STATES))
    )


def claimed(session, bulletin_id: int) -> int:
    return session.scalar(select(Bulletin.claimed).where(Bulletin.id == bulletin_id))


def enrolled(session, group_id: int) -> int:
    return session.scalar(select(Group.enrolled).where(Group.id == group_id))


def status_of(session, application) -> str:
    """The stored status, read without expiring what the session holds unflushed."""
    return session.scalar(select(Application.status).where(Application.id == application.id))


def statuses(session, applications_) -> list[str]:
    session.flush()
    session.expire_all()
    return [session.get(Application, a.id).status for a in applications_]


def segment_of(world: World, language: str = "kk", birth_year: int = 2022) -> Segment:
    return Segment(world.locality.id, language, birth_year)


def snapshot(session) -> dict:
    """Everything a repeated run must leave alone: statuses, seats, bulletins, outbox, audit head."""
    session.flush()
    session.expire_all()
    head = audit.head(session)
    return {
        "applications": session.execute(
            select(Application.id, Application.status, Application.tier, Application.stop_listed_until,
                   Application.interest_year, Application.submitted_at).order_by(Application.id)).all(),
        "seats": session.execute(
            select(Seat.id, Seat.application_id, Seat.bulletin_id, Seat.state, Seat.deadline_at,
                   Seat.release_reason).order_by(Seat.id)).all(),
        "bulletins": session.execute(select(Bulletin.id, Bulletin.claimed, Bulletin.status)
                                     .order_by(Bulletin.id)).all(),
        "notifications": session.scalar(select(func.count()).select_from(Notification)),
        "audit_head": (head.seq, head.hash) if head else None,
    }
