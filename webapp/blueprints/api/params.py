"""Query parameters of the public API, checked strictly: anything malformed is a 422 with the error
object, never a silent default and never a 500 from a value the database cannot take.

The limits here are also what the OpenAPI document declares (openapi.py imports them), so the
contract and the code cannot drift apart.
"""
import re

from flask import request
from flask_babel import lazy_gettext as _l

from ...services.errors import InvalidInput, NotFound

MAX_ID = 2_147_483_647  # the largest id a 32-bit integer column holds
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
MIN_BIRTH_YEAR, MAX_BIRTH_YEAR = 2000, 2100
MAX_AUDIT_LIMIT = 1000
DEFAULT_AUDIT_LIMIT = 100
INSTRUCTION_LANGUAGES = ("kk", "ru")
INTERFACE_LANGUAGES = ("kk", "ru", "en")

_DIGITS = re.compile(r"[0-9]{1,12}")


class InvalidParameter(InvalidInput):
    code = "invalid_parameter"


def _single(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise InvalidParameter(_l("Give %(name)s only once."), name=name)
    return values[0] if values else None


def _missing(name: str, required: bool):
    if required:
        raise InvalidParameter(_l("%(name)s is required."), name=name)
    return None


def integer(name: str, minimum: int, maximum: int, default: int | None = None,
            required: bool = False) -> int | None:
    raw = _single(name)
    if raw is None:
        return default if default is not None else _missing(name, required)
    if not _DIGITS.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise InvalidParameter(_l("%(name)s must be a whole number from %(minimum)d to %(maximum)d."),
                               name=name, minimum=minimum, maximum=maximum)
    return int(raw)


def choice(name: str, options: tuple[str, ...], required: bool = False) -> str | None:
    raw = _single(name)
    if raw is None:
        return _missing(name, required)
    if raw not in options:
        raise InvalidParameter(_l("%(name)s must be one of: %(options)s."), name=name,
                               options=", ".join(options))
    return raw


def text(name: str, max_length: int) -> str:
    raw = _single(name)
    if raw is None or not raw.strip():
        raise InvalidParameter(_l("%(name)s is required."), name=name)
    if len(raw) > max_length:
        raise InvalidParameter(_l("%(name)s is too long."), name=name)
    return raw


def path_id(raw: str) -> int:
    """An id in the path: anything but an ASCII whole number in range names nothing, so 404
    (Flask's int converter would also take other scripts' digits, such as "٣")."""
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        raise NotFound()
    return int(raw)


def pagination(default_per_page: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    page = integer("page", 1, MAX_PAGE, default=1)
    per_page = integer("per_page", 1, MAX_PER_PAGE, default=default_per_page)
    return page, per_page


def locality(required: bool = False) -> int | None:
    return integer("locality", 1, MAX_ID, required=required)


def language(required: bool = False) -> str | None:
    return choice("language", INSTRUCTION_LANGUAGES, required=required)


def birth_year(required: bool = False) -> int | None:
    return integer("birth_year", MIN_BIRTH_YEAR, MAX_BIRTH_YEAR, required=required)


def interface_language() -> None:
    """``lang`` is read by the app's locale selector; here it is only checked."""
    choice("lang", INTERFACE_LANGUAGES)
