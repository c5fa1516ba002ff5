"""``flask seed-demo``: a small demo district, checked against the rules the real one must keep."""
import hashlib
from collections import Counter
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from webapp import demo
from webapp.demo.district import ACCOUNTS
from webapp.demo.names import PRIVILEGES
from webapp.extensions import db
from webapp.models import (
    ACTIVE_SEAT_STATES, FINAL, WAITING, Application, AuditEvent, Bulletin, Child, Group, Lock, PrivilegeClaim,
    QueueCount, Referral, Seat, User,
)
from webapp.services import applications, audit, children, clock, iin, queue, sweep, tally, users
from webapp.services.actors import Actor
from webapp.services.privileges import tier_of
from webapp.services.queue import Segment

from .conftest import DEFAULT_NOW

SIZE = 300
# Late November (the usual test "now"), the day after 1 October, and spring before Nauryz.
NOWS = [DEFAULT_NOW, datetime(2026, 10, 1, 20, 0, tzinfo=timezone.utc),
        datetime(2026, 3, 16, 6, 0, tzinfo=timezone.utc)]


def _seed(session, now=DEFAULT_NOW, seed=7):
    clock.set(now)
    return demo.seed(session, applications=SIZE, seed=seed)


@pytest.mark.parametrize("now", NOWS, ids=["november", "2-october", "march"])
def test_demo_district_keeps_every_rule(session, now):
    summary = _seed(session, now)
    assert clock.now() == now, "seeding must leave the clock where it found it"
    apps = session.scalars(select(Application)).all()
    assert len(apps) == SIZE
    assert "GM" in summary and ACCOUNTS["parent"][0] in summary
    statuses = Counter(a.status for a in apps)
    today = now.astimezone(clock_zone()).date()
    expected = ["queued", "invited", "responded", "referred", "enrolled", "stop_listed", "inactive", "withdrawn"]
    if today >= date(today.year, 9, 1):  # children born six years ago leave on 1 September
        expected.append("aged_out")
    for status in expected:
        assert statuses[status] > 0, f"no {status} application in {statuses}"
    for application in apps:
        assert application.waiting == (application.status in WAITING)
        assert application.tier == tier_of(application, today), application.number
        assert application.number.startswith(f"GM-{application.submitted_at.astimezone(clock_zone()).year}-")
        if application.status in ("queued", "stop_listed") and today >= date(today.year, 10, 1):
            assert application.interest_year == today.year, application.number
    assert audit.verify(session) is None
    assert sweep.run(session, now) == Counter(), "the demo must leave nothing overdue"


def test_children_have_valid_iins_and_one_open_application(session):
    _seed(session)
    for child in session.scalars(select(Child)):
        parsed = iin.parse(child.iin)
        assert (parsed.birth_date, parsed.sex) == (child.birth_date, child.sex), child.iin
        assert 2020 <= child.birth_date.year <= 2025
    open_per_child = session.execute(
        select(Application.child_id, func.count()).where(Application.status.not_in(FINAL))
        .group_by(Application.child_id).having(func.count() > 1)
    ).all()
    assert open_per_child == []
    for user in session.scalars(select(User)):
        assert users.PHONE.match(user.phone), user.phone


def test_seats_bulletins_and_groups_agree(session):
    _seed(session)
    for bulletin in session.scalars(select(Bulletin)):
        active = session.scalar(select(func.count()).select_from(Seat).where(
            Seat.bulletin_id == bulletin.id, Seat.state.in_(ACTIVE_SEAT_STATES)))
        assert active == bulletin.claimed <= bulletin.places
    seat_state = {"invited": "reserved", "responded": "held", "referred": "referred", "enrolled": "filled"}
    for application in session.scalars(select(Application)):
        seats = session.scalars(select(Seat).where(Seat.application_id == application.id,
                                                   Seat.state != "released")).all()
        expected = seat_state.get(application.status)
        assert [s.state for s in seats] == ([expected] if expected else []), application.number
        if application.status == "referred":
            referral = session.scalar(select(Referral).where(Referral.seat_id == seats[0].id))
            assert referral.status == "issued" and referral.due_at > clock.now()
    for group in session.scalars(select(Group)):
        assert 0 <= group.enrolled <= group.capacity
    filled = session.scalar(select(func.count()).select_from(Seat).where(Seat.state == "filled"))
    assert filled == session.scalar(select(func.count()).select_from(Application)
                                    .where(Application.status == "enrolled"))


def test_privilege_claims_are_decided_both_ways(session):
    _seed(session)
    claims = Counter(session.scalars(select(PrivilegeClaim.status)))
    assert claims["verified"] and claims["pending"] and claims["rejected"], claims
    tiers = Counter(session.scalars(select(Application.tier)))
    assert tiers["extraordinary"] and tiers["priority"] and tiers["ordinary"], tiers
    lapsed = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "application.tier_changed", AuditEvent.reason == "privilege expired"))
    assert lapsed, "some verified privileges have run out over the years"
    codes = [code for code, *_ in PRIVILEGES]  # a privilege can reveal a disability: never public
    for data, reason in session.execute(select(AuditEvent.data, AuditEvent.reason)):
        assert not any(f'"{code}"' in data or code == reason for code in codes), (data, reason)


