"""The queue order and the position formula (DESIGN §4), against a brute-force ordering.

The brute force builds the order the way the design describes it — extraordinary first, then
P₁, O₁…Oₖ, P₂, Oₖ₊₁…O₂ₖ, … until one list runs out, then the rest of the other — and reads
positions off the list; the services answer with a closed formula over four counts instead.
"""
import random
from datetime import timedelta
from math import ceil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.models import WAITING, Application
from webapp.services import applications, clock, privileges, queue
from webapp.services.errors import InvalidInput
from webapp.services.queue import Counts, Segment

from .helpers import World

TIERS = ("extraordinary", "priority", "ordinary")


def brute_force_order(extraordinary: list, priority: list, ordinary: list, k: int) -> list:
    """Each list already in (submitted_at, number) order; returns the whole queue."""
    order = list(extraordinary)
    if k == 0:
        return order + list(priority) + list(ordinary)
    p, o = list(priority), list(ordinary)
    while p and o:
        order.append(p.pop(0))
        order.extend(o[:k])
        del o[:k]
    return order + p + o


# --- the closed formula against the brute force (no database) ------------------------------------

@settings(max_examples=300, deadline=None)
@given(e=st.integers(0, 12), p=st.integers(0, 25), o=st.integers(0, 40), k=st.sampled_from([0, 1, 2, 3, 5]),
       data=st.data())
def test_position_formula_matches_the_brute_force_interleave(e, p, o, k, data):
    segment = {tier: [(tier, r) for r in range(1, n + 1)] for tier, n in zip(TIERS, (e, p, o))}
    order = brute_force_order(segment["extraordinary"], segment["priority"], segment["ordinary"], k)
    counts = Counts(e, p, o)
    everyone = [item for tier in TIERS for item in segment[tier]]
    if not everyone:
        return
    picked = data.draw(st.lists(st.sampled_from(everyone), min_size=1, max_size=8, unique=True))
    for tier, rank in picked:
        expected = order.index((tier, rank)) + 1
        assert queue.position(tier, rank, counts, k) == expected
        before = order[:expected - 1]
        assert queue.ahead(tier, rank, counts, k) == {t: sum(1 for x in before if x[0] == t) for t in TIERS}


@settings(max_examples=200, deadline=None)
@given(e=st.integers(0, 6), p=st.integers(0, 15), o=st.integers(0, 25), k=st.sampled_from([0, 1, 2, 3, 5]),
       first=st.integers(1, 50), size=st.integers(1, 20))
def test_ranks_in_window_are_exactly_those_positioned_there(e, p, o, k, first, size):
    counts = Counts(e, p, o)
    order = brute_force_order([("extraordinary", r) for r in range(1, e + 1)],
                              [("priority", r) for r in range(1, p + 1)],
                              [("ordinary", r) for r in range(1, o + 1)], k)
    last = first + size - 1
    window = order[first - 1:last]
    for tier in TIERS:
        expected = [r for t, r in window if t == tier]
        assert list(queue.ranks_in_window(tier, counts, k, first, last)) == expected


def test_the_design_formulas_by_hand():
    # k = 3, E = 2, P = 2, O = 5: E1 E2 P1 O1 O2 O3 P2 O4 O5
    counts = Counts(2, 2, 5)
    assert [queue.position("priority", r, counts, 3) for r in (1, 2)] == [3, 7]
    assert [queue.position("ordinary", r, counts, 3) for r in range(1, 6)] == [4, 5, 6, 8, 9]
    assert queue.position("ordinary", 4, counts, 0) == 2 + 2 + 4
    assert queue.position("priority", 2, Counts(0, 5, 3), 2) == 2 + min(3, 2 * 1)
    assert queue.position("ordinary", 3, Counts(0, 1, 5), 2) == 3 + min(1, ceil(3 / 2))


# --- the database: page and explain against the brute force --------------------------------------

NON_WAITING = ("responded", "referred", "enrolled", "inactive", "aged_out", "withdrawn")


