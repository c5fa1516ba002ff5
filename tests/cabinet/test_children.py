"""My children: add by IIN (birth date and sex from it), no duplicates across accounts, edit names."""
from datetime import date

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Child
from webapp.services import iin

from .conftest import post_form


def _iin(born=date(2023, 2, 3), sex="F", serial=40):
    while True:
        number = iin.make(born, sex, serial)
        if number:
            return number
        serial += 1


def test_a_child_is_added_with_birth_date_and_sex_from_the_iin(logged_in, world):
    number = _iin()
    response = post_form(logged_in, "/cabinet/children/new",
                         {"iin": number, "surname": "Сейітова", "name": "Аружан", "patronymic": ""})
    assert response.status_code == 303
    db.session.rollback()
    child = db.session.scalar(select(Child).where(Child.iin == number))
    assert (child.parent_id, child.birth_date, child.sex) == (world.parent.id, date(2023, 2, 3), "F")
    page = logged_in.get("/cabinet/").get_data(as_text=True)
    assert "Сейітова Аружан" in page


def test_form_errors_are_shown_with_422(logged_in):
    response = post_form(logged_in, "/cabinet/children/new", {"iin": "123", "surname": "", "name": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the child&#39;s surname." in page or "Enter the child's surname." in page
    bad_check = _iin()[:-1] + str((int(_iin()[-1]) + 1) % 10)
    assert post_form(logged_in, "/cabinet/children/new",
                     {"iin": bad_check, "surname": "A", "name": "B"}).status_code == 422


def test_a_child_of_another_account_is_not_duplicated(logged_in, world):
    response = post_form(logged_in, "/cabinet/children/new",
                         {"iin": world.other_child.iin, "surname": "X", "name": "Y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "already registered by another account" in page
    assert world.other_parent.full_name not in page
    db.session.rollback()
    assert db.session.scalar(select(Child.parent_id).where(Child.iin == world.other_child.iin)) == world.other_parent.id


def test_names_can_be_edited_while_queued_but_not_once_invited(logged_in, world, factory, session):
    path = f"/cabinet/children/{world.child.id}"
    assert post_form(logged_in, path, {"surname": "Жаңа", "name": "Алихан"}).status_code == 303
    db.session.rollback()
    assert db.session.get(Child, world.child.id).surname == "Жаңа"
    application = factory.application(world.locality, child=db.session.get(Child, world.child.id))
    factory.commit()
    factory.bulletin(world.group)
    factory.commit()
    response = post_form(logged_in, path, {"surname": "Басқа", "name": "Алихан"})
    assert response.status_code == 422
    assert "cannot be changed" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Child, world.child.id).surname == "Жаңа"
    assert application.id
