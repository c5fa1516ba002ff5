"""Movement explained (services.movement): real histories through the services, month by month,
against a brute force that replays the raw audit events and computes positions with
queue.position at every month boundary."""
import json
import itertools
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from webapp import demo
from webapp.models import (
    WAITING, Application, AuditEvent, District, MovementChange, MovementTotal, PrivilegeClaim,
)
from webapp.services import (
    applications, clock, invitations, movement, movement_log, privileges, queue, referrals, sweep, tasks,
)
from webapp.services.errors import DomainError
from webapp.services.queue import Counts, Segment

from ..conftest import DEFAULT_NOW
from .helpers import ALMATY, World, almaty

TIERS = ("extraordinary", "priority", "ordinary")
ORDER = (("submitted", "new_applications"), ("returned", "came_in_ahead"), ("privilege", "privileges"),
         ("invited_or_placed", "invited_or_placed"), ("left", "left"))
SERIAL = itertools.count(1)
ACTIONS = ("submit", "submit_priority", "submit_extraordinary", "verify", "bulletin", "respond", "decline",
           "reject", "withdraw", "confirm", "nothing")
WEIGHTED = ACTIONS + ("submit", "submit", "submit_priority", "verify", "verify", "respond", "respond", "reject")


# --- the brute force -----------------------------------------------------------------------------------

def _kind(action, from_status, to_status) -> str | None:
    """Written here from the statuses alone, independently of services.movement_log."""
    was, is_ = from_status in WAITING, to_status in WAITING
    if action == "application.tier_changed":
        return "privilege" if was and is_ else None
    if was and not is_:
        return "invited_or_placed" if to_status == "responded" else "left"
    if is_ and not was:
        return "returned" if from_status else "submitted"
    return None


class Replay:
    """Every public event of one segment, replayed from the start of the chain."""

    def __init__(self, session, segment: Segment):
        keys = {number: (submitted_at, number) for number, submitted_at in session.execute(
            select(Application.number, Application.submitted_at).where(
                Application.locality_id == segment.locality_id, Application.language == segment.language,
                Application.birth_year == segment.birth_year))}
        self.keys = keys
        self.events = [
            (clock.parse(at), number, action, from_status, to_status, json.loads(data))
            for at, number, action, from_status, to_status, data in session.execute(
                select(AuditEvent.at, AuditEvent.application, AuditEvent.action, AuditEvent.from_status,
                       AuditEvent.to_status, AuditEvent.data).order_by(AuditEvent.seq))
            if number in keys
        ]

    def state(self, before: datetime | None) -> dict:
        """{number: tier} of the waiting applications just before ``before`` (None: now)."""
        tiers, waiting = {}, set()
        for at, number, action, _, to_status, data in self.events:
            if before is not None and at >= before:
                break
            tiers.setdefault(number, "ordinary")  # a submission's claims are still pending
            if action == "application.tier_changed":
                tiers[number] = data["to_tier"]
            (waiting.add if to_status in WAITING else waiting.discard)(number)
        return {number: tiers[number] for number in waiting}

    def position(self, state: dict, number: str, k: int) -> int:
        tier = state[number]
        counts = Counts(*(sum(1 for t in state.values() if t == each) for each in TIERS))
        rank = 1 + sum(1 for other, t in state.items() if t == tier and self.keys[other] < self.keys[number])
        return queue.position(tier, rank, counts, k)

    def parts(self, number: str, start: datetime, end: datetime | None, k: int) -> dict:
        """The documented rule, on raw events: own tier change first, then the others' net changes
        one kind at a time, reading the position after each."""
        first, last = self.state(start), self.state(end)
        tier_s, tier_e = first[number], last[number]
        counts = {t: sum(1 for x in first.values() if x == t) for t in TIERS}
        ahead = {t: sum(1 for o, x in first.items() if x == t and self.keys[o] < self.keys[number]) for t in TIERS}
        deltas, ahead_deltas = defaultdict(int), defaultdict(int)
        tiers = self._tiers_before(start)
        for at, other, action, from_status, to_status, data in self.events:
            if at < start:
                continue
            if end is not None and at >= end:
                break
            tier = tiers.get(other, "ordinary")
            kind = _kind(action, from_status, to_status)
            if action == "application.tier_changed":
                tiers[other] = data["to_tier"]
            if other == number or kind is None:
                continue
            sign = -1 if kind in ("invited_or_placed", "left") else 1
            changed = [(data["from_tier"], -1), (data["to_tier"], 1)] if kind == "privilege" else [(tier, sign)]
            for t, d in changed:
                deltas[(kind, t)] += d
                if self.keys[other] < self.keys[number]:
                    ahead_deltas[(kind, t)] += d

        def at_state(tier):
            return queue.position(tier, ahead[tier] + 1, Counts(*(counts[t] for t in TIERS)), k)

        previous = at_state(tier_s)
        counts[tier_s] -= 1
        counts[tier_e] += 1
        current = at_state(tier_e)
        result = {"own_privilege": current - previous}
        for kind, name in ORDER:
            previous = current
            for t in TIERS:
                counts[t] += deltas[(kind, t)]
                ahead[t] += ahead_deltas[(kind, t)]
            current = at_state(tier_e)
            result[name] = previous - current if name in ("invited_or_placed", "left") else current - previous
        return result

    def _tiers_before(self, moment: datetime) -> dict:
        tiers = {}
        for at, number, action, _, _, data in self.events:
            if at >= moment:
                break
            tiers.setdefault(number, "ordinary")
            if action == "application.tier_changed":
                tiers[number] = data["to_tier"]
        return tiers


