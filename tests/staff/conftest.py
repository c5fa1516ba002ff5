"""The office's route tests: one district with a kindergarten and its clerk (logged in through the
real log-in page), and applications brought to a state through the services."""
import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application, AuditEvent, Bulletin, Group, Seat

from ..auth.conftest import Browser, csrf_token, log_in  # noqa: F401 - re-exported for the tests
from ..services.helpers import World

PASSWORD = "correct-horse-1"


@pytest.fixture
def client(app):
    app.test_client_class = Browser
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    return browser


@pytest.fixture
def world(factory):
    world = World(factory)
    world.commit()
    return world


@pytest.fixture
def clerk(world, factory):
    user, _ = factory.staff(world.kindergarten)
    factory.commit()
    return user


@pytest.fixture
def office(client, clerk):
    """The clerk's browser, logged in."""
    response = log_in(client, clerk.phone, PASSWORD)
    assert response.status_code == 303
    return client


def post(client, path: str, data: dict | None = None, page: str | None = None):
    """POST like a browser: the token comes from a page with a form (the office's dashboard)."""
    token = csrf_token(client, page or "/staff")
    return client.post(path, data={"csrf_token": token, **(data or {})})


def fresh(obj):
    db.session.rollback()
    return db.session.get(type(obj), obj.id)


def actions(application) -> list[tuple]:
    db.session.rollback()
    return [(e.action, e.actor_role) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.application == application.number).order_by(AuditEvent.seq))]


def last_action(action: str) -> AuditEvent | None:
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.seq.desc())).first()


__all__ = ["Application", "Bulletin", "Group", "Seat", "post", "fresh", "actions", "last_action"]
