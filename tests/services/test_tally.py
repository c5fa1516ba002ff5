"""The queue tally stays true (issue "National scale", item 4).

Random histories of transitions, run through the services, are compared after every step with a
brute-force recount: the tally itself (``tally.differences``), every position and its explanation,
every page, the tier counts, and the registry's queue sizes and totals. A concurrency test runs
submissions, invitations and withdrawals in one segment at once and checks the same afterwards.
"""
import itertools
import string
import threading
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from webapp.extensions import db
from webapp.models import WAITING, Application, Kindergarten, QueueCount, QueueTally
from webapp.services import (
    applications, bulletins, clock, invitations, lookup, privileges, queue, referrals, registry, tally, tasks,
)
from webapp.services.actors import Actor
from webapp.services.errors import DomainError
from webapp.services.queue import Segment

from .helpers import World

TIERS = ("extraordinary", "priority", "ordinary")
_codes = (
    "".join(letters) for letters in itertools.product(string.ascii_uppercase, repeat=3)
)


def brute_force_order(waiting: list, k: int) -> list:
    by_tier = {t: sorted((a for a in waiting if a.tier == t), key=lambda a: (a.submitted_at, a.number))
               for t in TIERS}
    order, p, o = list(by_tier["extraordinary"]), by_tier["priority"], by_tier["ordinary"]
    if k == 0:
        return order + p + o
    while p and o:
        order.append(p.pop(0))
        order.extend(o[:k])
        del o[:k]
    return order + p + o


def assert_exact(session, segments, k, per_page=3):
    """Everything the tally feeds, against a recount of the applications."""
    session.flush()
    assert tally.differences(session) == []
    everyone = session.scalars(select(Application)).all()
    for segment in segments:
        mine = [a for a in everyone if Segment.of(a) == segment]
        order = brute_force_order([a for a in mine if a.status in WAITING], k)
        assert queue.counts(session, segment) == queue.Counts(
            *(sum(1 for a in order if a.tier == t) for t in TIERS))
        for place, application in enumerate(order, start=1):
            explanation = queue.explain(session, application)
            before = order[:place - 1]
            assert explanation.position == place, (place, application.number)
            assert explanation.ahead == {t: sum(1 for a in before if a.tier == t) for t in TIERS}
            assert explanation.rank == sum(1 for a in before if a.tier == application.tier) + 1
            for query in (application.number, application.child.iin):
                shown = lookup.position_of(session, query)
                assert (shown["number"], shown["position"], shown["ahead"]) == (
                    application.number, place, explanation.ahead)
        seen, number = [], 1
        while True:
            total, rows = queue.page(session, segment, number, per_page)
            assert total == len(order)
            if not rows:
                break
            seen.extend(rows)
            number += 1
        assert [(p, a.id) for p, a in seen] == [(p, a.id) for p, a in enumerate(order, start=1)]
        public = lookup.queue_page(session, segment, 1, max(1, len(order)))[1]
        assert [(row["position"], row["number"], row["status"], row["tier"]) for row in public] == [
            (p, a.number, a.status, a.tier) for p, a in enumerate(order, start=1)]
        for a in mine:
            if a.status not in WAITING:
                assert queue.explain(session, a) is None
                shown = lookup.position_of(session, a.number)
                assert (shown["position"], shown["ahead"], shown["status"]) == (None, None, a.status)
    waiting = [a for a in everyone if a.status in WAITING]
    for kindergarten in session.scalars(select(Kindergarten)):
        summary = registry.kindergarten(session, kindergarten.id, "en")
        assert summary["queue_size"] == sum(
            1 for a in waiting if a.locality_id == kindergarten.locality_id
            and a.language in kindergarten.language_list)
    assert registry.totals(session)["waiting"] == len(waiting)


# --- random histories ---------------------------------------------------------------------------------

submit = st.tuples(st.just("submit"), st.integers(0, 1), st.sampled_from([None, "disability", "large_family"]),
                   st.integers(0, 20), st.sampled_from(["noon", "midnight", "last", "same"]))
verify = st.tuples(st.just("verify"), st.integers(0, 40))
step = st.one_of(
    submit, submit, submit, verify, verify,
    st.tuples(st.just("reject_claim"), st.integers(0, 40)),
    st.tuples(st.just("publish"), st.integers(0, 1), st.integers(1, 3)),
    st.tuples(st.just("decline"), st.integers(0, 40)),
    st.tuples(st.just("respond"), st.integers(0, 40)),
    st.tuples(st.just("reject_response"), st.integers(0, 40)),
    st.tuples(st.just("withdraw"), st.integers(0, 40)),
    st.tuples(st.just("set_status"), st.integers(0, 40), st.sampled_from(["inactive", "stop_listed", "queued"])),
    st.tuples(st.just("deactivate_all")),
)