def month_starts(now: datetime) -> list[datetime]:
    local = now.astimezone(ALMATY).date()
    year, month, found = local.year, local.month, []
    for _ in range(12):
        found.append(datetime.combine(date(year, month, 1), time(0), tzinfo=ALMATY).astimezone(timezone.utc))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def check_against_replay(session, world, segment: Segment) -> int:
    """movement.of for every application of the segment equals the brute force; returns how many
    explained months were compared."""
    now = clock.now()
    replay = Replay(session, segment)
    k = world.district.priority_ratio
    starts = month_starts(now)
    bounds = starts + [None]
    states = [replay.state(b) for b in bounds]
    compared = 0
    everyone = session.scalars(select(Application).where(Application.locality_id == segment.locality_id)).all()
    open_months = {a.id: movement.of(session, a, now) for a in everyone}
    movement_log.close_months(session, now)  # the daily job: past months answered from running sums
    tasks.commit(session)
    for application in everyone:
        explanation = queue.explain(session, application)
        months = movement.of(session, application, now, explanation)
        assert months == open_months[application.id] == movement.of(session, application, now)
        assert [m.month for m in months] == [s.astimezone(ALMATY).date() for s in starts]
        for i, month in enumerate(months):
            expected_start = replay.position(states[i], application.number, k) \
                if application.number in states[i] else None
            expected_end = replay.position(states[i + 1], application.number, k) \
                if application.number in states[i + 1] else None
            assert (month.position_start, month.position_end) == (expected_start, expected_end), (
                application.number, month)
            if month.explained:
                expected = replay.parts(application.number, bounds[i], bounds[i + 1], k)
                got = {name: getattr(month, name) for name in expected}
                assert got == expected, (application.number, month.month)
                assert month.position_start + sum(effect for _, effect in month.parts()) == month.position_end
                assert month.invited_or_placed >= 0 and month.left >= 0
                assert month.new_applications >= 0 and month.came_in_ahead >= 0
                compared += 1
        assert months[-1].position_end == (explanation.position if explanation else None)
    return compared


# --- driving a segment through the services -------------------------------------------------------------

