"""The administration's route tests: the world of the department tests, an admin logged in through the
real log-in page, and the people who must be refused (a parent, staff, a department operator)."""
import re

import pytest
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import AuditEvent

from ..department.conftest import (  # noqa: F401 - fixtures and helpers re-exported for the tests
    PASSWORD, client, csrf_token, fresh, log_in, operator, stranger, world,
)


@pytest.fixture
def admin_user(factory):
    user = factory.user("admin", full_name="Администратор")
    factory.commit()
    return user


@pytest.fixture
def admin(client, admin_user):
    assert log_in(client, admin_user.phone, PASSWORD).status_code == 303
    return client


def post(client, path: str, data: dict | None = None):
    """POST like a browser, with the token of the administration's front page."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin"), **(data or {})})


def admin_routes(part: str):
    """Every (rule, method) of the administration whose path starts with ``part``."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True,
                      "REDIS_URL": None, "INLINE_SWEEP_INTERVAL": 0})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("admin.") and rule.rule.startswith(part):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, method, id=f"{method} {rule.rule}")


def fill(rule: str, ids: dict) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def audit_head():
    db.session.rollback()
    return db.session.scalar(select(func.max(AuditEvent.seq)))


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


@pytest.fixture
def outsider(request, world, factory, client, operator):
    """A logged-in browser of someone who is not an admin."""
    kind = request.param
    if kind == "parent":
        from webapp.services import users
        user = world.parent
        users.confirm_phone(user)
    elif kind == "staff":
        user, _ = factory.staff(world.kindergarten)
    else:
        user = operator
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    return client


OUTSIDERS = ["parent", "staff", "department"]