def test_walk_pages_and_positions_agree_on_the_demo_queue(session):
    """The walk (keyset pages merged by tier), the page slices and explain() must give one order,
    and the queue tally the seeder fills must match a recount of the applications."""
    _seed(session)
    assert tally.differences(session) == []
    assert session.scalar(select(func.sum(QueueCount.waiting))) == session.scalar(
        select(func.count()).select_from(Application).where(Application.waiting.is_(True)))
    largest = session.execute(
        select(Application.locality_id, Application.language, Application.birth_year)
        .where(Application.waiting.is_(True))
        .group_by(Application.locality_id, Application.language, Application.birth_year)
        .order_by(func.count().desc()).limit(3)
    ).all()
    for row in largest:
        segment = Segment(*row)
        total, rows = queue.page(session, segment, 1, 1000)
        walked = [(position, application.number) for position, application in queue.walk(session, segment, 7)]
        assert walked == [(position, application.number) for position, application in rows]
        assert [position for position, _ in walked] == list(range(1, total + 1))
        for position, application in rows:
            assert queue.explain(session, application).position == position


def test_the_same_seed_gives_the_same_district(session, backend):
    _seed(session, seed=11)
    first = _snapshot(session)
    _wipe(backend)
    _seed(session, seed=11)
    assert _snapshot(session) == first
    _wipe(backend)
    _seed(session, seed=12)
    assert _snapshot(session)["iins"] != first["iins"]


def test_new_submissions_continue_the_numbers(session):
    _seed(session)
    last = session.scalar(select(Lock.counter).where(Lock.name == "application:GM:2026"))
    assert last == session.scalar(select(func.count()).select_from(Application)
                                  .where(Application.number.like("GM-2026-%")))
    parent = session.scalar(select(User).where(User.phone == ACCOUNTS["parent"][0]))
    born = date(2025, 7, 7)
    free = next(number for serial in range(9999, 0, -1) if (number := iin.make(born, "F", serial))
                and session.scalar(select(Child.id).where(Child.iin == number)) is None)
    child = children.add(session, parent, free, "Ахметова", "Айша", born, "F", clock.now())
    locality_id = session.scalar(select(Application.locality_id).join(Child, Child.id == Application.child_id)
                                 .where(Child.parent_id == parent.id).limit(1))
    application = applications.submit(session, Actor.of(parent), child.id, locality_id, "kk", clock.now())
    assert application.number == f"GM-2026-{last + 1:06d}"


def test_demo_accounts_log_in_with_their_roles(session):
    _seed(session)
    for role, (phone, password) in ACCOUNTS.items():
        user = users.authenticate(session, phone, password)
        assert user is not None and user.role == role
    demo_parent = session.scalar(select(User).where(User.phone == ACCOUNTS["parent"][0]))
    states = [a.status for a in session.scalars(
        select(Application).join(Child).where(Child.parent_id == demo_parent.id).order_by(Child.birth_date))]
    # the oldest never confirmed again; the next holds a referral; the third declined its invitation
    # (stop-listed); the youngest is invited: every step of the cabinet's wizard can be seen at once
    assert states == ["inactive", "referred", "stop_listed", "invited"]


def test_cli_seeds_once_and_the_chain_verifies(runner, session):
    first = runner.invoke(args=["seed-demo", "--applications", str(SIZE), "--seed", "3", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "kezek-department" in first.output
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    second = runner.invoke(args=["seed-demo", "--applications", str(SIZE), "--if-empty"])
    assert second.exit_code == 0 and "already" in second.output
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert session.scalar(select(func.count()).select_from(Application)) == SIZE
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "audit chain ok" in verified.output
    again = runner.invoke(args=["seed-demo", "--applications", str(SIZE)])
    assert again.exit_code != 0 and "already exists" in again.output


# --- helpers ----------------------------------------------------------------------------------------

def clock_zone():
    return ZoneInfo("Asia/Almaty")


def _snapshot(session) -> dict:
    rows = session.execute(
        select(Application.number, Child.iin, Child.surname, Child.name, Application.status, Application.tier,
               Application.submitted_at).join(Child, Child.id == Application.child_id).order_by(Application.number)
    ).all()
    # The chain's hashes differ from run to run: each private digest has a fresh secret salt (DESIGN §8).
    # Everything else of every event is the same for the same seed.
    events = session.execute(
        select(AuditEvent.seq, AuditEvent.at, AuditEvent.action, AuditEvent.application, AuditEvent.from_status,
               AuditEvent.to_status, AuditEvent.actor_role, AuditEvent.reason, AuditEvent.data)
        .order_by(AuditEvent.seq)
    ).all()
    return {"applications": [tuple(r) for r in rows], "iins": sorted(r[1] for r in rows),
            "events": hashlib.sha256(repr([tuple(e) for e in events]).encode("utf-8")).hexdigest(),
            "head_seq": audit.head(session).seq}


def _wipe(backend: str) -> None:
    db.session.remove()
    if backend == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
    else:
        db.drop_all()
        db.create_all()