def _build_segment(world, session, rng):
    """Applications with random tiers, statuses and submission times (many equal, so the number
    breaks ties), plus a few in a neighbouring segment that must never show up."""
    world.factory.privilege("disability", "extraordinary")
    world.factory.privilege("large_family", "priority")
    moments = [clock.now() + timedelta(minutes=rng.randrange(20)) for _ in range(6)]
    built = []
    for _ in range(45):
        claim = rng.choice([None, None, "disability", "large_family"])
        application = world.submit(privileges=[claim] if claim else [], at=rng.choice(moments), step=None)
        decision = rng.random()
        if claim and decision < 0.7:
            privileges.verify_claim(session, application.claims[0].id, world.department, clock.now())
        elif claim and decision < 0.8:
            privileges.reject_claim(session, application.claims[0].id, world.department, clock.now(), "no")
        # (a pending claim stays pending: it must not move anyone)
        built.append(application)
    for application in built:
        roll = rng.random()
        if roll < 0.15:
            applications.withdraw(session, application.id, world.actor_of(application), clock.now())
        elif roll < 0.4:
            # Statuses whose transitions need seats are set on the row: only the order is under test.
            application.status = rng.choice(NON_WAITING[:-1] + ("invited", "stop_listed"))
    russian = world.submit(language="ru", step=None)
    world.commit()
    assert russian.language == "ru"
    return built


def _expected_order(session, segment, k):
    rows = session.query(Application).filter_by(
        locality_id=segment.locality_id, language=segment.language, birth_year=segment.birth_year).all()
    waiting = [a for a in rows if a.status in WAITING]
    by_tier = {t: sorted((a for a in waiting if a.tier == t), key=lambda a: (a.submitted_at, a.number))
               for t in TIERS}
    return brute_force_order(by_tier["extraordinary"], by_tier["priority"], by_tier["ordinary"], k), rows


@pytest.mark.parametrize("seed, k, per_page", [(1, 3, 7), (2, 0, 5), (3, 1, 9), (4, 5, 4)])
def test_page_and_explain_agree_with_the_brute_force(factory, session, seed, k, per_page):
    rng = random.Random(seed)
    world = World(factory, priority_ratio=k)
    _build_segment(world, session, rng)
    segment = Segment(world.locality.id, "kk", 2022)
    expected, everyone = _expected_order(session, segment, k)
    assert len(expected) > 10 and {a.tier for a in expected} == set(TIERS)
    assert any(a.status not in WAITING for a in everyone)

    seen = []
    number = 1
    while True:
        total, rows = queue.page(session, segment, number, per_page)
        assert total == len(expected)
        if not rows:
            break
        assert len(rows) <= per_page
        seen.extend(rows)
        number += 1
    assert number - 1 == ceil(len(expected) / per_page)
    assert [pos for pos, _ in seen] == list(range(1, len(expected) + 1))  # no gaps, no repeats
    assert [a.id for _, a in seen] == [a.id for a in expected]

    for place, application in enumerate(expected, start=1):
        explanation = queue.explain(session, application)
        before = expected[:place - 1]
        assert explanation.position == place
        assert explanation.ahead == {t: sum(1 for a in before if a.tier == t) for t in TIERS}
        assert explanation.priority_ratio == k
    for application in everyone:
        if application.status not in WAITING:
            assert queue.explain(session, application) is None


def test_walk_visits_the_whole_queue_in_order(factory, session):
    world = World(factory, priority_ratio=2)  # k = 2, and a batch smaller than the queue
    _build_segment(world, session, random.Random(7))
    segment = Segment(world.locality.id, "kk", 2022)
    expected, _ = _expected_order(session, segment, 2)
    walked = list(queue.walk(session, segment, batch=4))
    assert [pos for pos, _ in walked] == list(range(1, len(expected) + 1))
    assert [a.id for _, a in walked] == [a.id for a in expected]


def test_page_arguments_are_checked(factory, session):
    world = World(factory)
    segment = Segment(world.locality.id, "kk", 2022)
    assert queue.page(session, segment, 1, 50) == (0, [])
    for number, per_page in ((0, 50), (1, 0)):
        with pytest.raises(InvalidInput):
            queue.page(session, segment, number, per_page)


def test_lookup_by_number_or_iin(factory, session):
    world = World(factory)
    application = world.submit()
    world.commit()
    assert queue.find(session, application.number).id == application.id
    assert queue.find(session, application.number.lower()).id == application.id
    assert queue.find(session, application.child.iin).id == application.id
    assert queue.find(session, "GM-2026-999999") is None
    assert queue.is_lookup_query(application.number) and queue.is_lookup_query(application.child.iin)
    assert not queue.is_lookup_query("12345") and not queue.is_lookup_query("DROP TABLE")


@pytest.mark.parametrize("text", [
    "٠١٢٣٤٥٦٧٨٩٠١",  # Arabic-Indic digits
    "０１２３４５６７８９０１",  # full-width digits
    "GM-٢٠٢٦-000001",
    "GM-2026-００００01",
])
def test_lookup_queries_take_ascii_digits_only(text):
    assert not queue.is_lookup_query(text)
