"""The private digest is a commitment nobody can guess (DESIGN §8): SHA-256 over a random secret
salt and the private details. An outsider who knows every account id, every operator's name and
every privilege category cannot tell from the public feed which privilege an event was about, while
the department, holding the salt, can still prove it."""
import hashlib
import json
from itertools import product

import pytest
from sqlalchemy import select, text

from webapp.models import AuditEvent, User
from webapp.services import audit, audit_rebuild, clock, privileges

from .helpers import World

CATEGORIES = ["disability", "large_family", "orphan", "military", "chernobyl", "low_income",
              "single_parent", "teacher", "police", "foster"]


@pytest.fixture
def world(factory):
    world = World(factory)
    for index, code in enumerate(CATEGORIES):
        factory.privilege(code, "extraordinary" if index < 3 else "priority")
    return world


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(details: dict) -> str:
    return hashlib.sha256(_canonical(details).encode("utf-8")).hexdigest()


def _history(world, session):
    """Parents submit with privilege claims; the department verifies each claim."""
    claimants = []
    for index in range(12):
        code = CATEGORIES[index % len(CATEGORIES)]
        claimants.append((world.submit(parent=world.factory.user("parent"), privileges=[code]), code))
    world.commit()
    for application, code in claimants:
        claim = next(c for c in application.claims if c.category.code == code)
        privileges.verify_claim(session, claim.id, world.department, clock.now())
        world.commit()
    return claimants


def _feed(client) -> list[dict]:
    return client.get("/api/v1/audit/events?limit=1000").get_json()["items"]


def test_a_dictionary_of_accounts_and_categories_recovers_nothing(world, session, client):
    _history(world, session)
    accounts = [(user.id, user.full_name) for user in session.scalars(select(User))]
    dictionary = {}
    for (user_id, name), code in product(accounts, CATEGORIES):
        dictionary[_plain({"user_id": user_id, "name": name, "category": code})] = code
        dictionary[_plain({"user_id": user_id, "name": name, "privileges": [code]})] = code
    events = _feed(client)
    privileged = [e for e in events if e["reason"] == "privilege verified" or e["action"] == "application.submitted"]
    assert len(privileged) == 24
    recovered = [dictionary[e["private_digest"]] for e in events if e["private_digest"] in dictionary]
    assert recovered == []
    # Even the plain digest of an actor with no privilege at all (the system) is not recognisable.
    assert not any(e["private_digest"] == _plain({"user_id": None, "name": "Kezek"}) for e in events)


def test_the_salt_is_never_published_yet_the_department_can_prove_the_details(world, session, client):
    [(application, code)] = _history(world, session)[:1]
    events = _feed(client)
    assert all(set(e) == {"seq", "at", "action", "application", "from", "to", "actor_role", "reason", "data",
                          "private_digest", "prev_hash", "hash"} for e in events)
    row = session.scalars(select(AuditEvent).where(AuditEvent.application == application.number,
                                                   AuditEvent.reason == "privilege verified")).one()
    assert len(row.private_salt) >= 32 and int(row.private_salt, 16) >= 0  # ≥ 128 bits, hex
    assert all(row.private_salt not in json.dumps(e) for e in events)
    details = {"user_id": world.department.user_id, "name": world.department.name, "category": code}
    assert row.private_digest == hashlib.sha256((row.private_salt + _canonical(details)).encode("utf-8")).hexdigest()
    salts = session.scalars(select(AuditEvent.private_salt)).all()
    assert len(set(salts)) == len(salts)  # a fresh salt per event: equal details give unrelated digests


def test_the_rebuild_keeps_a_sound_chain_verifiable(world, session):
    _history(world, session)
    audit.checkpoint(session, clock.now().date())
    session.commit()
    head = audit.head(session)
    assert audit_rebuild.resalt_and_rebuild(session.connection(), clock.now()) == head.seq
    session.commit()
    session.expire_all()
    assert audit.find_break(session) is None
    assert audit.head(session).seq == head.seq + 1
    assert session.get(AuditEvent, 1).action == "audit.chain_rebuilt"


def test_the_rebuild_refuses_to_launder_a_broken_chain(world, session):
    world.submit_many(3)
    world.commit()
    session.execute(text("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 2"))
    session.commit()
    with pytest.raises(audit_rebuild.BrokenChain, match="seq 2"):
        audit_rebuild.resalt_and_rebuild(session.connection(), clock.now())
    session.rollback()
    assert audit.verify(session) == 2
