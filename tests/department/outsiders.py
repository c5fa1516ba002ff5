"""Who must not read a district's watch list and reports: the cases shared by their access tests.

Anonymous visitors are sent to log in; parents and staff get 403; an operator of another district
gets the pages of their own district, where nothing of this one may appear."""
from sqlalchemy import select

from webapp.models import Application

from .conftest import PASSWORD, log_in

KINDS = ["anonymous", "parent", "staff", "stranger"]


def browser_of(kind: str, client, world, factory, stranger):
    if kind == "anonymous":
        return client
    if kind == "parent":
        user = world.parent
    elif kind == "staff":
        user, _ = factory.staff(world.kindergarten)
    else:
        user = stranger
    factory.commit()
    assert log_in(client, user.phone, PASSWORD).status_code == 303
    return client


def check(kind: str, response, secrets: list[str]) -> None:
    """The answer an outsider of ``kind`` must get, and never one of this district's ``secrets``."""
    text = response.get_data(as_text=True)
    if kind == "anonymous":
        assert response.status_code in (302, 303)
        assert response.headers["Location"].startswith("/account/log-in")
    elif kind in ("parent", "staff"):
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 403, 404)
    for secret in secrets:
        assert secret not in text, secret


def secrets_of(world) -> list[str]:
    """What identifies this district on a page: its places and its applications' numbers."""
    numbers = list(world.session.scalars(
        select(Application.number).where(Application.district_id == world.district.id)))
    return [world.kindergarten.name_en, world.kindergarten.name_ru, world.locality.name_ru,
            world.locality.name_en, world.group.name, *numbers]
