"""Applications: submit, see the number and position at once, withdraw after a confirmation page."""
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application, Child

from .conftest import post_form


def _apply(client, world, **extra):
    data = {"locality": world.locality.id, "language": "kk", "privilege": ""}
    data.update(extra)
    return post_form(client, f"/cabinet/children/{world.child.id}/apply", data)


def _application(world):
    db.session.rollback()
    return db.session.scalar(select(Application).where(Application.child_id == world.child.id))


def test_submit_shows_the_number_and_position_at_once(logged_in, world):
    response = _apply(logged_in, world, kindergarten_1=str(world.kindergarten.id))
    assert response.status_code == 303
    application = _application(world)
    assert application.status == "queued"
    assert application.preferred_kindergarten_ids == [world.kindergarten.id]
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert application.number in page and "Position" in page
    assert "Ahead of you: 0 with the extraordinary right" in page
    listing = logged_in.get("/cabinet/").get_data(as_text=True)
    assert application.number in listing


def test_one_open_application_per_child_a_second_submit_does_nothing(logged_in, world):
    assert _apply(logged_in, world).status_code == 303
    again = _apply(logged_in, world)
    assert again.status_code == 409
    assert "already has an application" in again.get_data(as_text=True)
    db.session.rollback()
    assert len(db.session.scalars(select(Application).where(Application.child_id == world.child.id)).all()) == 1


def test_form_validation(logged_in, world):
    assert _apply(logged_in, world, locality="").status_code == 422
    assert _apply(logged_in, world, language="de").status_code == 422
    wrong = _apply(logged_in, world, kindergarten_1="99999")
    assert wrong.status_code == 422 and "not in the chosen locality" in wrong.get_data(as_text=True)
    twice = _apply(logged_in, world, kindergarten_1=str(world.kindergarten.id),
                   kindergarten_2=str(world.kindergarten.id))
    assert twice.status_code == 422 and "only once" in twice.get_data(as_text=True)
    assert _apply(logged_in, world, kindergarten_1="abc").status_code == 422
    assert _apply(logged_in, world, privilege="nonsense").status_code == 422
    assert _application(world) is None


def test_privilege_claim_is_recorded_pending(logged_in, world, factory):
    category = factory.privilege("large_family", tier="priority")
    category.document_required = False  # the department checks its own registers
    factory.commit()
    assert _apply(logged_in, world, privilege="large_family").status_code == 303
    application = _application(world)
    assert [(c.category.code, c.status) for c in application.claims] == [("large_family", "pending")]
    assert application.tier == "ordinary"  # an unverified claim moves no one


def test_withdraw_asks_first_then_withdraws_once(logged_in, world):
    _apply(logged_in, world)
    application = _application(world)
    path = f"/cabinet/applications/{application.id}/withdraw"
    page = logged_in.get(path).get_data(as_text=True)
    assert "leaves the queue for good" in page and "<form" in page
    assert _application(world).status == "queued"  # the GET changed nothing
    assert post_form(logged_in, path, {"reason": "moved away"}).status_code == 303
    assert _application(world).status == "withdrawn"
    again = post_form(logged_in, path, {"reason": ""}, form_page=f"/cabinet/applications/{application.id}/interest")
    assert again.status_code == 303
    followed = logged_in.get(again.headers["Location"]).get_data(as_text=True)
    assert "already closed" in followed
    assert _application(world).status == "withdrawn"
    # Closed: the child may be put in the queue again.
    assert db.session.get(Child, world.child.id) is not None
