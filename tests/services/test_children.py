"""A child's IIN must agree with the birth date and sex given for it, and be unique."""
from datetime import date

import pytest

from webapp.services import children, clock, iin
from webapp.services.errors import Duplicate, InvalidInput
from webapp.services.iin import InvalidIIN

from .helpers import english

BORN = date(2022, 5, 17)


@pytest.fixture
def parent(factory):
    return factory.user("parent")


def _number(birth_date=BORN, sex="M", serial=1):
    while (number := iin.make(birth_date, sex, serial)) is None:
        serial += 1
    return number


def test_a_child_is_added_with_a_matching_iin(session, parent):
    number = _number(sex="F")
    child = children.add(session, parent, number, " Сейітова ", " Айым ", BORN, "F", clock.now(),
                         patronymic="Маратқызы")
    assert (child.iin, child.surname, child.name, child.parent_id) == (number, "Сейітова", "Айым", parent.id)
    assert child.full_name == "Сейітова Айым Маратқызы"
    assert child.masked_name == "А. С."


@pytest.mark.parametrize("birth_date, sex, message", [
    (date(2022, 5, 18), "M", "The birth date does not match the IIN."),
    (date(2021, 5, 17), "M", "The birth date does not match the IIN."),
    (BORN, "F", "The sex does not match the IIN."),
])
def test_birth_date_and_sex_must_match_the_iin(session, parent, birth_date, sex, message):
    with pytest.raises(InvalidInput) as caught:
        children.add(session, parent, _number(), "Сейітов", "Алихан", birth_date, sex, clock.now())
    assert english(caught.value) == message


def test_an_invalid_iin_is_refused(session, parent):
    number = _number()
    broken = number[:11] + str((int(number[11]) + 1) % 10)
    with pytest.raises(InvalidIIN) as caught:
        children.add(session, parent, broken, "Сейітов", "Алихан", BORN, "M", clock.now())
    assert "check digit" in english(caught.value)


def test_names_are_required(session, parent):
    with pytest.raises(InvalidInput) as caught:
        children.add(session, parent, _number(), " ", "Алихан", BORN, "M", clock.now())
    assert english(caught.value) == "Surname and name are required."


def test_an_iin_is_registered_once_in_the_whole_system(session, parent, factory):
    number = _number()
    children.add(session, parent, number, "Сейітов", "Алихан", BORN, "M", clock.now())
    other_parent = factory.user("parent")
    with pytest.raises(Duplicate) as caught:
        children.add(session, other_parent, number, "Сейітов", "Алихан", BORN, "M", clock.now())
    assert english(caught.value).startswith("This child is already registered by another account")
    with pytest.raises(Duplicate) as caught:
        children.add(session, parent, number, "Сейітов", "Алихан", BORN, "M", clock.now())
    assert english(caught.value) == "You have already added this child."
