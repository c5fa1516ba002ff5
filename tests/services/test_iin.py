"""IIN rules, checked against an independent implementation of the published algorithm:
weights 1..11, remainder mod 11; on 10 a second pass with weights 3..11, 1, 2; on 10 again the
number is never issued. The 7th digit gives century and sex (odd = male): 1–2 the 1800s,
3–4 the 1900s, 5–6 the 2000s."""
from datetime import date

import pytest

from webapp.services import iin
from webapp.services.iin import InvalidIIN

from .helpers import english


def expected_check_digit(first_eleven: str):
    digits = [int(c) for c in first_eleven]
    first = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
    if first != 10:
        return first, "first"
    second_weights = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
    second = sum(d * w for d, w in zip(digits, second_weights)) % 11
    return (None, "none") if second == 10 else (second, "second")


def _prefixes(born: str, marker: str):
    for serial in range(10_000):
        yield f"{born}{marker}{serial:04d}"


def _first(kind: str, born="220517", marker="5") -> str:
    return next(p for p in _prefixes(born, marker) if expected_check_digit(p)[1] == kind)


@pytest.mark.parametrize("born, marker, birth_date, sex", [
    ("220517", "5", date(2022, 5, 17), "M"),
    ("200229", "6", date(2020, 2, 29), "F"),
    ("870412", "3", date(1987, 4, 12), "M"),
    ("991231", "4", date(1999, 12, 31), "F"),
    ("950101", "1", date(1895, 1, 1), "M"),
    ("000101", "2", date(1800, 1, 1), "F"),
])
@pytest.mark.parametrize("kind", ["first", "second"])
def test_valid_numbers_decode_to_birth_date_and_sex(born, marker, birth_date, sex, kind):
    prefix = _first(kind, born, marker)
    digit, _ = expected_check_digit(prefix)
    parsed = iin.parse(prefix + str(digit))
    assert (parsed.iin, parsed.birth_date, parsed.sex) == (prefix + str(digit), birth_date, sex)
    assert iin.check_digit(prefix) == digit
    assert iin.is_valid(prefix + str(digit))


def test_every_serial_of_a_day_agrees_with_the_independent_rule():
    counts = {"first": 0, "second": 0, "none": 0}
    for prefix in _prefixes("220517", "5"):
        digit, kind = expected_check_digit(prefix)
        counts[kind] += 1
        assert iin.check_digit(prefix) == digit
        for candidate in range(10):
            assert iin.is_valid(prefix + str(candidate)) is (candidate == digit)
    assert counts["second"] > 0 and counts["none"] > 0  # both rare paths were exercised


def test_a_number_whose_both_passes_give_10_is_never_valid():
    prefix = _first("none")
    assert iin.check_digit(prefix) is None
    assert not any(iin.is_valid(prefix + str(d)) for d in range(10))
    assert iin.make(date(2022, 5, 17), "M", int(prefix[7:])) is None


def test_make_builds_valid_numbers():
    for serial in range(1, 200):
        number = iin.make(date(2021, 1, 9), "F", serial)
        if number is None:
            continue
        parsed = iin.parse(number)
        assert (parsed.birth_date, parsed.sex, number[6]) == (date(2021, 1, 9), "F", "6")
        assert int(number[11]) == expected_check_digit(number[:11])[0]


def test_a_wrong_check_digit_is_refused():
    prefix = _first("first")
    digit, _ = expected_check_digit(prefix)
    with pytest.raises(InvalidIIN) as caught:
        iin.parse(prefix + str((digit + 1) % 10))
    assert english(caught.value) == "The IIN check digit does not match: please check the number."
    assert caught.value.code == "invalid_iin"


@pytest.mark.parametrize("value, message", [
    ("22051750001", "An IIN has 12 digits, this one has 11."),
    ("2205175000123", "An IIN has 12 digits, this one has 13."),
    ("2205175000a1", "An IIN consists of digits only."),
    ("", "An IIN consists of digits only."),
    ("２２０５１７５００００１", "An IIN consists of digits only."),  # full-width digits are not ASCII
    ("220517700001", "The 7th digit of an IIN (century and sex) must be 1 to 6."),
    ("220517000001", "The 7th digit of an IIN (century and sex) must be 1 to 6."),
    ("221317500001", "The first six digits of an IIN must be a real birth date (YYMMDD)."),
    ("210229500001", "The first six digits of an IIN must be a real birth date (YYMMDD)."),
    ("220500500001", "The first six digits of an IIN must be a real birth date (YYMMDD)."),
])
def test_malformed_numbers_say_what_is_wrong(value, message):
    with pytest.raises(InvalidIIN) as caught:
        iin.parse(value)
    assert english(caught.value) == message


def test_surrounding_spaces_are_ignored():
    prefix = _first("first")
    number = prefix + str(expected_check_digit(prefix)[0])
    assert iin.parse(f"  {number} ").iin == number