class Driver:
    """Random but reproducible steps through the services in one segment of its own."""

    def __init__(self, world: World, session, name: str):
        self.world, self.session = world, session
        self.locality, self.group = world.new_segment(name)
        self.segment = Segment(self.locality.id, "kk", 2022)
        self.department = world.department

    def applications(self, *statuses):
        return list(self.session.scalars(
            select(Application).where(Application.locality_id == self.locality.id,
                                      Application.status.in_(statuses)).order_by(Application.id)))

    def do(self, action: str, pick: int) -> None:
        session, world, now = self.session, self.world, clock.now()
        try:
            if action.startswith("submit"):
                claim = {"submit_priority": ["large_family"], "submit_extraordinary": ["disability"]}.get(action, [])
                world.submit(locality=self.locality, privileges=claim)
            elif action == "verify":
                claims = list(session.scalars(select(PrivilegeClaim).join(Application).where(
                    Application.locality_id == self.locality.id, PrivilegeClaim.status == "pending")))
                if claims:
                    claim = claims[pick % len(claims)]
                    until = (now + timedelta(days=40)).date() if pick % 3 == 0 else None  # some lapse later
                    privileges.verify_claim(session, claim.id, self.department, now, valid_until=until)
            elif action == "bulletin":
                world.bulletin(places=1 + pick % 3, group=self.group, staff=self.department)
            else:
                self._one(action, pick, now)
        except DomainError:
            session.rollback()
        world.commit()

    def _one(self, action: str, pick: int, now) -> None:
        statuses = {"respond": ("invited",), "decline": ("invited",), "reject": ("responded",),
                    "withdraw": ("queued", "invited", "stop_listed", "inactive", "responded"),
                    "confirm": ("inactive", "queued")}.get(action)
        candidates = self.applications(*statuses) if statuses else []
        if not candidates:
            return
        application = candidates[pick % len(candidates)]
        session, parent = self.session, self.world.actor_of(application)
        if action == "respond":
            invitations.respond(session, application.id, parent, now)
        elif action == "decline":
            invitations.decline(session, application.id, parent, now)
        elif action == "reject":
            referrals.reject(session, application.id, self.department, now, "documents missing")
        elif action == "withdraw":
            applications.withdraw(session, application.id, parent, now)
        elif action == "confirm":
            applications.confirm_interest(session, application.id, parent, now)

    def next_month(self, day: int = 3) -> None:
        """To ``day`` of the next month (09:00 Almaty), running the sweep on the way (stop-lists end,
        1 October deactivates the unconfirmed, lapsed privileges end)."""
        local = clock.now().astimezone(ALMATY)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        for moment in (almaty(year, month, 1, 0, 30), almaty(year, month, day, 9, 0)):
            clock.set(moment)
            sweep.run(self.session, moment)
            self.world.commit()


# --- tests -------------------------------------------------------------------------------------------

@pytest.fixture
def world(factory):
    world = World(factory)
    factory.privilege("disability", "extraordinary")
    factory.privilege("large_family", "priority")
    return world


def test_a_year_of_history_month_by_month_matches_the_replay(world, session):
    clock.set(almaty(2025, 11, 3, 9, 0))
    driver = Driver(world, session, "Жаңа")
    rng = random.Random(7)
    for action in ["submit"] * 8 + ["submit_priority"] * 5 + ["submit_extraordinary", "submit"] * 2:
        driver.do(action, rng.randrange(100))
    compared = 0
    for month in range(15):  # November 2025 – February 2027: a 1 October and a new year included
        driver.next_month(day=rng.randrange(2, 25))
        for _ in range(6):
            driver.do(rng.choice(WEIGHTED), rng.randrange(100))
        if month % 2 == 1 or month >= 11:
            compared += check_against_replay(session, world, driver.segment)
    assert compared > 100
    kinds = {kind for kind, in session.execute(select(MovementTotal.kind).distinct())}
    assert {"submitted", "returned", "privilege", "invited_or_placed", "left", "invited"} <= kinds
    months = {m.month: m for a in driver.applications("queued", "invited", "stop_listed")
              for m in movement.of(session, a, clock.now()) if m.explained}
    assert any(m.invited_or_placed > 0 for m in months.values())


def test_rebuild_from_the_chain_gives_the_same_tables(world, session):
    clock.set(almaty(2026, 1, 12, 9, 0))
    driver = Driver(world, session, "Көл")
    rng = random.Random(3)
    for action in ["submit"] * 5 + ["submit_priority", "submit_extraordinary"]:
        driver.do(action, rng.randrange(100))
    for _ in range(10):
        driver.next_month()
        for _ in range(4):
            driver.do(rng.choice(WEIGHTED), rng.randrange(100))
    kept = _tables(session)
    assert kept[1], "the history produced change rows"
    movement_log.rebuild(session, clock.now(), months=24)
    world.commit()
    assert _tables(session) == kept
    _check_running_sums(session, clock.now().astimezone(ALMATY).date().replace(day=1))
    check_against_replay(session, world, driver.segment)


def _check_running_sums(session, current_month: date) -> None:
    """Every row of a month before the current one carries the sum of its group up to itself."""
    groups = defaultdict(list)
    for row in session.scalars(select(MovementChange)):
        groups[(row.locality_id, row.tier, row.month, row.kind)].append(row)
    closed = 0
    for (_, _, month, _), rows in groups.items():
        running = 0
        for row in sorted(rows, key=lambda r: (r.submitted_at, r.number)):
            running += row.delta
            assert row.running == (running if month < current_month else None)
            closed += month < current_month
    assert closed > 10


