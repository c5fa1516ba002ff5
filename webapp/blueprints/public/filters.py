"""The GET forms of the public pages (filters, the queue's segment, the lookup box): read from the
query string, checked, and turned into a translated message per field when something is wrong.
They are plain GET forms, so no CSRF token: nothing here changes anything."""
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

LANGUAGES = ("kk", "ru")
DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: "٣" is a digit to str.isdigit, not to us
MAX_PAGE = 100_000


@dataclass
class Filters:
    locality: int | None = None
    language: str | None = None
    birth_year: int | None = None
    page: int = 1
    errors: dict = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def segment_chosen(self) -> bool:
        return None not in (self.locality, self.language, self.birth_year)

    def query(self, **changes) -> dict:
        """The query string of these filters (for links: pagination, the CSV download)."""
        values = {"locality": self.locality, "language": self.language, "birth_year": self.birth_year,
                  "page": self.page if self.page > 1 else None}
        values.update(changes)
        return {key: value for key, value in values.items() if value is not None}


def read(args) -> Filters:
    found = Filters()
    found.locality = _number(args, "locality", found.errors, _l("Choose a locality from the list."))
    found.birth_year = _number(args, "birth_year", found.errors, _l("Choose a year of birth from the list."))
    page = _number(args, "page", found.errors, _l("The page number must be a whole number."))
    found.page = min(max(page or 1, 1), MAX_PAGE)
    language = args.get("language", "").strip()
    if language and language not in LANGUAGES:
        found.errors["language"] = _l("Choose Kazakh or Russian.")
    found.language = language if language in LANGUAGES else None
    return found


def _number(args, name: str, errors: dict, message) -> int | None:
    text = args.get(name, "").strip()
    if not text:
        return None
    if not DIGITS.fullmatch(text):
        errors[name] = message
        return None
    return int(text)
