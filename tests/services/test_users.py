"""Accounts: phone numbers are read with ASCII digits only."""
import pytest

from webapp.services import users
from webapp.services.errors import InvalidInput


def test_a_phone_in_any_common_spelling_is_normalised():
    assert users.normalise_phone("8 (701) 234-56-78") == "+77012345678"


@pytest.mark.parametrize("raw", ["+7 ٧٠١ ٢٣٤ ٥٦ ٧٨", "+7 ７０１ ２３４ ５６ ７８", "+7 701 234 56 ٧٨"])
def test_digits_of_other_scripts_are_not_a_phone_number(raw):
    with pytest.raises(InvalidInput):
        users.normalise_phone(raw)