def _tables(session):
    totals = sorted((r.locality_id, r.language, r.birth_year, r.month, r.tier, r.kind, r.count)
                    for r in session.scalars(select(MovementTotal)) if r.count or r.kind == "invited")
    changes = sorted((r.locality_id, r.tier, r.month, r.submitted_at, r.number, r.kind, r.delta)
                     for r in session.scalars(select(MovementChange)))
    return totals, changes


def test_a_month_without_waiting_has_no_parts(world, session):
    clock.set(almaty(2026, 3, 10, 9, 0))
    driver = Driver(world, session, "Тау")
    driver.do("submit", 0)
    application = driver.applications("queued")[0]
    driver.next_month()
    driver.do("withdraw", 0)
    driver.next_month()
    months = movement.of(session, application, clock.now())
    by_month = {m.month: m for m in months}
    assert by_month[date(2026, 3, 1)].position_start is None
    assert by_month[date(2026, 3, 1)].position_end == 1
    assert by_month[date(2026, 4, 1)].position_start == 1 and by_month[date(2026, 4, 1)].position_end is None
    assert not by_month[date(2026, 4, 1)].explained and by_month[date(2026, 4, 1)].parts() == []
    assert by_month[date(2026, 5, 1)] == movement.MonthMovement(date(2026, 5, 1), None, None)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=st.sampled_from(TIERS), steps=st.lists(
    st.tuples(st.sampled_from(WEIGHTED), st.integers(0, 99), st.booleans()), min_size=6, max_size=30))
def test_the_parts_always_add_up_to_the_change(world, session, start, steps):
    clock.set(almaty(2026, 2, 2, 9, 0))
    driver = Driver(world, session, f"Segment {next(SERIAL)}")
    first = {"extraordinary": "submit_extraordinary", "priority": "submit_priority"}.get(start, "submit")
    for action in (first, "submit", "submit_priority", "verify", "verify"):
        driver.do(action, 1)
    for action, pick, month_ends in steps:
        driver.do(action, pick)
        if month_ends:
            driver.next_month()
    for application in driver.applications(*sorted(WAITING), "responded", "inactive", "withdrawn"):
        for month in movement.of(session, application, clock.now()):
            if month.explained:
                assert month.position_start + sum(effect for _, effect in month.parts()) == month.position_end
                assert (month.position_start - month.invited_or_placed - month.left + month.came_in_ahead
                        + month.new_applications + month.privileges + month.own_privilege) == month.position_end




def test_the_demo_seeder_fills_the_tables_and_the_command_rebuilds_them(session, runner):
    clock.set(DEFAULT_NOW)
    demo.seed(session, applications=300, seed=5)
    seeded = _tables(session)
    assert seeded[0], "the bulk history (submissions, deactivations, privileges) is in the totals"
    session.execute(MovementChange.__table__.delete())
    session.execute(MovementTotal.__table__.delete())
    tasks.commit(session)
    result = runner.invoke(args=["movement", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt from" in result.output
    session.expire_all()
    assert _tables(session) == seeded
    largest = session.execute(
        select(Application.locality_id, Application.language, Application.birth_year)
        .where(Application.waiting.is_(True))
        .group_by(Application.locality_id, Application.language, Application.birth_year)
        .order_by(func.count().desc()).limit(1)).one()
    segment = Segment(*largest)
    _check_demo_segment(session, segment)


def _check_demo_segment(session, segment: Segment) -> None:
    """A few applications of the demo's largest segment against the replay."""
    k = session.scalar(select(District.priority_ratio))
    now = clock.now()
    replay = Replay(session, segment)
    bounds = month_starts(now) + [None]
    states = [replay.state(b) for b in bounds]
    waiting = session.scalars(select(Application).where(
        Application.locality_id == segment.locality_id, Application.language == segment.language,
        Application.birth_year == segment.birth_year, Application.waiting.is_(True))
        .order_by(Application.submitted_at)).all()
    for application in waiting[::max(1, len(waiting) // 8)]:
        for i, month in enumerate(movement.of(session, application, now)):
            expected = [replay.position(states[j], application.number, k)
                        if application.number in states[j] else None for j in (i, i + 1)]
            assert [month.position_start, month.position_end] == expected
            if month.explained:
                assert month.position_start + sum(e for _, e in month.parts()) == month.position_end
