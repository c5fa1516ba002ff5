"""Domain errors: what went wrong, in words a parent or an operator can act on.

Each carries a stable ``code`` (for the API and tests) and a translated message (lazy, so that it
is rendered in the language of whoever reads it).
"""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    code = "domain_error"
    http_status = 422
    default_message = _l("The request cannot be carried out.")

    def __init__(self, message=None, **params):
        self.params = params
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.code))

    def __str__(self) -> str:
        try:
            text = str(self.message)
        except RuntimeError:  # no app context: the untranslated source text
            text = getattr(self.message, "_args", [self.code])[0]
        return text % self.params if self.params else text


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = _l("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403
    default_message = _l("You may not do this.")


class WrongState(DomainError):
    code = "wrong_state"
    http_status = 409


class NoFreeSeat(DomainError):
    code = "no_free_seat"
    http_status = 409
    default_message = _l("There is no free place left in this bulletin.")


class InvalidInput(DomainError):
    code = "invalid"
    http_status = 422


class Duplicate(DomainError):
    code = "duplicate"
    http_status = 409
