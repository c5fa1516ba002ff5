"""The department's route tests: one district with a kindergarten, its operator (logged in through
the real log-in page) and an operator of another district, whose pages must never show this one."""
import pytest

from webapp.extensions import db

from ..auth.conftest import Browser, csrf_token, log_in  # noqa: F401 - re-exported for the tests
from ..staff.conftest import client, world  # noqa: F401 - the same browser and district as the office's

PASSWORD = "correct-horse-1"


@pytest.fixture
def operator(world, factory):
    """The department operator of the world's district."""
    user, _ = factory.department(world.district)
    factory.commit()
    return user


@pytest.fixture
def stranger(factory):
    """A department operator of another district."""
    user, _ = factory.department(factory.district(code="ZZ"))
    factory.commit()
    return user


@pytest.fixture
def department(client, operator):
    """The operator's browser, logged in."""
    response = log_in(client, operator.phone, PASSWORD)
    assert response.status_code == 303
    return client


def post(client, path: str, data: dict | None = None, page: str | None = None):
    """POST like a browser: the token comes from a page with a form (the department's front page
    has the log-out form)."""
    token = csrf_token(client, page or "/department")
    return client.post(path, data={"csrf_token": token, **(data or {})})


def fresh(obj):
    db.session.rollback()
    return db.session.get(type(obj), obj.id)