class History:
    """One world per example (its own district), so examples never see each other's queues."""

    def __init__(self, factory, session, k):
        session.rollback()  # nothing left over from an example that failed (while shrinking)
        self.session = session
        self.world = World(factory, priority_ratio=k, code=next(_codes))
        self.k = k
        self.other_locality, self.other_group = self.world.new_segment("Екінші")
        self.groups = [self.world.group, self.other_group]
        self.localities = [self.world.locality, self.other_locality]
        self.extraordinary = self.world.factory.privilege(f"dis-{self.world.district.code}", "extraordinary")
        self.priority = self.world.factory.privilege(f"fam-{self.world.district.code}", "priority")
        self.built: list[int] = []
        self.base = datetime(2026, 11, 2, tzinfo=timezone.utc)  # a Monday: three weeks of submissions
        self.last_at = None
        assert self.world.parent and self.world.staff and self.world.department  # committed below, kept
        self.world.commit()

    @property
    def segments(self):
        return [Segment(locality.id, "kk", 2022) for locality in self.localities]

    def app(self, index):
        if not self.built:
            return None
        return self.session.get(Application, self.built[index % len(self.built)])

    def run(self, action, *args):
        try:
            getattr(self, action)(*args)
            tasks.commit(self.session)
        except DomainError:
            self.session.rollback()

    def submit(self, where, claim, day, moment):
        day_start = self.base + timedelta(days=day)
        at = {"noon": day_start + timedelta(hours=12), "midnight": day_start,
              "last": day_start + timedelta(days=1, microseconds=-1), "same": self.last_at or day_start}[moment]
        self.last_at = at
        code = {"disability": self.extraordinary.code, "large_family": self.priority.code}.get(claim)
        application = self.world.submit(locality=self.localities[where], privileges=[code] if code else [],
                                        at=at, step=None)
        self.built.append(application.id)

    def _claim(self, index):
        application = self.app(index)
        return application.claims[0] if application is not None and application.claims else None

    def verify(self, index):
        if claim := self._claim(index):
            privileges.verify_claim(self.session, claim.id, self.world.department, clock.now())

    def reject_claim(self, index):
        if claim := self._claim(index):
            privileges.reject_claim(self.session, claim.id, self.world.department, clock.now(), "no")

    def publish(self, where, places):
        group = self.groups[where]
        staff = self.world.department if where else self.world.staff
        bulletin = bulletins.create(self.session, group.id, places, staff, clock.now())
        bulletins.publish(self.session, bulletin.id, staff, clock.now())

    def _parent_step(self, index, action):
        application = self.app(index)
        if application is not None:
            action(self.session, application.id, self.world.actor_of(application), clock.now())

    def decline(self, index):
        self._parent_step(index, invitations.decline)

    def respond(self, index):
        self._parent_step(index, invitations.respond)

    def withdraw(self, index):
        self._parent_step(index, applications.withdraw)

    def reject_response(self, index):
        application = self.app(index)
        if application is not None:
            referrals.reject(self.session, application.id, self.world.department, clock.now(), "full")

    def set_status(self, index, status):
        """A status written on the row (as some tests and repairs do): the flush still keeps the tally."""
        application = self.app(index)
        if application is not None and application.status in ("queued", "inactive", "stop_listed"):
            application.status = status

    def deactivate_all(self):
        """Set-based: one UPDATE without the ORM, reported to the tally with ``tally.apply``."""
        rows = self.session.execute(
            select(Application.locality_id, Application.language, Application.birth_year, Application.tier,
                   Application.submitted_at)
            .where(Application.district_id == self.world.district.id, Application.status == "stop_listed")
        ).all()
        deltas = {}
        for *key, submitted_at in rows:
            place = (*key, tally.day_of(submitted_at))
            deltas[place] = deltas.get(place, 0) - 1
        self.session.execute(
            Application.__table__.update()
            .where(Application.district_id == self.world.district.id, Application.status == "stop_listed")
            .values(status="inactive", waiting=False)
        )
        tally.apply(self.session, deltas)
        self.session.expire_all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(k=st.sampled_from([0, 1, 3]), first=st.lists(submit, min_size=6, max_size=16),
       steps=st.lists(step, min_size=5, max_size=30))
def test_random_histories_keep_positions_pages_and_counts_exact(factory, session, k, first, steps):
    history = History(factory, session, k)
    for action, *args in first + steps:
        history.run(action, *args)
        if action in ("publish", "withdraw", "reject_response", "deactivate_all", "set_status"):
            assert_exact(session, history.segments, k)
    assert_exact(session, history.segments, k)
    assert assert_exact_would_notice(session)


