"""The policy simulator's replay: under the district's own ratio it reproduces what happened; under
another rule it changes what the queue order changes, and nothing else."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.models import Application, Bulletin, Seat
from webapp.services import clock, invitations, privileges, referrals, simulator, simulator_history

from .helpers import World
from .simulated_year import START, build_year, categories

DAY = timedelta(days=1)


@pytest.fixture
def world(factory):
    categories(factory)
    world = World(factory, priority_ratio=1, capacity=30)
    world.commit()
    return world


def _history(world, start=None):
    end = clock.now()
    return simulator_history.read(world.session, world.district.id, start or end - timedelta(days=365), end)


def _enrolled_in_reality(session) -> dict:
    """Straight from the seats (not the audit chain): who was enrolled, in which bulletin."""
    return dict(session.execute(
        select(Application.number, Seat.bulletin_id).join(Seat, Seat.application_id == Application.id)
        .where(Seat.state == "filled")
    ).all())


def test_replaying_under_the_own_ratio_reproduces_what_happened(world, session):
    year = build_year(world)
    names = {a.number: name for name, a in year["applications"].items()}
    history = _history(world)

    real = simulator.actual(history)
    replayed = simulator.replay(history, world.district.priority_ratio)

    reality = _enrolled_in_reality(session)
    assert sorted(names[n] for n in reality) == ["E1", "O1", "P1", "P2"]
    assert {n: p.bulletin_id for n, p in real.placements.items()} == reality
    # The same children, in the same seats, with the same waits: placement for placement.
    assert replayed.placements == real.placements
    assert replayed.invitations == real.invitations == 7  # E1, P1, O1 twice, O2, P2, P1 again
    assert replayed.by_tier() == real.by_tier()
    by_tier = real.by_tier()
    assert [by_tier[t]["placed"] for t in simulator.TIERS] == [1, 2, 1]
    e1 = year["applications"]["E1"]
    assert by_tier["extraordinary"]["median_wait_days"] == pytest.approx(
        (real.placements[e1.number].invited_at - e1.submitted_at).total_seconds() / 86400)


def test_a_window_opening_mid_history_rebuilds_the_seats_and_still_reproduces_it(world, session):
    year = build_year(world)
    bulletin_2 = year["bulletins"][1]
    # The window opens after bulletin 2 was published and P2 invited: those seats come from history.
    opened = session.get(Bulletin, bulletin_2.id).published_at + timedelta(hours=1)
    history = _history(world, start=opened)

    real = simulator.actual(history)
    replayed = simulator.replay(history, world.district.priority_ratio)

    numbers = {a.number: name for name, a in year["applications"].items()}
    assert sorted(numbers[n] for n in real.placements) == ["P1", "P2"]  # E1 and O1 were placed before
    assert replayed.placements == real.placements


def test_strict_tiers_put_every_priority_child_before_the_ordinary_ones(factory, session):
    # k = 2 in reality: P1, O1, O2, P2. Strict tiers: P1, P2, O1, O2. Three places, everyone accepts.
    categories(factory)
    world = World(factory, priority_ratio=2)
    world.commit()
    t0 = START
    made = {}
    for day, name in enumerate(("O1", "O2", "P1", "P2")):
        clock.set(t0 + day * DAY)
        made[name] = world.submit(privileges=["large_family"] if name.startswith("P") else (), step=None)
        world.commit()
    clock.set(t0 + 4 * DAY)
    for name in ("P1", "P2"):
        privileges.verify_claim(session, made[name].claims[0].id, world.department, clock.now())
        world.commit()
    clock.set(t0 + 10 * DAY)
    bulletin = world.bulletin(places=3)
    for name in ("P1", "O1", "O2"):
        clock.advance(timedelta(hours=1))
        parent = world.actor_of(made[name])
        invitations.respond(session, made[name].id, parent, clock.now())
        referrals.activate(session, made[name].id, world.staff, clock.now())
        referrals.enrol(session, made[name].id, world.staff, clock.now())
        world.commit()
    clock.set(t0 + 30 * DAY)
    history = _history(world)

    real = simulator.actual(history).by_tier()
    strict = simulator.replay(history, 0)
    by_tier = strict.by_tier()

    # Reality: P1 waited 8 days; O1 10 and O2 9 (median 9.5).
    assert real["priority"] == {"placed": 1, "median_wait_days": 8.0}
    assert real["ordinary"] == {"placed": 2, "median_wait_days": 9.5}
    # Strict tiers: P1 (8 days) and P2 (7 days, never invited in reality: assumed to accept), then
    # O1 (10 days); O2 gets no place.
    assert by_tier["priority"] == {"placed": 2, "median_wait_days": 7.5}
    assert by_tier["ordinary"] == {"placed": 1, "median_wait_days": 10.0}
    assert {p.bulletin_id for p in strict.placements.values()} == {bulletin.id}
    numbers = {a.number: name for name, a in made.items()}
    assert sorted(numbers[n] for n in strict.placements) == ["O1", "P1", "P2"]
    # And k = 2 itself gives back reality.
    assert simulator.replay(history, 2).by_tier() == real


def test_strict_tiers_on_the_year_move_seats_and_each_child_answers_as_in_reality(world, session):
    # Strict tiers: E1, P1, P2, O1, O2, O3. When P1 declines bulletin 1 (as in reality) the place goes
    # to P2 instead of O1; P2 takes it (as it took its one real invitation). Bulletin 2 then goes to
    # O1, whose first response is turned down again (its first real invitation) and who is invited
    # again at once and enrolled. O2, who let its real invitation lapse, is never invited.
    year = build_year(world)
    a = year["applications"]
    bulletin_1, bulletin_2, bulletin_3 = (b.id for b in year["bulletins"])
    history = _history(world)
    strict = simulator.replay(history, 0)

    assert {n: p.bulletin_id for n, p in strict.placements.items()} == {
        a["E1"].number: bulletin_1, a["P2"].number: bulletin_1, a["O1"].number: bulletin_2,
        a["P1"].number: bulletin_3}
    declined = next(e.at for e in history.applications[a["P1"].number].events if e.action == "invitation.declined")
    assert strict.placements[a["P2"].number].invited_at == declined
    published_2 = next(e.at for e in history.bulletin_events
                       if e.action == "bulletin.published" and e.data["bulletin_id"] == bulletin_2)
    rejected_delay = _course_step(history, a["O1"], "response.rejected")
    assert strict.placements[a["O1"].number].invited_at == published_2 + rejected_delay
    assert strict.invitations == 6  # E1, P1, P2, O1 twice, P1 again
    real, by_tier = simulator.actual(history).by_tier(), strict.by_tier()
    assert [by_tier[t]["placed"] for t in simulator.TIERS] == [real[t]["placed"] for t in simulator.TIERS]
    assert by_tier["priority"]["median_wait_days"] < real["priority"]["median_wait_days"]
    assert by_tier["ordinary"]["median_wait_days"] > real["ordinary"]["median_wait_days"]


def _course_step(history, application, action):
    """How long after its first invitation the application took ``action`` in reality."""
    [(invited_at, _, steps), *_] = simulator.real_courses(history.applications[application.number])
    return next(delay for delay, _, event in steps if event.action == action)


def test_the_ordering_is_the_engines_own(world, session):
    """The replay walks the queue with the engine's merge: the interleave of DESIGN §4."""
    order = list(simulator._merged(iter(["E1"]), iter(["P1", "P2"]), iter(["O1", "O2", "O3"]), 2))
    assert order == ["E1", "P1", "O1", "O2", "P2", "O3"]
    assert list(simulator._merged(iter([]), iter(["P1", "P2"]), iter(["O1"]), 0)) == ["P1", "P2", "O1"]
