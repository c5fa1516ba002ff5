"""The cabinet's little world: one district with a kindergarten and a 2022 Kazakh group, a logged-in
parent (phone confirmed) with a child, and another family whose objects must stay out of reach."""
from dataclasses import dataclass
from datetime import date

import pytest

from webapp.services import clock, invitations, referrals, users
from webapp.services.actors import Actor

from ..auth.conftest import Browser, csrf_token, log_in, post_form  # noqa: F401 - reused helpers

PASSWORD = "correct-horse-1"


@dataclass
class World:
    locality: object
    kindergarten: object
    group: object
    parent: object
    child: object
    other_parent: object
    other_child: object


@pytest.fixture
def client(app):
    app.test_client_class = Browser
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    return browser


@pytest.fixture
def world(factory) -> World:
    district = factory.district()
    locality = factory.locality(district)
    kindergarten = factory.kindergarten(locality)
    group = factory.group(kindergarten, birth_year=2022, language="kk")
    parent = factory.user(phone="+77015550001", full_name="Айгүл Сейітова")
    other = factory.user(phone="+77015550002", full_name="Other Parent")
    for user in (parent, other):
        users.confirm_phone(user)
    child = factory.child(parent, birth_date=date(2022, 5, 17))
    other_child = factory.child(other, birth_date=date(2022, 6, 1), name="Дана", sex="F")
    factory.commit()
    return World(locality, kindergarten, group, parent, child, other, other_child)


@pytest.fixture
def logged_in(client, world):
    response = log_in(client, world.parent.phone, PASSWORD)
    assert response.status_code == 303
    return client


def invite(factory, session, world, application, places=1):
    """Publish a bulletin in the application's segment; distribution (inline) invites the child."""
    bulletin = factory.bulletin(world.group, places=places)
    factory.commit()
    session.refresh(application)
    return bulletin


def respond(factory, session, application):
    invitations.respond(session, application.id, Actor.of(application.child.parent), clock.now())
    factory.commit()


def activate(factory, session, world, application):
    _, staff = factory.staff(world.kindergarten)
    referral = referrals.activate(session, application.id, staff, clock.now())
    factory.commit()
    return referral


@pytest.fixture
def app_overrides(tmp_path):
    """Uploaded documents go to the test's own folder, not the instance folder."""
    return {"DOCUMENT_FOLDER": str(tmp_path / "documents")}