def assert_exact_would_notice(session) -> bool:
    """The check above is not vacuous: one wrong tally row is reported."""
    row = session.scalars(select(QueueTally).limit(1)).first()
    if row is None:
        return True
    session.execute(text("UPDATE queue_tally SET waiting = waiting + 1 WHERE locality_id = :l AND language = :g "
                         "AND birth_year = :b AND tier = :t AND day = :d"),
                    {"l": row.locality_id, "g": row.language, "b": row.birth_year, "t": row.tier, "d": row.day})
    found = tally.differences(session)
    session.rollback()
    return len(found) == 1 and found[0]["stored"] == found[0]["expected"] + 1


def test_a_week_boundary_splits_the_count_exactly(factory, session):
    """The last microsecond of a week (Sunday, UTC) and the first of the next fall in different
    tally rows, and ties at the same microsecond are broken by number, as the queue orders them."""
    world = World(factory)
    monday = datetime(2026, 11, 23, tzinfo=timezone.utc)
    moments = [monday - timedelta(microseconds=1), monday, monday, monday - timedelta(microseconds=1),
               monday + timedelta(days=6, hours=23, minutes=59, seconds=59, microseconds=999999),
               monday - timedelta(days=6, hours=12)]
    for at in moments:
        world.submit(at=at, step=None)
    world.commit()
    days = sorted(session.execute(select(QueueTally.day, QueueTally.waiting)).all())
    assert [(d.isoformat(), n) for d, n in days] == [("2026-11-16", 3), ("2026-11-23", 3)]
    assert_exact(session, [Segment(world.locality.id, "kk", 2022)], 3)


def test_rebuild_restores_a_damaged_tally(factory, session):
    world = World(factory)
    world.submit_many(4)
    world.commit()
    session.execute(text("UPDATE queue_count SET waiting = waiting + 7"))
    session.execute(text("DELETE FROM queue_tally"))
    found = tally.differences(session)
    assert {item["table"] for item in found} == {"queue_tally", "queue_count"}
    tally.rebuild(session)
    assert tally.differences(session) == []
    assert session.scalar(select(QueueCount.waiting)) == 4


def test_flask_queue_recount_reports_and_repairs(runner, factory, session):
    world = World(factory)
    world.submit_many(3)
    world.commit()
    assert runner.invoke(args=["queue", "recount", "--check"]).exit_code == 0
    session.execute(text("UPDATE queue_tally SET waiting = waiting - 1"))
    session.commit()
    result = runner.invoke(args=["queue", "recount", "--check"])
    assert result.exit_code == 1 and "queue_tally" in result.output and "1 difference(s)" in result.output
    result = runner.invoke(args=["queue", "recount"])
    assert result.exit_code == 0 and "1 difference(s) corrected" in result.output
    session.expire_all()
    assert runner.invoke(args=["queue", "recount", "--check"]).exit_code == 0


# --- concurrency ----------------------------------------------------------------------------------------

def test_parallel_submissions_invitations_and_withdrawals_leave_the_tally_exact(app, factory, session):
    """Separate sessions and connections, as separate web and worker processes: submissions,
    bulletins whose distribution invites, and withdrawals, all in one segment at once."""
    world = World(factory, capacity=40)
    parent = world.parent
    early = world.submit_many(12)
    children = [world.child(parent=parent) for _ in range(12)]
    world.commit()
    calls = []
    actor = Actor.of(parent)
    locality_id = world.locality.id
    for child in children:
        calls.append(lambda s, child_id=child.id: applications.submit(
            s, actor, child_id, locality_id, "kk", clock.now()))
    for application in early[:8]:
        calls.append(lambda s, application_id=application.id: applications.withdraw(
            s, application_id, actor, clock.now()))
    staff, group_id = world.staff, world.group.id
    for _ in range(4):
        def publish(s):
            bulletin = bulletins.create(s, group_id, 2, staff, clock.now())
            bulletins.publish(s, bulletin.id, staff, clock.now())
        calls.append(publish)
    session.close()

    start = threading.Barrier(len(calls))
    failures = []

    def run(call):
        with app.app_context():
            try:
                start.wait(timeout=60)
                call(db.session)
                tasks.commit(db.session)
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                failures.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    statuses = [a.status for a in session.scalars(select(Application))]
    assert statuses.count("withdrawn") == 8 and statuses.count("invited") == 8
    assert_exact(session, [Segment(locality_id, "kk", 2022)], 3, per_page=5)
