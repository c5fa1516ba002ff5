"""A small district for the public pages: the API tests' world plus one issued referral."""
from dataclasses import dataclass

import pytest

from webapp.services import clock, invitations, referrals
from webapp.services.actors import Actor

from ..test_api import seed_world


@dataclass
class Site:
    world: object
    invited: object  # the application the published bulletin invited, then referred
    referral: object


@pytest.fixture
def site(factory, session) -> Site:
    world = seed_world(factory, session)
    invited = world.by_tier["extraordinary"][0]  # first in the queue: the bulletin's seat is his
    parent = Actor.of(invited.child.parent)
    invitations.respond(session, invited.id, parent, clock.now())
    factory.commit()
    _, staff = factory.staff(world.kindergartens[0])
    referral = referrals.activate(session, invited.id, staff, clock.now())
    factory.commit()
    return Site(world, invited, referral)


def segment_query(world, language="kk", birth_year=2022) -> dict:
    return {"locality": world.locality.id, "language": language, "birth_year": birth_year}
