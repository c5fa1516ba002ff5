"""Shared pieces of the tests of privilege checks, the audit viewer and corrections: a pending
privilege claim with its document in the world's queue, the people who try to get in, and how to
read what changed."""
import re

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Application, AuditEvent, PrivilegeClaim
from webapp.services import documents, users

from .conftest import PASSWORD, log_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OUTSIDERS = ["anonymous", "parent", "staff", "stranger"]


@pytest.fixture
def app_overrides(tmp_path):
    return {"DOCUMENT_FOLDER": str(tmp_path / "documents")}


def claim_in_queue(world, factory, app, tier="extraordinary", code="disability", document=PNG):
    """An ordinary application first, then one with a pending claim (and its stored document):
    position 2 until the claim is verified."""
    category = factory.privilege(code=code, tier=tier)
    first = world.submit()
    claimant = world.submit(privileges=[category.code])
    claim = claimant.claims[0]
    if document is not None:
        documents.attach(claim, documents.store(app.config["DOCUMENT_FOLDER"], document))
    world.commit()
    return first, claimant, claim


def outsider_browser(kind, client, world, factory):
    """A browser of someone who must not act for the world's district (logged in, unless anonymous)."""
    if kind == "anonymous":
        return client
    if kind == "parent":
        user = factory.user("parent")
        users.confirm_phone(user)
    elif kind == "staff":
        user, _ = factory.staff(world.kindergarten)
    else:
        user, _ = factory.department(factory.district(code="ZZ"))
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    return client


def url_of(rule: str, ids: dict) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def audit_head():
    db.session.rollback()
    return db.session.scalar(select(func.max(AuditEvent.seq))) or 0


def state_of_claims_and_applications():
    db.session.rollback()
    return (db.session.execute(select(PrivilegeClaim.id, PrivilegeClaim.status, PrivilegeClaim.valid_until)
                               .order_by(PrivilegeClaim.id)).all(),
            db.session.execute(select(Application.id, Application.status, Application.tier)
                               .order_by(Application.id)).all())
