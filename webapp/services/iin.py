"""Kazakh individual identification numbers (ЖСН / ИИН).

Twelve digits: YYMMDD birth date, one digit for century and sex, four serial digits, one check
digit. The check digit is the weighted sum mod 11 with weights 1..11; if that gives 10, a second
pass with weights 3..11,1,2; a number whose both passes give 10 is never issued.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from .errors import InvalidInput

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Seventh digit: odd = male, even = female; 1–2 born in the 1800s, 3–4 the 1900s, 5–6 the 2000s.
CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class InvalidIIN(InvalidInput):
    code = "invalid_iin"


@dataclass(frozen=True)
class ParsedIIN:
    iin: str
    birth_date: date
    sex: str  # "M" | "F"


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11, or None when both passes give 10 (no valid IIN)."""
    digits = [int(c) for c in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights)) % 11
        if remainder != 10:
            return remainder
    return None


def parse(value: str) -> ParsedIIN:
    """Validate and decode an IIN, saying exactly what is wrong with it."""
    iin = (value or "").strip()
    if not iin.isdigit() or not iin.isascii():
        raise InvalidIIN(_l("An IIN consists of digits only."))
    if len(iin) != 12:
        raise InvalidIIN(_l("An IIN has 12 digits, this one has %(count)d."), count=len(iin))
    marker = int(iin[6])
    if marker not in CENTURY:
        raise InvalidIIN(_l("The 7th digit of an IIN (century and sex) must be 1 to 6."))
    try:
        born = date(CENTURY[marker] + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise InvalidIIN(_l("The first six digits of an IIN must be a real birth date (YYMMDD).")) from None
    expected = check_digit(iin[:11])
    if expected is None or expected != int(iin[11]):
        raise InvalidIIN(_l("The IIN check digit does not match: please check the number."))
    return ParsedIIN(iin=iin, birth_date=born, sex="M" if marker % 2 else "F")


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidIIN:
        return False
    return True


def make(birth_date: date, sex: str, serial: int) -> str | None:
    """Build a valid IIN (demo data and tests); None when this serial has no valid check digit."""
    century_base = (birth_date.year // 100) * 100
    marker = {1800: 1, 1900: 3, 2000: 5}[century_base] + (0 if sex == "M" else 1)
    first = f"{birth_date:%y%m%d}{marker}{serial:04d}"
    digit = check_digit(first)
    return None if digit is None else first + str(digit)
