from datetime import timedelta

from webapp.models import Application, Seat
from webapp.services import audit, clock, distribution, invitations, referrals
from webapp.services.actors import Actor
from webapp.services.queue import Segment


def test_a_child_goes_from_queue_to_kindergarten(factory, session):
    locality = factory.locality()
    kg = factory.kindergarten(locality)
    group = factory.group(kg)
    apps = []
    for i in range(3):
        apps.append(factory.application(locality))
        clock.advance(timedelta(seconds=1))
    factory.commit()
    factory.bulletin(group, places=1)
    factory.commit()  # publish → distribution after commit (inline runner)
    first = session.get(Application, apps[0].id)
    assert first.status == "invited"
    parent = Actor.of(first.child.parent)
    invitations.respond(session, first.id, parent, clock.now())
    factory.commit()
    staff_user, staff = factory.staff(kg)
    referrals.activate(session, first.id, staff, clock.now())
    factory.commit()
    referrals.enrol(session, first.id, staff, clock.now())
    factory.commit()
    assert session.get(Application, first.id).status == "enrolled"
    assert session.get(type(group), group.id).enrolled == 1
    assert audit.verify(session) is None
    assert distribution.distribute(session, Segment.of(first), clock.now()) == []
    assert session.query(Seat).count() == 1
