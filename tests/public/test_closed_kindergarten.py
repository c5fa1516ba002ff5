"""A kindergarten the department closed keeps its public page (old histories link to it), says it
is closed, and leaves the registry."""
from webapp.extensions import db
from webapp.services import clock, kindergartens

from ..services.helpers import World


def test_a_closed_kindergarten_says_so_and_leaves_the_registry(app, factory):
    world = World(factory)
    world.commit()
    page = f"/kindergartens/{world.kindergarten.id}?lang=en"
    client = app.test_client()
    assert "has closed this kindergarten" not in client.get(page).get_data(as_text=True)
    assert world.kindergarten.name_en in client.get("/kindergartens?lang=en").get_data(as_text=True)

    kindergartens.set_kindergarten_active(db.session, world.department, world.kindergarten.id, False, clock.now())
    db.session.commit()

    response = client.get(page)
    assert response.status_code == 200
    assert "has closed this kindergarten" in response.get_data(as_text=True)
    assert world.kindergarten.name_en not in client.get("/kindergartens?lang=en").get_data(as_text=True)
