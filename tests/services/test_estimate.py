"""The waiting-time estimate (services.estimate), against the invitations counted from the audit
events and the documented rule."""
from collections import Counter
from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from webapp.models import Application, AuditEvent
from webapp.services import clock, estimate, invitations, queue
from webapp.services.queue import Segment

from .helpers import ALMATY, World, almaty


def _history(world, session, months: int, per_month: int, applicants: int = 60, skip=()):
    """``applicants`` submitted in January 2026, then each month a bulletin of ``per_month`` places
    whose invited parents all respond (months in ``skip`` have none)."""
    clock.set(almaty(2026, 1, 5, 9, 0))
    apps = world.submit_many(applicants)
    world.commit()
    for i in range(months):
        clock.set(almaty(2026 + (i + 1) // 12, (i + 1) % 12 + 1, 6, 9, 0))
        if i in skip:
            continue
        world.bulletin(places=per_month)
        for application in session.scalars(select(Application).where(Application.status == "invited")).all():
            invitations.respond(session, application.id, world.actor_of(application), clock.now())
        world.commit()
    return apps


def _expected(session, application, now):
    """The rule of the module docstring, from the raw invitation events of the last 12 full months."""
    local = now.astimezone(ALMATY).date()
    current = date(local.year, local.month, 1)
    counted = Counter()
    for at in session.scalars(select(AuditEvent.at).where(AuditEvent.action == "invitation.created")):
        month = clock.parse(at).astimezone(ALMATY).date().replace(day=1)
        months_back = (current.year - month.year) * 12 + current.month - month.month
        if 1 <= months_back <= 12:
            counted[month.month] += 1
    position = queue.explain(session, application).position

    def reached(pace):
        y, m, running = current.year, current.month, 0
        for _ in range(36):
            running += counted[m]
            if running * pace >= position:
                return date(y, m, 1)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return None

    return reached(1.25), reached(0.75), sum(counted.values())


def test_a_steady_history_gives_a_range_around_the_pace(factory, session):
    world = World(factory, capacity=200)
    _history(world, session, months=13, per_month=3)
    now = clock.now()
    waiting = session.scalars(select(Application).where(Application.waiting.is_(True))
                              .order_by(Application.submitted_at)).all()
    assert len(waiting) > 15
    for application in waiting[::5]:
        found = estimate.for_application(session, application, now)
        explanation = queue.explain(session, application)
        assert found == estimate.for_application(session, application, now, explanation)
        earliest, latest, total = _expected(session, application, now)
        assert (found.earliest, found.latest, found.invitations_last_12_months) == (earliest, latest, total)
        assert total == 36
        # 3 a month: position p is reached after about p/3 months; the range brackets that.
        months_to = (found.latest.year - found.earliest.year) * 12 + found.latest.month - found.earliest.month
        assert found.earliest <= found.latest and months_to >= 0
        pace_month = explanation.position / 3
        start = date(2027, 2, 1)
        assert _months_between(start, found.earliest) <= pace_month <= _months_between(start, found.latest) + 1
        assert found.method == "seasonal_pace"
        with force_locale("en"):
            assert "36 invitations" in found.describe_method()
            assert found.describe_range().startswith("Most likely between ")
    last = waiting[-1]
    assert estimate.for_application(session, last, now).latest > estimate.for_application(
        session, waiting[0], now).latest


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def test_not_enough_history_gives_no_estimate(factory, session):
    world = World(factory, capacity=200)
    _history(world, session, months=13, per_month=1, skip=set(range(0, 9)))  # 4 invitations only
    application = session.scalars(select(Application).where(Application.waiting.is_(True))).first()
    assert estimate.invitations_by_month(session, Segment.of(application), [date(2026, 12, 1)])
    assert estimate.for_application(session, application, clock.now()) is None


def test_invitations_in_too_few_months_give_no_estimate(factory, session):
    world = World(factory, capacity=200)
    _history(world, session, months=13, per_month=8, skip=set(range(0, 11)))  # 16, in two months
    application = session.scalars(select(Application).where(Application.waiting.is_(True))).first()
    assert estimate.for_application(session, application, clock.now()) is None


def test_a_position_too_far_for_36_months_gives_no_estimate(factory, session):
    world = World(factory, capacity=200)
    _history(world, session, months=13, per_month=1, applicants=60)
    last = session.scalars(select(Application).where(Application.waiting.is_(True))
                           .order_by(Application.submitted_at.desc())).first()
    assert queue.explain(session, last).position > 0.75 * 12 * 3
    assert estimate.for_application(session, last, clock.now()) is None
    first = session.scalars(select(Application).where(Application.waiting.is_(True))
                            .order_by(Application.submitted_at)).first()
    assert estimate.for_application(session, first, clock.now()) is not None


def test_an_application_that_is_not_waiting_has_no_estimate(factory, session):
    world = World(factory, capacity=200)
    _history(world, session, months=13, per_month=3)
    responded = session.scalars(select(Application).where(Application.status == "responded")).first()
    assert responded is not None
    assert estimate.for_application(session, responded, clock.now()) is None
