"""The last days before "now", played through the real services with the clock moved step by step.

Bulk rows hold the past up to the horizon; from there bulletins are published, parents respond or
decline, kindergartens activate, reject and enrol, deadlines lapse and the sweep runs, exactly as
in production, so seats, ``bulletin.claimed``, group ``enrolled`` and the audit chain agree.
The horizon is at most 14 days back and never before the last 1 September or 1 October, so the
big yearly transitions (ageing out, deactivation) are always in the bulk part.
"""
from datetime import date, datetime, time, timedelta
from itertools import cycle
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from .. import jobs
from ..models import Application, Bulletin, Child, Group, Kindergarten, PrivilegeClaim, Seat, User
from ..services import (
    applications, bulletins, children, clock, iin, invitations, privileges, referrals, sweep, tasks,
)
from ..services.actors import Actor
from ..services import queue
from ..services.queue import Segment, page
from . import names

WINDOW = timedelta(days=14)
ROLES = ("enrol", "refer", "respond", "decline", "reject", "expire")  # what each invited parent does
NEWCOMER_PHONE = "+7700000{:04d}"  # +77000002001 …
FIRST_BULLETINS, LAST_BULLETINS = 5, 3  # besides the demo kindergarten's bulletin
NEWCOMERS = 3  # families who apply in the last days, through the services


def horizon(now: datetime, calendar) -> datetime:
    start = now - WINDOW
    local = now.astimezone(calendar.zone)
    for month in (9, 10):
        boundary = datetime.combine(date(local.year, month, 1), time(0), tzinfo=calendar.zone)
        if start < boundary <= now:
            start = boundary
    return start


