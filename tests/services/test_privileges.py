"""Privileges (DESIGN §4): only a verified, unexpired claim changes an application's tier."""
import hashlib
import json
from datetime import date

import pytest

from webapp.models import PrivilegeClaim
from webapp.services import clock, privileges, queue, sweep
from webapp.services.errors import Forbidden, InvalidInput, NotFound, WrongState

from .helpers import World, almaty, english, events_of, last_event, notifications_of


@pytest.fixture
def world(factory):
    world = World(factory)
    factory.privilege("disability", "extraordinary")
    factory.privilege("large_family", "priority")
    return world


def _claim(application, code):
    return next(c for c in application.claims if c.category.code == code)


def test_a_pending_claim_moves_nobody(world, session):
    first = world.submit()
    claimant = world.submit(privileges=["disability"])
    world.commit()
    assert claimant.tier == "ordinary"
    assert _claim(claimant, "disability").status == "pending"
    assert queue.explain(session, claimant).position == 2 and queue.explain(session, first).position == 1


def test_verification_raises_the_tier_and_the_position(world, session):
    first = world.submit()
    claimant = world.submit(privileges=["disability"])
    world.commit()
    claim = privileges.verify_claim(session, _claim(claimant, "disability").id, world.department, clock.now())
    world.commit()
    claimant = world.reload(claimant)
    assert (claim.status, claim.verified_by_id, claim.verified_at) == \
        ("verified", world.department.user_id, clock.now())
    assert claimant.tier == "extraordinary"
    explanation = queue.explain(session, claimant)
    assert explanation.position == 1
    assert explanation.ahead == {"extraordinary": 0, "priority": 0, "ordinary": 0}
    assert queue.explain(session, world.reload(first)).position == 2
    event = last_event(session, claimant)
    assert (event.action, event.from_status, event.to_status, event.actor_role, event.reason) == \
        ("application.tier_changed", "queued", "queued", "department", "privilege verified")
    assert '"from_tier":"ordinary"' in event.data and '"to_tier":"extraordinary"' in event.data
    # Which privilege (here a disability) is never public: only the private digest covers it.
    assert "disability" not in event.data
    expected = {"user_id": world.department.user_id, "name": world.department.name, "category": "disability"}
    assert event.private_digest == hashlib.sha256((event.private_salt + json.dumps(
        expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).encode()).hexdigest()
    assert notifications_of(session, claimant, "privilege.verified")


def test_the_best_verified_claim_decides_the_tier(world, session):
    claimant = world.submit(privileges=["large_family", "disability"])
    world.commit()
    privileges.verify_claim(session, _claim(claimant, "large_family").id, world.department, clock.now())
    world.commit()
    assert world.reload(claimant).tier == "priority"
    privileges.verify_claim(session, _claim(claimant, "disability").id, world.department, clock.now())
    world.commit()
    assert world.reload(claimant).tier == "extraordinary"


def test_rejection_of_a_verified_claim_lowers_the_tier(world, session):
    claimant = world.submit(privileges=["large_family"])
    world.commit()
    claim_id = _claim(claimant, "large_family").id
    privileges.verify_claim(session, claim_id, world.department, clock.now())
    world.commit()
    with pytest.raises(InvalidInput) as caught:
        privileges.reject_claim(session, claim_id, world.department, clock.now(), reason=" ")
    assert english(caught.value) == "Please give a reason."
    privileges.reject_claim(session, claim_id, world.department, clock.now(), reason="certificate expired")
    world.commit()
    assert world.reload(claimant).tier == "ordinary"
    claim = session.get(PrivilegeClaim, claim_id)
    assert (claim.status, claim.reason) == ("rejected", "certificate expired")
    event = last_event(session, claimant)
    assert (event.action, event.reason) == ("application.tier_changed", "privilege rejected")
    assert "certificate" not in event.data and "large_family" not in event.data
    assert notifications_of(session, claimant, "privilege.rejected")


def test_decided_claims_cannot_be_decided_again(world, session):
    claimant = world.submit(privileges=["disability", "large_family"])
    world.commit()
    verified, rejected = _claim(claimant, "disability").id, _claim(claimant, "large_family").id
    privileges.verify_claim(session, verified, world.department, clock.now())
    privileges.reject_claim(session, rejected, world.department, clock.now(), reason="no document")
    world.commit()
    for call in (lambda: privileges.verify_claim(session, verified, world.department, clock.now()),
                 lambda: privileges.verify_claim(session, rejected, world.department, clock.now()),
                 lambda: privileges.reject_claim(session, rejected, world.department, clock.now(), "again")):
        with pytest.raises(WrongState) as caught:
            call()
        assert english(caught.value) == "This privilege claim has already been decided."


def test_only_the_district_department_decides(world, session, factory):
    claimant = world.submit(privileges=["disability"])
    world.commit()
    claim_id = _claim(claimant, "disability").id
    foreign_department = world.department_of(factory.district(code="XX"))
    for actor in (foreign_department, world.staff, world.parent_actor):
        with pytest.raises(Forbidden):
            privileges.verify_claim(session, claim_id, actor, clock.now())
        with pytest.raises(Forbidden):
            privileges.reject_claim(session, claim_id, actor, clock.now(), reason="no")
    with pytest.raises(NotFound):
        privileges.verify_claim(session, 999_999, world.department, clock.now())
    assert world.reload(claimant).tier == "ordinary"


def test_an_expired_claim_stops_counting(world, session):
    claimant = world.submit(privileges=["disability", "large_family"])
    world.commit()
    privileges.verify_claim(session, _claim(claimant, "disability").id, world.department, clock.now(),
                            valid_until=date(2027, 1, 31))
    privileges.verify_claim(session, _claim(claimant, "large_family").id, world.department, clock.now(),
                            valid_until=date(2027, 6, 30))
    world.commit()
    assert world.reload(claimant).tier == "extraordinary"
    # Still valid on its last day.
    assert privileges.expire_claims(session, claimant.id, almaty(2027, 1, 31, 23, 0)) is False
    assert privileges.expire_claims(session, claimant.id, almaty(2027, 2, 1, 0, 0)) is True
    world.commit()
    assert world.reload(claimant).tier == "priority"
    event = last_event(session, claimant)
    assert (event.action, event.actor_role, event.reason) == \
        ("application.tier_changed", "system", "privilege expired")
    with pytest.raises(Forbidden):
        privileges.expire_claims(session, claimant.id, almaty(2027, 7, 1), actor=world.department)


def test_the_sweep_expires_claims(world, session):
    claimant = world.submit(privileges=["large_family"])
    world.commit()
    privileges.verify_claim(session, _claim(claimant, "large_family").id, world.department, clock.now(),
                            valid_until=date(2026, 12, 31))
    world.commit()
    clock.set(almaty(2027, 1, 1, 0, 30))
    done = sweep.run(session, clock.now())
    assert done["privileges_expired"] == 1
    assert world.reload(claimant).tier == "ordinary"
    before = len(events_of(session, claimant))
    assert sweep.run(session, clock.now())["privileges_expired"] == 0
    assert len(events_of(session, claimant)) == before
