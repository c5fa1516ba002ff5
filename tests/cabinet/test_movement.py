"""My applications say how the position moved since last month, with a link to why."""
from datetime import timedelta

from webapp.services import applications, clock
from webapp.services.actors import Actor


def test_the_list_shows_the_change_since_last_month_and_the_page_its_cause(logged_in, world, factory, session):
    ahead = factory.application(world.locality, child=world.other_child)  # the other family, first
    clock.advance(timedelta(minutes=5))
    mine = factory.application(world.locality, child=world.child)
    factory.commit()
    assert "since the start of last month" not in logged_in.get("/cabinet/").get_data(as_text=True).lower()  # new
    clock.advance(timedelta(days=35))
    assert "No change since the start of last month." in logged_in.get("/cabinet/").get_data(as_text=True)
    applications.withdraw(session, ahead.id, Actor.of(world.other_parent), clock.now())
    factory.commit()
    home = logged_in.get("/cabinet/").get_data(as_text=True)
    assert "Since the start of last month: -1 places." in home
    page = logged_in.get(f"/cabinet/applications/{mine.id}").get_data(as_text=True)
    assert "How the position moved" in page and "withdrew, aged out or were deactivated" in page