class Player:
    def __init__(self, session, world, rng, start: datetime, end: datetime, demo_parent_id: int):
        self.session, self.world, self.rng = session, world, rng
        self.demo_parent_id = demo_parent_id
        self.start, self.end = start, end
        self.shift = timedelta(0)
        self.roles: dict[int, str] = {}
        self.used_segments: set = set()

    def play(self, demo_application_id: int) -> None:
        tasks.set_runner(self._run)
        try:
            self._steps(demo_application_id)
        finally:
            clock.advance(-self.shift)
            jobs.init_app(current_app)

    def _steps(self, demo_application_id: int) -> None:
        ranking = self._segments_by_queue()
        self._move(0.02)
        self._decide_claims()
        self._move(0.04)
        demo_segment = self._segment_of(demo_application_id)
        # The demo parent's other children: one will decline its invitation (stop-listed at "now"),
        # the youngest is invited at the very end (so every step of the cabinet's wizard shows).
        declining, late_invited = self._demo_family_waiting(demo_application_id)
        demo_kg = self.world.demo_kindergarten_id
        first = [(demo_segment, demo_kg, 4)]
        if declining is not None:
            first.append((self._segment_of(declining), demo_kg, self._places_to_reach(declining)))
        if late_invited is not None:
            self._segment_of(late_invited)  # kept for the end: no earlier bulletin in its queue
        first += [(s, None, None) for s in self._next_segments(ranking, FIRST_BULLETINS)]
        invited = self._publish(first)
        self._assign_roles(invited, demo_application_id)
        if declining in self.roles:
            self.roles[declining] = "decline"
        self._move(0.10)
        self._act(("enrol", "refer", "respond", "reject"), self._respond)
        self._act(("decline",), self._decline)
        self._move(0.60)
        sweep.run(self.session, clock.now())  # unanswered invitations lapse into the stop-list
        # Late enough that the 5 working days for the contract have not run out by "now".
        self._move(0.70)
        self._act(("enrol", "refer"), self._activate)
        self._act(("reject",), self._reject)
        self._move(0.75)
        self._act(("enrol",), self._enrol)
        self._move(0.80)
        self._newcomers(NEWCOMERS)
        self._parents_act()
        self._move(0.95)
        last = [(s, None, None) for s in self._next_segments(ranking, LAST_BULLETINS)]
        if late_invited is not None:
            last.insert(0, (self._segment_of(late_invited), demo_kg, self._places_to_reach(late_invited)))
        self._publish(last)
        self._move(1.0)
        sweep.run(self.session, clock.now())

    # --- time and jobs ----------------------------------------------------------------------------

    def _move(self, fraction: float) -> None:
        target = self.start + (self.end - self.start) * fraction
        delta = target - clock.now()
        clock.advance(delta)
        self.shift += delta

    def _run(self, name: str, args: tuple) -> None:
        """Distribution runs at once, at the demo's moment; deliveries and deadline jobs are skipped
        (demo messages stay in the outbox, and the sweep enforces every deadline)."""
        if name == "distribute_segment":
            jobs.distribute_segment(*args)

    def _commit(self) -> None:
        tasks.commit(self.session)

    # --- bulletins and invitations ----------------------------------------------------------------

    def _segments_by_queue(self) -> list[Segment]:
        rows = self.session.execute(
            select(Application.locality_id, Application.language, Application.birth_year, func.count())
            .where(Application.district_id == self.world.district_id, Application.waiting.is_(True))
            .group_by(Application.locality_id, Application.language, Application.birth_year)
        ).all()
        rows.sort(key=lambda r: (-r[3], r[0], r[1], r[2]))
        return [Segment(loc, lang, year) for loc, lang, year, _ in rows]

    def _next_segments(self, ranking: list[Segment], count: int) -> list[Segment]:
        chosen = [s for s in ranking if s not in self.used_segments][:count]
        self.used_segments.update(chosen)
        return chosen

    def _demo_family_waiting(self, demo_application_id: int) -> tuple[int | None, int | None]:
        """The demo parent's queued Kazakh-language applications other than the referred one:
        (the older child's, the youngest child's)."""
        rows = self.session.scalars(
            select(Application.id).join(Child, Child.id == Application.child_id)
            .where(Child.parent_id == self.demo_parent_id, Application.status == "queued",
                   Application.language == "kk", Application.id != demo_application_id)
            .order_by(Child.birth_date)).all()
        return (rows[0] if rows else None), (rows[-1] if len(rows) > 1 else None)

    def _places_to_reach(self, application_id: int) -> int:
        """Enough places for everyone ahead and the application itself: the invitation stays fair."""
        explanation = queue.explain(self.session, self.session.get(Application, application_id))
        return explanation.position if explanation else 1

    def _segment_of(self, application_id: int) -> Segment:
        segment = Segment.of(self.session.get(Application, application_id))
        self.used_segments.add(segment)
        return segment

    def _publish(self, plans) -> list[int]:
        """Publish one bulletin per (segment, kindergarten or None, places or None); the invited ids."""
        published = []
        for segment, kindergarten_id, places in plans:
            group = self._group_for(segment, kindergarten_id)
            if group is None:
                continue
            staff = self._staff(group.kindergarten_id)
            free = bulletins.announceable_places(self.session, group)
            bulletin = bulletins.create(self.session, group.id, min(places or self.rng.randint(2, 4), free),
                                        staff, clock.now())
            bulletins.publish(self.session, bulletin.id, staff, clock.now())
            self._commit()  # distribution runs after the commit
            published.append(bulletin.id)
        return list(self.session.scalars(
            select(Seat.application_id).where(Seat.bulletin_id.in_(published), Seat.state == "reserved")
            .order_by(Seat.id)
        ))

    def _group_for(self, segment: Segment, kindergarten_id: int | None) -> Group | None:
        """A group of the segment with free places, preferably one the first queued parents asked for."""
        wanted = [kindergarten_id] if kindergarten_id else []
        if not wanted:
            _, rows = page(self.session, segment, 1, 20)
            for _, application in rows:
                wanted += [k for k in application.preferred_kindergarten_ids if k not in wanted]
        candidates = self.session.scalars(
            select(Group).join(Kindergarten, Kindergarten.id == Group.kindergarten_id)
            .where(Kindergarten.locality_id == segment.locality_id, Group.language == segment.language,
                   Group.birth_year == segment.birth_year).order_by(Group.id)
        ).all()
        by_kindergarten = {g.kindergarten_id: g for g in candidates}
        ordered = [by_kindergarten[k] for k in wanted if k in by_kindergarten] + candidates
        return next((g for g in ordered if bulletins.announceable_places(self.session, g) > 0), None)

    def _assign_roles(self, invited: list[int], demo_application_id: int) -> None:
        roles = cycle(ROLES)
        for application_id in invited:
            self.roles[application_id] = "refer" if application_id == demo_application_id else next(roles)

    def _act(self, roles: tuple, action) -> None:
        for application_id, role in sorted(self.roles.items()):
            if role in roles:
                action(self.session.get(Application, application_id))
                self._commit()

    def _respond(self, application) -> None:
        invitations.respond(self.session, application.id, self._parent(application), clock.now())

    def _decline(self, application) -> None:
        invitations.decline(self.session, application.id, self._parent(application), clock.now())

    def _activate(self, application) -> None:
        referrals.activate(self.session, application.id, self._staff_of(application), clock.now())

    def _reject(self, application) -> None:
        referrals.reject(self.session, application.id, self._staff_of(application), clock.now(),
                         names.RESPONSE_REJECTION)

    def _enrol(self, application) -> None:
        referrals.enrol(self.session, application.id, self._staff_of(application), clock.now())

    # --- parents and the department ---------------------------------------------------------------

    def _decide_claims(self) -> None:
        """The department works through the oldest pending claims: two verified, one rejected."""
        department = Actor.of(self.session.get(User, self.world.department_id))
        pending = self.session.scalars(
            select(PrivilegeClaim.id).join(Application, Application.id == PrivilegeClaim.application_id)
            .where(PrivilegeClaim.status == "pending", Application.status == "queued").order_by(PrivilegeClaim.id)
            .limit(6)
        ).all()
        for number, claim_id in enumerate(pending[:len(pending) // 2]):  # the rest still waits at "now"
            if number < 2:
                privileges.verify_claim(self.session, claim_id, department, clock.now())
            else:
                privileges.reject_claim(self.session, claim_id, department, clock.now(), names.REJECTION_REASONS[0])
            self._commit()

    def _newcomers(self, count: int) -> None:
        """Families who register and apply these days, through the same services as the web forms."""
        centre = self.world.localities[0]
        for number in range(count):
            family = names.KAZAKH_SURNAMES[10 + number]
            father = names.KAZAKH_FATHERS[10 + number]
            parent = User(phone=NEWCOMER_PHONE.format(2001 + number), password_hash=self.world.parent_hash,
                          role="parent", full_name=f"{names.feminine(family)} {names.KAZAKH_MOTHERS[number]} Болатқызы",
                          language="kk", phone_verified=True, created_at=clock.now())
            self.session.add(parent)
            self.session.flush()
            born = date(self.world.year - 1, 1 + number % 12, 10 + number % 15)
            sex = "F" if number % 2 else "M"
            surname, given = (names.feminine(family), names.KAZAKH_GIRLS[number]) if sex == "F" else (
                family, names.KAZAKH_BOYS[number])
            child = children.add(self.session, parent, self._free_iin(born, sex), surname, given, born, sex,
                                 clock.now(), patronymic=father + ("қызы" if sex == "F" else "ұлы"))
            applications.submit(self.session, Actor.of(parent), child.id, centre, "kk", clock.now())
            self._commit()

    def _free_iin(self, born: date, sex: str) -> str:
        for serial in range(9000, 10000):
            number = iin.make(born, sex, serial)
            if number and self.session.scalar(select(Child.id).where(Child.iin == number)) is None:
                return number
        raise RuntimeError("no free IIN serial left for the demo newcomers")

    def _parents_act(self) -> None:
        """One parent withdraws; in January–September a few confirm interest and one reactivates."""
        others = Application.child_id.not_in(select(Child.id).where(Child.parent_id == self.demo_parent_id))
        leaving = self.session.scalars(
            select(Application).where(Application.district_id == self.world.district_id,
                                      Application.status == "queued", others)
            .order_by(Application.id.desc()).offset(30).limit(1)
        ).first()
        if leaving is not None:
            applications.withdraw(self.session, leaving.id, self._parent(leaving), clock.now(),
                                  reason="Семья переехала в другой район")
            self._commit()
        today = clock.now().astimezone(ZoneInfo(self.world.timezone)).date()
        if today.month > applications.INTEREST_LAST_MONTH:
            return
        late = self.session.scalars(
            select(Application).where(Application.district_id == self.world.district_id, others,
                                      Application.status == "queued", Application.interest_year < today.year)
            .order_by(Application.id).limit(3)
        ).all()
        inactive = self.session.scalars(
            select(Application).where(Application.district_id == self.world.district_id, others,
                                      Application.status == "inactive").order_by(Application.id).limit(1)
        ).all()
        for application in [*late, *inactive]:
            applications.confirm_interest(self.session, application.id, self._parent(application), clock.now())
            self._commit()

    # --- actors -----------------------------------------------------------------------------------

    def _parent(self, application) -> Actor:
        return Actor.of(application.child.parent)

    def _staff(self, kindergarten_id: int) -> Actor:
        return Actor.of(self.session.get(User, self.world.staff[kindergarten_id]))

    def _staff_of(self, application) -> Actor:
        bulletin_id = self.session.scalar(
            select(Seat.bulletin_id).where(Seat.application_id == application.id, Seat.state != "released")
        )
        return self._staff(self.session.get(Bulletin, bulletin_id).kindergarten_id)
